"""report.html: one self-contained page a lead officer reads at the matching event and prints.

Everything the page needs is inside it: CSS inline, charts as data: URIs, no script, no
font, no link to the internet (a Content-Security-Policy forbids any load). Every text
from the survey is escaped by jinja2's autoescape.

The plain-words views built here (the quality proof, the rule checks with numbers, the
teams grouped by establishment) are shared with the workbook, so both outputs say the
same thing in the same words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from clnmatch.cohort_summary import cohort_warnings
from clnmatch.evaluate import RULES, Breach, TeamStats
from clnmatch.explain import explain
from clnmatch.facilitators import facilitator_supply
from clnmatch.io.safe import atomic_write_text
from clnmatch.models import Cohort, Role
from clnmatch.report.charts import all_charts, sector_label
from clnmatch.result import Result, Status

__all__ = [
    "render_report",
    "write_report",
    "quality_sentence",
    "quality_facts",
    "rule_checks",
    "team_views",
    "facilitator_views",
    "report_notes",
    "diagnosis_text",
    "RuleCheck",
    "RULE_TITLES",
    "TeamView",
    "EstablishmentGroup",
    "Member",
    "FacilitatorView",
]

_ROLE_LABELS = {str(Role.PROMOTED): "Promoted", str(Role.PRACTITIONER): "Practitioner"}


# --------------------------------------------------------------------------- numbers in words
def _num(value: float) -> str:
    """1234.5 -> '1,234.5'; whole numbers without decimals."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _percent(share: float) -> str:
    if 0 < share < 0.001:
        return "less than 0.1%"
    return f"{share:.1%}"


def _span(values: Sequence[float]) -> str:
    """'2-4', or '3' when every value is the same."""
    if not values:
        return "none"
    low, high = min(values), max(values)
    return _num(low) if low == high else f"{_num(low)}-{_num(high)}"


def quality_sentence(result: Result) -> str:
    """How good the assignment is, in one sentence a lead officer understands."""
    objective, bound, gap = result.objective, result.bound, result.gap
    if result.status == Status.INFEASIBLE:
        return "The rules cannot all be met, so no teams were formed: see why below."
    if result.status == Status.BREACHES and result.evaluation is not None:
        count = len(result.evaluation.breaches)
        return (
            f"This assignment breaks {count} rule{'s' * (count != 1)}: see the rule checks "
            f"below (objective {_num(objective or 0)})."
        )
    if result.status == Status.UNKNOWN or objective is None:
        return (
            "No assignment that meets every rule was found within the time limit, and none "
            "was proven impossible: try a longer time limit."
        )
    if result.status == Status.OPTIMAL:
        return (
            f"This assignment is proven optimal: no assignment that meets every rule scores "
            f"higher (objective {_num(objective)})."
        )
    if bound is not None and gap is not None:
        return (
            f"This assignment meets every rule and is within {_percent(gap)} of the best "
            f"possible (objective {_num(objective)}, bound {_num(bound)})."
        )
    return (
        f"This assignment meets every rule, but no proof of optimality was found in the time "
        f"limit (objective {_num(objective)})."
    )


def quality_facts(result: Result) -> list[tuple[str, str]]:
    """(label, value) pairs: status, objective, bound, gap and how the answer was found."""
    objective, bound, gap = result.objective, result.bound, result.gap
    return [
        ("Status", str(result.status)),
        ("Objective", "none" if objective is None else _num(objective)),
        ("Bound", "none proven" if bound is None else _num(bound)),
        ("Gap", "unknown" if gap is None else _percent(gap)),
        ("Objective used", result.objective_name),
        ("Strategy", result.strategy),
        ("Seed", str(result.seed)),
        ("Run time", f"{result.runtime_s:.1f} s"),
    ]


# --------------------------------------------------------------------------- rule checks
# short names a person reads first; RULES gives the full meaning
RULE_TITLES: dict[str, str] = {
    "teams": "Teams used",
    "unassigned": "Everyone placed",
    "unknown_practitioner": "Known practitioners",
    "max_participants": "Cohort size",
    "nominees_together": "Nominees together",
    "team_size": "Team sizes",
    "min_sectors": "Sectors per team",
    "min_authorities": "Authorities per team",
    "max_authority_share": "Authority share",
    "max_teams_per_theme": "Teams per focus theme",
    "pin": "Pinned establishments",
    "forbidden": "Forbidden placements",
    "together": "Kept together",
    "apart": "Kept apart",
    "facilitator_supply": "Facilitator supply",
    "facilitator_per_team": "Facilitators per team",
    "facilitator_load": "Facilitator load",
    "unknown_facilitator": "Known facilitators",
}


