"""report.html for breakout rooms: one self-contained page (inline CSS and SVG, no script,
nothing loaded from the internet: a Content-Security-Policy forbids it).

It shows the numbers that matter first (repeats against the proven lower bound, every rule
checked), a picture of who met whom (pairs by times met, new people met per person, and
for up to 150 people the meeting matrix itself), then every round's rooms with their
people, authorities and sectors. Text from the roster is escaped by jinja2's autoescape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import jinja2
import numpy as np
from markupsafe import Markup, escape

from clnmatch.breakouts.api import BreakoutPlan
from clnmatch.breakouts.evaluate import RULES
from clnmatch.wording import plural

__all__ = ["render_report", "quality_sentence", "RULE_TITLES"]

MATRIX_UP_TO = 150

RULE_TITLES = {
    "one_room_each_round": "Everyone is in exactly one room each round",
    "room_sizes": "Room sizes differ by at most one",
    "min_authorities": "Authorities per room (at least)",
    "max_per_authority": "People of one authority per room (at most)",
    "colleagues_apart": "Colleagues of one establishment never share a room",
}


@dataclass(frozen=True)
class _Member:
    name: str
    person_id: str
    authority: str
    sector: str


@dataclass(frozen=True)
class _Room:
    number: int
    members: list[_Member]
    authorities: int
    sectors: int


def quality_sentence(plan: BreakoutPlan, proof: str = "below") -> str:
    """How good the schedule is, in words; ``proof`` says where its lower bound is proved
    ("in the technical details below" in the report, "in report.html" on a terminal)."""
    if plan.repeats is None or plan.lower_bound_repeats is None:
        return "No schedule was made."
    rep, low = plan.repeats, plan.lower_bound_repeats
    if rep == 0:
        return "Nobody meets anyone twice: every meeting is a new one."
    if rep == low:
        return (
            f"{plural(rep, 'repeated meeting')}, and no schedule under these rules can have fewer "
            f"(proven {proof}): this schedule is the best possible."
        )
    return (
        f"{plural(rep, 'repeated meeting')}; no schedule under these rules can have fewer than {low} "
        f"(proven {proof}), so this one is at most {rep - low} above the best possible."
    )


def _bars_svg(
    counts: list[tuple[str, int]], title: str, colour: str, axes: tuple[str, str]
) -> Markup:
    """A small bar chart as inline SVG (labels under the bars, values above; ``axes``:
    what the labels and the bars count)."""
    width, height, pad = 520, 210, 28
    top = max([v for _, v in counts] + [1])
    bar = min(60.0, (width - 2 * pad) / max(1, len(counts)))
    # the counts in the label too: a screen reader reads the label, not the drawn numbers
    shown = counts if len(counts) <= 30 else [c for c in counts if c[1]]
    said = f"{title}: " + "; ".join(f"{label}: {value}" for label, value in shown)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(said)}">'
    ]
    for i, (label, value) in enumerate(counts):
        h = (height - 2 * pad) * value / top
        x = pad + i * bar
        y = height - pad - h
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{max(1.0, bar - 4):.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
        )
        if len(counts) <= 30:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - pad + 14}" font-size="11" '
                f'text-anchor="middle">{escape(label)}</text>'
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{value}</text>'
            )
    parts.append(
        f'<text x="{max(pad + bar * max(1, len(counts)) / 2, pad + 3.2 * len(axes[0])):.0f}" '
        f'y="{height - 4}" font-size="11" '
        f'text-anchor="middle">'
        f"{escape(axes[0])}</text>"
        f'<text x="10" y="{height / 2:.0f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 10 {height / 2:.0f})">{escape(axes[1])}</text></svg>'
    )
    return Markup("".join(parts))


def _matrix_svg(plan: BreakoutPlan) -> Markup | None:
    """Who met whom: one cell per pair, darker for more meetings (up to MATRIX_UP_TO)."""
    n = len(plan.roster)
    if plan.schedule is None or n > MATRIX_UP_TO:
        return None
    met = np.zeros((n, n), dtype=np.int64)
    for row in plan.schedule:
        same = (row[:, None] == row[None, :]) & (row[:, None] >= 0)
        met += same
    np.fill_diagonal(met, 0)
    cell = max(2, min(8, 600 // max(1, n)))
    size = cell * n
    colours = {1: "#3182bd", 2: "#e6550d", 3: "#7f2704"}  # 3:1 on #f7f7f7 at least
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="meeting matrix: a cell per pair of people, darker the more often they met '
        f'(the chart of pairs above gives the counts)"><rect width="{size}" height="{size}" '
        f'fill="#f7f7f7"/>'
    ]
    for i, j in zip(*np.nonzero(met), strict=True):
        colour = colours.get(int(met[i, j]), "#7f2704")
        parts.append(
            f'<rect x="{j * cell}" y="{i * cell}" width="{cell}" height="{cell}" fill="{colour}"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _rounds(plan: BreakoutPlan) -> list[list[_Room]]:
    if plan.schedule is None:
        return []
    people = plan.roster.people
    out = []
    for row in plan.schedule:
        rooms = []
        for k in range(int(row.max()) + 1):
            members = [people[i] for i in np.flatnonzero(row == k)]
            rooms.append(
                _Room(
                    k + 1,
                    [_Member(p.name or p.id, p.id, p.authority, p.sector) for p in members],
                    len({p.authority.casefold() for p in members if p.authority}),
                    len({p.sector for p in members if p.sector}),
                )
            )
        out.append(rooms)
    return out


_TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Breakout rooms: {{ plan.rounds }} rounds for {{ people }} people</title>
<style>
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
.ok{color:#216e39}.bad{color:#b00020;font-weight:bold}.box{background:#f3f6fa;padding:1em;border-radius:6px}
.rooms{display:grid;grid-template-columns:repeat(auto-fill,minmax(15em,1fr));gap:.6em}
.room{border:1px solid #bbb;border-radius:5px;padding:.4em .6em;break-inside:avoid}
.room h3{margin:.1em 0 .3em;font-size:1em}svg{max-width:100%;height:auto}.room ul{margin:0;padding-left:1.1em}.muted{color:#666;font-size:.9em}
@media print{.round,.technical{break-before:page}}
</style></head><body><main>
<h1>Breakout rooms: {{ plan.rounds }} round{{ 's' if plan.rounds != 1 }} for {{ people }} people</h1>
<p class="box"><strong>{{ quality }}</strong><br>
{{ plan.rounds }} round{{ 's' if plan.rounds != 1 }}, in {{ rooms_text }}: each person's room in every round is below, a round a page when printed.</p>
<p class="muted">A repeated meeting is two people sharing a room again{{ ' (people who met
in the rounds of history given count as having met once)' if plan.history_rounds }}.</p>
{% if notes %}<ul>{% for note in notes %}<li>{{ note }}</li>{% endfor %}</ul>{% endif %}
<h2>Rules</h2>
<table><tr><th>Rule</th><th>Setting</th><th>Result</th></tr>
{% for rule, title, setting, check in checks %}<tr><td>{{ title }}</td><td>{{ setting }}</td>
<td class="{{ 'ok' if check.ok else 'bad' }}">{{ 'met' if check.ok else check.breaches ~ ' breaches' }}</td></tr>{% endfor %}
</table>
<h2>Who met whom</h2>
<p>How many pairs of people shared a room once, twice, ...{{ ' (history counting once)' if plan.history_rounds }}:</p>
{{ met_chart }}
<p>How many people met each number of new people in these rounds:</p>
{{ contacts_chart }}
{% for rooms in rounds %}<section class="round"><h2>Round {{ loop.index }}</h2><div class="rooms">
{% for room in rooms %}<div class="room"><h3>Room {{ room.number }}</h3>
<div class="muted">{{ room.members|length }} people &middot; {{ room.authorities }} authorities &middot; {{ room.sectors }} sectors</div>
<ul>{% for m in room.members %}<li>{{ m.name }}{% if m.authority or m.sector %} <span class="muted">({{ [m.authority, m.sector]|select|join(', ') }})</span>{% endif %}</li>{% endfor %}</ul></div>
{% endfor %}</div></section>{% endfor %}
<section class="technical"><h2>Technical details</h2>
<p>Status: {{ status_words }} &middot; repeated meetings {{ plan.repeats }} &middot; proven
fewest possible (lower bound) {{ plan.lower_bound_repeats }} &middot; seed {{ plan.seed }}
&middot; {{ '%.1f' % plan.runtime_s }} s &middot; planned from: {{ plan.method }}</p>
<h3>The lower bound</h3>
<p>Proven by counting: no schedule of these rooms under these rules can have fewer repeated meetings.</p>
{% if unavoidable %}<p>The rounds kept as they were and the history already hold {{ unavoidable }} repeated meetings; the rounds planned add at least the largest of the arguments below: {{ unavoidable }} + {{ bound_arguments | map(attribute="value") | max }} = {{ plan.lower_bound_repeats }}.</p>{% endif %}
<table><tr><th>Argument</th><th>Proves at least</th><th>Formula</th></tr>
{% for a in bound_arguments %}<tr><td>{{ a.name }}</td><td>{{ a.value }}</td><td><code>{{ a.formula }}</code></td></tr>{% endfor %}
</table>
{% if matrix %}<h3>Meeting matrix</h3><p>A row and a column per person, in roster order; blue: met once,
orange: twice, dark brown: three times or more.</p>{{ matrix }}{% endif %}
</section>
</main></body></html>
"""
)


