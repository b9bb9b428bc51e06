"""report.html: one self-contained page a lead officer reads at the matching event and prints.

Everything the page needs is inside it: CSS inline, charts as data: URIs, no script, no
font, no link to the internet (a Content-Security-Policy forbids any load). Every text
from the survey is escaped by jinja2's autoescape.

The page speaks the lead officer's language (``clnmatch.report.words``): rules as
sentences, the score explained with its parts, the proof as "within 0.8% of the best
possible". How the answer was found (strategy, seed, the solver's notes, the search
trace, the rules' setting names) sits in a collapsed "technical details" section. It is
titled by the cohort's name (``Heading.title``, ``--title``), never by a file name. With
many teams it switches to a table and folded member lists (``clnmatch.report.many_teams``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from clnmatch.evaluate import RULES
from clnmatch.explain import explain
from clnmatch.facilitators import facilitator_supply
from clnmatch.io.safe import atomic_write_text
from clnmatch.models import Cohort
from clnmatch.report.charts import sector_label
from clnmatch.report.many_teams import explains, report_charts, shows_cards, trace_chart
from clnmatch.report.views import (
    EstablishmentGroup,
    FacilitatorView,
    Heading,
    Member,
    TeamView,
    change_views,
    cohort_notes,
    diagnosis_text,
    facilitator_views,
    report_notes,
    team_views,
)
from clnmatch.report.words import (
    RuleCheck,
    number,
    quality_facts,
    quality_sentence,
    rule_checks,
    score_sentence,
    technical_facts,
)
from clnmatch.result import Result

__all__ = [
    "render_report",
    "write_report",
    "template_environment",
    "Heading",
    # the views and words the workbook and rosters share (kept importable from here)
    "quality_sentence",
    "quality_facts",
    "rule_checks",
    "team_views",
    "facilitator_views",
    "report_notes",
    "diagnosis_text",
    "RuleCheck",
    "TeamView",
    "EstablishmentGroup",
    "Member",
    "FacilitatorView",
]


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
def _email(address: str | None) -> Markup:
    """An e-mail address, escaped, that may break after its '@' (never inside a word)."""
    local, at, domain = (address or "").rpartition("@")
    if not at:
        return escape(address or "")
    return escape(local) + Markup("@<wbr>") + escape(domain)


def template_environment() -> jinja2.Environment:
    """The templates of clnmatch.report, autoescaped (every survey text is escaped)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("clnmatch.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["email"] = _email
    env.filters["num"] = number
    return env


def _cohort_facts(cohort: Cohort, teams: int) -> list[tuple[str, str]]:
    sectors = Counter(sector_label(e.sector) for e in cohort.establishments)
    return [
        ("Participants", number(cohort.n_participants)),
        ("Establishments", number(len(cohort.establishments))),
        ("Local authorities", number(len(cohort.authorities))),
        ("Sectors", ", ".join(f"{name} {number(n)}" for name, n in sorted(sectors.items()))),
        ("Teams", number(teams)),
        (
            "Facilitators",
            number(len(cohort.facilitators)) if cohort.facilitators else "no table given",
        ),
        ("Themes", ", ".join(cohort.themes)),
    ]


def _mean(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1f}"


def render_report(
    result: Result,
    explanations: Iterable[Any] | None = None,
    *,
    heading: Heading | None = None,
    explanations_left_out: str | None = None,
    output_notes: Iterable[str] = (),
) -> str:
    """The report as one self-contained HTML string.

    ``explanations`` are objects with ``establishment_id`` and ``text`` (as
    ``clnmatch.explain.explain`` returns); by default that function computes them when
    the cohort is small enough (``clnmatch.report.many_teams.explains``).
    ``explanations_left_out`` says why there are none (e.g. no time was left);
    ``output_notes`` lead the notes (e.g. an output left out, and why).
    """
    from clnmatch.version import __version__

    heading = heading or Heading()
    feasible = result.has_teams
    left_out = explanations is None and feasible and not explains(result)
    placed = result.establishment_team()
    unplaced = sum(e.id not in placed for e in result.cohort.establishments)
    if explanations is None:
        # a team's "why" compares moves between teams: it needs every school placed
        explanations = explain(result) if feasible and not left_out and not unplaced else ()
    why_left_out = explanations_left_out if feasible else None
    if feasible and unplaced and not left_out and why_left_out is None:
        why_left_out = (
            f"Left out while {unplaced} establishment(s) have no team yet: place them "
            "and export again."
        )
    if left_out:
        why_left_out = (
            f"Left out for a cohort this large ({len(result.cohort.establishments):,} "
            f"establishments in {result.rules.teams:,} teams): the table would run to "
            "thousands of rows."
        )
    teams = team_views(result) if feasible else []
    facilitators = facilitator_views(result)
    context = {
        "heading": heading,
        "title": heading.title,
        "version": __version__,
        "result": result,
        "status": str(result.status),
        "feasible": feasible,
        "quality": quality_sentence(result),
        "score": score_sentence(result) if feasible else "",
        "quality_facts": quality_facts(result),
        "technical_facts": technical_facts(result),
        "cohort_facts": _cohort_facts(result.cohort, result.rules.teams),
        "diagnosis": diagnosis_text(result),
        "breaches": [b.message for b in result.evaluation.breaches] if result.evaluation else [],
        "teams": teams,
        "changes": change_views(result),
        "cards": shows_cards(result),
        "checks": rule_checks(result) if feasible else [],
        "charts": report_charts(result) if feasible else [],
        "trace": trace_chart(result) if feasible else None,
        "why": _why_rows(result, explanations) if feasible else [],
        "why_left_out": why_left_out,
        "facilitators": facilitators,
        "linked": [f for f in facilitators if f.teams],
        "supply": facilitator_supply(result.cohort, result.rules),
        "notes": [*output_notes, *cohort_notes(result)],
        "solver_notes": list(result.notes),
        "rule_meanings": [(rule, meaning) for rule, meaning in RULES.items()],
        "rules_used": [
            f"{name} = {value}"
            for name, value in result.rules.model_dump(mode="json").items()
            if value not in (None, [], {})
        ],
        "fmt_mean": _mean,
    }
    return template_environment().get_template("report.html").render(**context)


def write_report(result: Result, path: str | Path, *, heading: Heading | None = None) -> None:
    """Write ``render_report(result)`` to ``path`` (UTF-8), whole or not at all."""
    atomic_write_text(path, render_report(result, heading=heading))