@dataclass(frozen=True)
class RuleCheck:
    """One rule of ``clnmatch.evaluate.RULES``: does it hold, and by how much."""

    rule: str
    title: str
    meaning: str
    passed: bool
    numbers: str
    breaches: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "passes" if self.passed else f"BREACHED ({len(self.breaches)})"


def _facilitator_loads(result: Result, teams: Sequence[TeamStats]) -> dict[str, int]:
    """Establishments each facilitator supports (as clnmatch.evaluate counts them)."""
    per_team = {ts.team: len(ts.establishments) for ts in teams}
    load: Counter[str] = Counter()
    for fid, team in result.facilitator_links:
        load[fid] += per_team.get(int(team), 0)
    return dict(load)


def _split_establishments(result: Result) -> int:
    teams: dict[str, set[int]] = {}
    for p in result.cohort.practitioners:
        if p.id in result.assignment:
            teams.setdefault(p.establishment_id, set()).add(result.assignment[p.id])
    return sum(1 for t in teams.values() if len(t) > 1)


def _rule_numbers(result: Result, teams: Sequence[TeamStats]) -> dict[str, str]:
    """The tightest numbers of every rule that applies to this result (rule -> words)."""
    cohort, rules = result.cohort, result.rules
    n = cohort.n_participants
    out: dict[str, str] = {}
    used = sum(1 for ts in teams if ts.participants > 0)
    out["teams"] = f"{rules.teams} teams required; {used} have members"
    assigned = sum(1 for p in cohort.practitioners if p.id in result.assignment)
    out["unassigned"] = f"{assigned} of {n} practitioners are in a team"
    out["max_participants"] = f"at most {rules.max_participants} allowed; the cohort has {n}"
    out["nominees_together"] = (
        f"{len(cohort.establishments)} establishments; "
        f"{_split_establishments(result)} have nominees in more than one team"
    )
    low, high = rules.size_bounds(n)
    out["team_size"] = (
        f"{low}-{high} participants allowed; teams have {_span([ts.participants for ts in teams])}"
    )
    out["min_sectors"] = (
        f"min {rules.min_sectors} required; teams have {_span([len(ts.sectors) for ts in teams])}"
    )
    out["min_authorities"] = (
        f"min {rules.min_authorities} required; "
        f"teams have {_span([len(ts.authorities) for ts in teams])}"
    )
    shares = [
        (max(ts.authorities.values()) / len(ts.establishments), ts)
        for ts in teams
        if ts.establishments and ts.authorities
    ]
    if shares:
        share, ts = max(shares, key=lambda pair: pair[0])
        top = max(ts.authorities.values())
        out["max_authority_share"] = (
            f"at most {rules.max_authority_share:.0%} of a team's establishments from one "
            f"authority; the largest share is {share:.0%} ({top} of {len(ts.establishments)} "
            f"in team {ts.team})"
        )
    if rules.max_teams_per_theme is not None:
        counts = Counter(result.team_focus.values())
        most = max(counts.values(), default=0)
        out["max_teams_per_theme"] = (
            f"at most {rules.max_teams_per_theme} teams per focus theme; the most shared theme "
            f"serves {most}"
        )
    est_team = result.establishment_team()
    if rules.pins:
        ok = sum(1 for e, t in rules.pins.items() if est_team.get(e) == t)
        out["pin"] = f"{len(rules.pins)} pinned establishments; {ok} are in their team"
    if rules.forbidden:
        ok = sum(1 for e, t in rules.forbidden if est_team.get(e) != t)
        out["forbidden"] = f"{len(rules.forbidden)} forbidden placements; {ok} avoided"
    if rules.together:
        ok = sum(1 for a, b in rules.together if est_team.get(a) == est_team.get(b))
        out["together"] = f"{len(rules.together)} pairs kept together; {ok} share a team"
    if rules.apart:
        ok = sum(1 for a, b in rules.apart if est_team.get(a) != est_team.get(b))
        out["apart"] = f"{len(rules.apart)} pairs kept apart; {ok} are apart"
    if cohort.facilitators:
        lines = facilitator_supply(cohort, rules)
        tight = min(lines, key=lambda line: (line.supplied or 0) - line.needed, default=None)
        if tight is not None:
            out["facilitator_supply"] = (
                f"each authority supplies ceil(establishments / {rules.schools_per_facilitator}); "
                f"tightest: {tight.authority} supplies {tight.supplied} of {tight.needed} needed"
            )
    if result.facilitator_links:
        per_team = Counter(int(t) for _, t in result.facilitator_links)
        out["facilitator_per_team"] = (
            f"min 1 required; teams have {_span([per_team.get(ts.team, 0) for ts in teams])}"
        )
        load = _facilitator_loads(result, teams)
        out["facilitator_load"] = (
            f"at most {rules.schools_per_facilitator} establishments each; the busiest "
            f"facilitator supports {max(load.values(), default=0)}"
        )
    return out


