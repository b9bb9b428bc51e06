"""What the page shows, built from the event's evaluated state (no rule is checked here).

Every breach comes from the evaluator's ``Evaluation``; this module only groups the
breaches by team and turns the team statistics into the header lines a lead officer
reads: focus, size against the allowed range, sectors, authorities, facilitators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Mapping
from typing import Any

from clnmatch.event.engine import Event
from clnmatch.event.view import EventView
from clnmatch.event.words import breach_lines
from clnmatch.models import Cohort
from clnmatch.wording import plural

__all__ = ["live_context", "school_context"]

TOP_THEMES = 3


def _top_themes(cohort: Cohort, eid: str) -> list[str]:
    totals = [0] * len(cohort.themes)
    for p in cohort.nominees.get(eid, ()):
        for k, rating in enumerate(p.interests):
            totals[k] += rating
    order = sorted(range(len(totals)), key=lambda k: (-totals[k], k))
    return [cohort.themes[k] for k in order[:TOP_THEMES] if totals[k] > 0]


def _nominees(cohort: Cohort, eid: str, names: bool) -> list[dict[str, str]]:
    out = []
    for i, p in enumerate(cohort.nominees.get(eid, ()), 1):
        title = getattr(p, "job_title", None)
        out.append(
            {
                "name": p.name if names else f"Nominee {i}",
                "role": str(p.role),
                # a job title at a named school ("its Headteacher") names a person too
                "job_title": str(title) if title and names else "",
            }
        )
    return out


def _card(
    view: EventView, eid: str, names: bool, proposal: dict[str, int], surveyed: Container[str]
) -> dict[str, Any]:
    cohort = view.cohort
    est = cohort.establishment_by_id[eid]
    flagged = {b.subject for b in view.evaluation.breaches if b.subject}
    return {
        "id": eid,
        "name": est.name,
        "authority": est.authority,
        "sector": str(est.sector),
        "locked": eid in view.state.locked,
        "added": eid in view.state.added and eid not in surveyed,  # late, not brought back
        "nominees": _nominees(cohort, eid, names),
        "themes": _top_themes(cohort, eid),
        "breach": eid in flagged,
        "proposed": proposal.get(eid),
        "size": len(cohort.nominees.get(eid, ())),
    }


def live_context(event: Event, *, names: bool = True) -> dict[str, Any]:
    """Everything the live fragment (status bar, proposal, board) needs."""
    view = event.current_view()
    undo_words, redo_words = event.undo_redo_words() if names else ("", "")
    cohort = view.cohort
    surveyed = event.snapshot.cohort.establishment_by_id.keys()
    rules = event.rules_for(cohort)
    low, high = rules.size_bounds(cohort.n_participants)
    proposal = event.timeline.proposal
    moving = {str(k): int(v) for k, v in (proposal or {}).get("teams", {}).items()}
    members = view.team_members(event.n_teams)
    stats = {ts.team: ts for ts in view.evaluation.teams}
    fac_names = {f.id: f.name for f in cohort.facilitators}
    teams = []
    for t in range(1, event.n_teams + 1):
        ids = members.get(t, [])
        breaches = [b for b in view.evaluation.breaches if b.team == t]
        ts = stats.get(t)
        size = sum(len(cohort.nominees.get(e, ())) for e in ids)
        sectors = sorted({str(cohort.establishment_by_id[e].sector) for e in ids})
        authorities = Counter(cohort.establishment_by_id[e].authority for e in ids)
        facilitators = [
            (fac_names.get(f, f) if names else f) for f, team in view.state.links if team == t
        ]
        broken = {b.rule for b in breaches}
        checks = [
            {"ok": not broken & {"team_size", "teams"}, "text": f"{size} people ({low}-{high})"},
            {
                "ok": "min_sectors" not in broken,
                "text": f"{len(sectors)} sectors (≥{rules.min_sectors})",
            },
            {
                "ok": "min_authorities" not in broken,
                "text": f"{len(authorities)} authorities (≥{rules.min_authorities})",
            },
            {  # its own line: a team can have enough authorities and still too many of one
                "ok": "max_authority_share" not in broken,
                "text": f"{max(authorities.values(), default=0)} of {len(ids)} from one "
                f"authority (≤{rules.max_authority_share:.0%})",
            },
        ]
        if "team_establishments" in broken:
            checks.append(
                {
                    "ok": False,
                    "text": f"{len(ids)} schools (one facilitator: ≤{rules.schools_per_facilitator})",
                }
            )
        if not ids:  # an empty team: one line, not "0 of 0 from one authority"
            checks = [{"ok": False, "text": f"no schools yet ({low}-{high} people needed)"}]
        if cohort.facilitators:
            checks.append(
                {
                    "ok": not broken & {"facilitator_per_team"},
                    "text": plural(len(facilitators), "facilitator"),
                }
            )
        teams.append(
            {
                "number": t,
                "focus": view.team_focus.get(t, "") if ids else "",
                "focus_points": None if ts is None else ts.focus_points,
                "size": size,
                "n_schools": len(ids),
                "sectors": sectors,
                "authorities": sorted(authorities.items()),
                "facilitators": facilitators,
                "checks": checks,
                "breaches": [b.message for b in breaches],
                "cards": [_card(view, e, names, moving, surveyed) for e in ids],
            }
        )
    cohort_breaches = _summarised([b for b in view.evaluation.breaches if b.team is None], cohort)
    unplaced = view.unplaced
    nothing_placed = view.nothing_placed
    return {
        "version": view.version,
        "objective": None if nothing_placed else view.objective,
        "partial": bool(unplaced) and not nothing_placed,  # of the placed schools
        "bound": view.bound,
        "impossible": view.impossible,
        "gap": None if unplaced else view.gap,
        # as the lines below it say them: the people in no team once per school
        "n_breaches": len(breach_lines(view.evaluation.breaches, cohort)),
        # a board not begun is not "115 breaches": it says what to do first
        "nothing_placed": nothing_placed,
        "cohort_breaches": cohort_breaches,
        "teams": teams,
        "unplaced": [_card(view, e, names, moving, surveyed) for e in unplaced],
        "withdrawn": sorted(view.state.withdrawn),
        "n_people_out": len(view.state.people_out),
        "n_schools": len(cohort.establishments),
        "n_people": cohort.n_participants,
        "proposal": proposal,
        "last": event.last_change,
        "undo_words": undo_words,
        "redo_words": redo_words,
        "names": names,
    }


_LISTED = 3  # breaches of one rule listed one by one; more are summed up in one line


def _summarised(breaches: list[Any], cohort: Cohort) -> list[str]:
    """The evaluator's messages in the room's words, a rule with many breaches (40 schools
    not yet in a team) summed up in one line so the board stays in view."""
    by_rule: dict[str, list[Any]] = {}
    for b in breaches:
        by_rule.setdefault(b.rule, []).append(b)
    out: list[str] = []
    for rule, group in by_rule.items():
        lines = breach_lines(group, cohort)
        if len(lines) <= _LISTED:
            out += lines
        elif rule == "unassigned":
            out.append(f"{len(lines)} schools ({len(group)} people) are in no team yet")
        else:
            out.append(f"{len(lines)} breaches of {rule}, e.g. {lines[0]}")
    return out


def school_context(event: Event, eid: str) -> dict[str, Any]:
    """The side panel of one school."""
    view = event.current_view()  # never waits for a decision's repair
    cohort = view.cohort
    est = cohort.establishment_by_id[eid]
    ratings = []
    for k, theme in enumerate(cohort.themes):
        values = [p.interests[k] for p in cohort.nominees.get(eid, ())]
        ratings.append((theme, values))
    ratings.sort(key=lambda item: -sum(item[1]))
    return {
        "id": eid,
        "name": est.name,
        "authority": est.authority,
        "sector": str(est.sector),
        "team": view.state.teams.get(eid, 0),
        "locked": eid in view.state.locked,
        "nominees": [
            {**n, "id": p.id}
            for n, p in zip(_nominees(cohort, eid, True), cohort.nominees[eid], strict=True)
        ],
        "withdrawn_nominees": event.withdrawn_nominees(view.state, eid),
        "ratings": ratings[:6],
        "placed": not view.unplaced,
    }


def facilitators_context(event: Event) -> dict[str, Any]:
    """The facilitators panel: who is linked to which teams, who withdrew."""
    view = event.current_view()  # never waits for a decision's repair
    state = view.state
    teams: dict[str, list[int]] = {}
    for fid, team in sorted(state.links, key=lambda link: link[1]):
        teams.setdefault(fid, []).append(team)
    everyone = event.all_facilitators(state)
    return {
        "present": [
            {
                "id": f.id,
                "name": f.name,
                "authority": f.authority,
                "role": f.role,
                "teams": teams.get(f.id, []),
                "placed": state.facilitators_placed.get(f.id),
                "strongest": _strongest(f.expertise),
            }
            for f in view.cohort.facilitators
        ],  # fmt: skip
        "gone": [everyone[f] for f in sorted(state.facilitators_out) if f in everyone],
        # the facilitators' own too (Education Scotland supplies some, and schools none)
        "authorities": sorted(
            {e.authority for e in view.cohort.establishments}
            | {f.authority for f in view.cohort.facilitators}
        ),
        "per": event.rules.schools_per_facilitator,
        "teams": range(1, event.n_teams + 1),
        "themes": view.cohort.themes,
    }


def _strongest(expertise: Mapping[str, int]) -> str:
    """A facilitator's best-rated theme, as "Literacy (5)"; "" when none is rated above 0."""
    if not expertise or max(expertise.values()) == 0:
        return ""
    theme = max(expertise, key=lambda k: expertise[k])
    return f"{theme} ({expertise[theme]})"