def render_report(plan: BreakoutPlan) -> str:
    """The whole page as text."""
    ev = plan.evaluation
    rules = plan.rules
    settings = {
        "one_room_each_round": "always",
        "room_sizes": "always",
        "min_authorities": str(rules.min_authorities) if rules.min_authorities > 1 else "off",
        "max_per_authority": str(rules.max_per_authority) if rules.max_per_authority else "off",
        "colleagues_apart": "on" if rules.colleagues_apart else "off",
    }
    checks = ev.rule_checks() if ev is not None else {r: {"ok": True, "breaches": 0} for r in RULES}
    met = sorted(ev.times_met.items()) if ev is not None else []
    contacts = Counter(ev.new_contacts.tolist()) if ev is not None else Counter()
    notes = []
    if plan.history_rounds:
        notes.append(f"{plural(plan.history_rounds, 'round')} of history taken into account.")
    if plan.unknown_history_ids:
        notes.append(f"{plan.unknown_history_ids} people in the history are not in this roster.")
    if plan.replanned_rounds:
        notes.append(f"Rounds planned again: {', '.join(map(str, plan.replanned_rounds))}.")
    dropped_from = list(plan.dropped_from().values())
    if gone := len(dropped_from) - dropped_from.count(None):
        notes.append(f"{plural(gone, 'person', 'people')} dropped out and left their rounds.")
    if never := dropped_from.count(None):
        notes.append(
            f"{plural(never, 'person', 'people')} on the roster but in no room of the plan "
            "dropped out before joining."
        )
    if plan.joined:
        first = plan.replanned_rounds[0] if plan.replanned_rounds else 1
        notes.append(
            f"{len(plan.joined)} people not in the earlier plan joined from round {first} on."
        )
    sizes = (
        sorted({int(v) for row in plan.schedule for v in np.bincount(row[row >= 0])})
        if plan.schedule is not None
        else []
    )
    rooms_text = (
        f"rooms of {'-'.join(map(str, [sizes[0], sizes[-1]] if len(sizes) > 1 else sizes))}"
        if sizes
        else ""
    )
    return _TEMPLATE.render(
        plan=plan,
        people=len(plan.roster),
        quality=quality_sentence(plan, "in the technical details below"),
        status_words={  # the room's words for the planner's status
            "optimal": "optimal (as few repeats as possible)",
            "feasible": "every rule met (perhaps not the fewest repeats)",
        }.get(plan.status, plan.status),
        rooms_text=rooms_text,
        notes=notes,
        checks=[(r, RULE_TITLES[r], settings[r], checks[r]) for r in RULES],
        bound_arguments=plan.bound.arguments if plan.bound else (),
        unavoidable=plan.bound.unavoidable if plan.bound and plan.bound.arguments else 0,
        met_chart=_bars_svg(
            [(f"{k}x", v) for k, v in met],
            "pairs by times met",
            "#3182bd",
            ("times they shared a room", "pairs of people"),
        ),
        contacts_chart=_bars_svg(
            [(str(k), v) for k, v in sorted(contacts.items())],
            "new people met",
            "#31a354",
            ("new people met", "people"),
        ),
        matrix=_matrix_svg(plan),
        rounds=[[room for room in rooms] for rooms in _rounds(plan)],
    )