def rule_checks(result: Result) -> list[RuleCheck]:
    """Every rule that applies, in the order of ``RULES``; empty when there is no assignment."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    numbers = _rule_numbers(result, evaluation.teams)
    by_rule: dict[str, list[Breach]] = {}
    for breach in evaluation.breaches:
        by_rule.setdefault(breach.rule, []).append(breach)
    checks = []
    for rule, meaning in RULES.items():
        breaches = by_rule.get(rule, [])
        if rule not in numbers and not breaches:
            continue  # the rule does not apply to this cohort (no pins, no facilitators, ...)
        checks.append(
            RuleCheck(
                rule=rule,
                title=RULE_TITLES.get(rule, rule.replace("_", " ").capitalize()),
                meaning=meaning,
                passed=not breaches,
                numbers=numbers.get(rule, ""),
                breaches=tuple(b.message for b in breaches),
            )
        )
    return checks


# --------------------------------------------------------------------------- teams
@dataclass(frozen=True)
class Member:
    practitioner_id: str
    name: str
    role: str
    rating: int | None  # of the team's focus theme, 0..5


@dataclass(frozen=True)
class EstablishmentGroup:
    id: str
    name: str
    authority: str
    sector: str
    simd_quintile: int | None
    members: tuple[Member, ...]


@dataclass(frozen=True)
class FacilitatorView:
    id: str
    name: str
    authority: str
    role: str
    teams: tuple[int, ...]
    establishments: int  # establishments supported over all its teams
    reason: str = ""


@dataclass(frozen=True)
class TeamView:
    team: int
    focus: str | None
    participants: int
    sectors: tuple[str, ...]
    authorities: dict[str, int]
    establishments: tuple[EstablishmentGroup, ...]
    facilitators: tuple[FacilitatorView, ...]
    focus_mean: float | None  # members' mean rating of the focus theme

    @property
    def anchor(self) -> str:
        return f"team-{self.team}"


def facilitator_views(result: Result) -> list[FacilitatorView]:
    """Every facilitator with a link (and those of the table without one), in table order."""
    cohort = result.cohort
    teams_of: dict[str, list[int]] = {}
    for fid, team in result.facilitator_links:
        teams_of.setdefault(fid, []).append(int(team))
    est_per_team = Counter(result.establishment_team().values())
    reasons = result.allocation.reasons if result.allocation is not None else {}
    by_id = {f.id: f for f in cohort.facilitators}
    ids = [f.id for f in cohort.facilitators] + [f for f in teams_of if f not in by_id]
    out = []
    for fid in ids:
        f = by_id.get(fid)
        teams = tuple(sorted(teams_of.get(fid, [])))
        out.append(
            FacilitatorView(
                id=fid,
                name=f.name if f else fid,
                authority=f.authority if f else "",
                role=f.role if f else "",
                teams=teams,
                establishments=sum(est_per_team.get(t, 0) for t in teams),
                reason="; ".join(r for t in teams if (r := reasons.get((fid, t)))),
            )
        )
    return out


def team_views(result: Result) -> list[TeamView]:
    """Each team with its members grouped by establishment, in survey order."""
    cohort = result.cohort
    if not result.assignment:
        return []
    theme_index = {theme: k for k, theme in enumerate(cohort.themes)}
    stats = {ts.team: ts for ts in result.evaluation.teams} if result.evaluation else {}
    facilitators = facilitator_views(result)
    groups: dict[int, list[EstablishmentGroup]] = {t: [] for t in range(1, result.rules.teams + 1)}
    for est in cohort.establishments:
        # the promoted nominee (the senior leader backing the work) first
        nominees = sorted(
            (p for p in cohort.nominees[est.id] if p.id in result.assignment),
            key=lambda p: p.role != Role.PROMOTED,
        )
        if not nominees:
            continue
        team = result.assignment[nominees[0].id]
        k = theme_index.get(result.team_focus.get(team, ""))
        members = tuple(
            Member(
                p.id,
                p.name,
                _ROLE_LABELS.get(str(p.role), str(p.role)),
                None if k is None else p.interests[k],
            )
            for p in nominees
        )
        groups.setdefault(team, []).append(
            EstablishmentGroup(
                est.id,
                est.name,
                est.authority,
                sector_label(est.sector),
                est.simd_quintile,
                members,
            )
        )
    out = []
    for team, ests in sorted(groups.items()):
        ratings = [m.rating for g in ests for m in g.members if m.rating is not None]
        ts = stats.get(team)
        sectors = tuple(sorted({g.sector for g in ests}))
        authorities = dict(ts.authorities) if ts else dict(Counter(g.authority for g in ests))
        out.append(
            TeamView(
                team=team,
                focus=result.team_focus.get(team),
                participants=sum(len(g.members) for g in ests),
                sectors=sectors,
                authorities=authorities,
                establishments=tuple(ests),
                facilitators=tuple(f for f in facilitators if team in f.teams),
                focus_mean=sum(ratings) / len(ratings) if ratings else None,
            )
        )
    return out


# --------------------------------------------------------------------------- notes
def report_notes(result: Result) -> list[str]:
    """The result's notes, then the cohort's warnings (lone nominees, missing senior leaders)."""
    return [*result.notes, *cohort_warnings(result.cohort, result.rules)]


def diagnosis_text(result: Result) -> str:
    """The diagnosis of an infeasible result in words ('' when there is none)."""
    diagnosis = result.diagnosis
    if diagnosis is None:
        return ""
    message = getattr(diagnosis, "message", None)
    return str(message() if callable(message) else message or diagnosis)


# --------------------------------------------------------------------------- explanations
@dataclass(frozen=True)
class _Why:
    team: int | None
    establishment: str
    authority: str
    texts: tuple[str, ...]


def _why_rows(result: Result, explanations: Iterable[Any]) -> list[_Why]:
    """Explanations grouped by establishment, in team order; unknown establishments dropped."""
    texts: dict[str, list[str]] = {}
    for item in explanations:
        est_id = getattr(item, "establishment_id", None)
        text = getattr(item, "text", None)
        if est_id is None:
            continue
        texts.setdefault(str(est_id), []).append(str(text if text is not None else item))
    est_team = result.establishment_team()
    rows = []
    for est in result.cohort.establishments:
        if est.id in texts:
            rows.append(_Why(est_team.get(est.id), est.name, est.authority, tuple(texts[est.id])))
    rows.sort(key=lambda r: (r.team is None, r.team or 0))
    return rows


# --------------------------------------------------------------------------- rendering
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("clnmatch.report", "templates"),
        autoescape=True,  # every survey text is escaped, whatever the template does
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _cohort_facts(cohort: Cohort, teams: int) -> list[tuple[str, str]]:
    sectors = Counter(sector_label(e.sector) for e in cohort.establishments)
    return [
        ("Participants", str(cohort.n_participants)),
        ("Establishments", str(len(cohort.establishments))),
        ("Local authorities", str(len(cohort.authorities))),
        ("Sectors", ", ".join(f"{name} {n}" for name, n in sorted(sectors.items()))),
        ("Teams", str(teams)),
        ("Facilitators", str(len(cohort.facilitators) or "no table given")),
        ("Themes", ", ".join(cohort.themes)),
    ]


def render_report(result: Result, explanations: Iterable[Any] | None = None) -> str:
    """The report as one self-contained HTML string.

    ``explanations`` are objects with ``establishment_id`` and ``text`` (as
    ``clnmatch.explain.explain`` returns); by default that function computes them.
    """
    from clnmatch import __version__  # here: clnmatch/__init__ may one day import the report

    # a hand-edited assignment that breaks rules still shows its teams and failing checks
    feasible = (result.feasible or result.status == Status.BREACHES) and bool(result.assignment)
    if explanations is None:
        explanations = explain(result) if feasible else ()
    source = Path(result.cohort.source).name if result.cohort.source else None
    teams = team_views(result) if feasible else []
    context = {
        "title": "Collaborative learning teams" + (f": {source}" if source else ""),
        "version": __version__,
        "result": result,
        "status": str(result.status),
        "feasible": feasible,
        "quality": quality_sentence(result),
        "quality_facts": quality_facts(result),
        "cohort_facts": _cohort_facts(result.cohort, result.rules.teams),
        "diagnosis": diagnosis_text(result),
        "breaches": [b.message for b in result.evaluation.breaches] if result.evaluation else [],
        "teams": teams,
        "checks": rule_checks(result) if feasible else [],
        "charts": all_charts(result) if feasible else [],
        "why": _why_rows(result, explanations) if feasible else [],
        "facilitators": facilitator_views(result),
        "supply": facilitator_supply(result.cohort, result.rules),
        "notes": report_notes(result),
        "rules_used": [
            f"{name} = {value}"
            for name, value in result.rules.model_dump(mode="json").items()
            if value not in (None, [], {})
        ],
        "fmt_mean": lambda x: "-" if x is None or math.isnan(x) else f"{x:.1f}",
    }
    return _environment().get_template("report.html").render(**context)


def write_report(result: Result, path: str | Path) -> None:
    """Write ``render_report(result)`` to ``path`` (UTF-8), whole or not at all."""
    atomic_write_text(path, render_report(result))
