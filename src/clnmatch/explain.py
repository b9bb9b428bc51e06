"""Why each establishment is in its team, and what moving it would cost.

``explain(result)`` gives one ``Explanation`` per establishment, for the lead officer:

* the team's focus theme and how the establishment's nominees rate it;
* the themes its nominees share with team mates (a nominee on each side rates it 4 or 5);
* the rules that tie it to its team: those that break in its team whichever team it
  moves to (e.g. it is the team's only secondary school and the team needs 2 sectors);
* the best alternative team: of every other team, the move with fewest new breaches,
  then the best objective, reported with the change in points and the rules it would
  break. The changes come from team totals (``clnmatch.explain_deltas``), the numbers the
  evaluator gives for the moved assignment (the tests compare them on random cohorts):
  at region scale (500 establishments x 80 teams) ~1 s instead of two minutes of
  re-evaluating every move.

A move's change in points is the evaluator's for the moved teams, each team's focus theme
chosen again (as the event's board does: a school joining can change a team's focus);
the texts name the focus the result gave each team. The objective is the
result's (``Problem.from_cohort(cohort, rules, objective_name)``), in the evaluator's
integer milli-points. Texts name establishments, never people.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import ClnmatchError, InvalidParameterError
from clnmatch.evaluate import Breach, evaluate
from clnmatch.explain_deltas import (
    FacilitatorLoads,
    MoveBreaches,
    MoveDeltas,
    breach_key,
    move_deltas,
)
from clnmatch.models import Cohort, Sector
from clnmatch.problem import SCALE, ObjectiveWeights, Problem
from clnmatch.result import Result

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Explanation",
    "ExplainTimeout",
    "explain",
    "explanations_frame",
    "move_deltas",
    "SHARED_RATING",
]

SHARED_RATING = 4  # a theme is shared when a nominee on each side rates it at least this
IntArray = NDArray[np.int64]
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SECTOR_NOUN = {
    Sector.ELC: "ELC",
    Sector.PRIMARY: "primary school",
    Sector.SECONDARY: "secondary school",
    Sector.SPECIAL: "special school",
}
# locks a move breaks for the establishment itself, wherever it goes (when the result
# keeps them); "forbidden" and "apart" depend on the destination instead
_OWN_RULES = ("pin", "together")


@dataclass(frozen=True)
class Explanation:
    """Why one establishment is in its team (teams 1..T; points, not milli-points)."""

    establishment_id: str
    establishment_name: str
    team: int
    focus: str | None
    focus_rating: list[int]  # each nominee's rating of the team's focus theme
    shared_themes: dict[str, list[str]]  # theme -> ids of team mates sharing it
    binding_rules: list[str]  # rule names that would break if it left its team
    binding_reasons: list[str]  # the same, as plain-English clauses
    alternative_team: int | None  # best other team; None with a single team
    alternative_delta: float | None  # objective change of that move, in points
    alternative_breaches: list[str]  # the evaluator's messages for the rules that move breaks
    text: str
    alternative_rules: list[str] = field(default_factory=list)  # rule names of those breaches

    def to_dict(self) -> dict[str, object]:
        return {
            "establishment_id": self.establishment_id,
            "establishment_name": self.establishment_name,
            "team": self.team,
            "focus": self.focus,
            "focus_rating": list(self.focus_rating),
            "shared_themes": {k: list(v) for k, v in self.shared_themes.items()},
            "binding_rules": list(self.binding_rules),
            "binding_reasons": list(self.binding_reasons),
            "alternative_team": self.alternative_team,
            "alternative_delta": self.alternative_delta,
            "alternative_breaches": list(self.alternative_breaches),
            "alternative_rules": list(self.alternative_rules),
            "text": self.text,
        }


def explanations_frame(explanations: Sequence[Explanation]) -> pd.DataFrame:
    """One row per establishment: team, focus, binding rules, best alternative, text."""
    import pandas as pd

    rows = [
        {
            "establishment_id": e.establishment_id,
            "establishment_name": e.establishment_name,
            "team": e.team,
            "focus": e.focus or "",
            "focus_rating": " ".join(str(r) for r in e.focus_rating),
            "shared_themes": "; ".join(e.shared_themes),
            "binding_rules": "; ".join(e.binding_rules),
            "alternative_team": e.alternative_team,
            "alternative_delta": e.alternative_delta,
            "alternative_breaches": "; ".join(e.alternative_breaches),
            "explanation": e.text,
        }
        for e in explanations
    ]
    columns = [
        "establishment_id", "establishment_name", "team", "focus", "focus_rating",
        "shared_themes", "binding_rules", "alternative_team", "alternative_delta",
        "alternative_breaches", "explanation",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- explain
def _weights(result: Result, objective: str | ObjectiveWeights | None) -> str | ObjectiveWeights:
    if objective is not None:
        return objective
    if result.objective_weights is not None:
        return result.objective_weights
    if result.objective_name in ("focus", "cohesion", "blend"):
        return result.objective_name
    raise InvalidParameterError.for_value(
        "objective",
        "explain",
        "given when the result's objective is not 'focus', 'cohesion' or 'blend'",
        result.objective_name,
    )


class ExplainTimeout(ClnmatchError):
    """``explain`` passed its ``deadline`` before every establishment was explained."""


def explain(
    result: Result,
    *,
    objective: str | ObjectiveWeights | None = None,
    deadline: float | None = None,
) -> list[Explanation]:
    """One explanation per establishment of ``result``, in survey order.

    ``objective`` defaults to the result's own (pass the ``ObjectiveWeights`` used when
    the result was solved with custom weights). ``deadline`` (a ``time.perf_counter()``
    value) raises ``ExplainTimeout`` once passed, so that a caller with a time limit can
    leave the explanations out instead of overrunning.
    """
    if not isinstance(result, Result):
        raise InvalidParameterError.for_value("result", "explain", "a Result", result)
    cohort = result.cohort
    est_team = result.establishment_team()
    missing = [e.id for e in cohort.establishments if e.id not in est_team]
    if missing:
        raise InvalidParameterError.for_value(
            "result",
            "explain",
            "a result that places every establishment",
            f"{missing[:5]} unplaced",
        )
    problem = Problem.from_cohort(cohort, result.rules, _weights(result, objective))
    unit_team = np.array([est_team[uid] - 1 for uid in problem.unit_ids], dtype=np.int64)
    focus = _focus(problem, result, unit_team)
    base = evaluate(problem, unit_team, focus)
    known = {breach_key(b) for b in base.breaches}
    moves = MoveBreaches(problem, unit_team, known)
    limit = result.rules.schools_per_facilitator
    loads = FacilitatorLoads(result.facilitator_links, unit_team, problem.n_teams, limit)
    high = _high_interest(cohort, problem)
    delta = MoveDeltas(problem, unit_team)
    new = moves.counts_all() + loads.counts_all()
    out = []
    for u in range(problem.n_units):
        if deadline is not None and time.perf_counter() > deadline:
            raise ExplainTimeout(
                f"explaining {problem.n_units} establishments passed its deadline after {u}"
            )
        out.append(
            _explain_unit(problem, cohort, unit_team, focus, (moves, loads), high, delta, new, u)
        )
    return out


def _focus(problem: Problem, result: Result, unit_team: IntArray) -> IntArray:
    """The result's focus theme per team (0-based), the best one where it names none."""
    best = problem.best_focus(unit_team)
    index = {name: k for k, name in enumerate(problem.theme_names)}
    return np.array(
        [index.get(result.team_focus.get(t + 1, ""), int(best[t])) for t in range(problem.n_teams)],
        dtype=np.int64,
    )


def _high_interest(cohort: Cohort, problem: Problem) -> NDArray[np.bool_]:
    """(U, K): some nominee of the unit rates the theme at least SHARED_RATING."""
    index = {uid: i for i, uid in enumerate(problem.unit_ids)}
    high = np.zeros((problem.n_units, len(cohort.themes)), dtype=bool)
    for p in cohort.practitioners:
        high[index[p.establishment_id]] |= np.asarray(p.interests) >= SHARED_RATING
    return high


def _explain_unit(
    problem: Problem,
    cohort: Cohort,
    unit_team: IntArray,
    focus: IntArray,
    breaches: tuple[MoveBreaches, FacilitatorLoads],
    high: NDArray[np.bool_],
    delta: MoveDeltas,
    new: IntArray,
    u: int,
) -> Explanation:
    uid = problem.unit_ids[u]
    moves, loads = breaches
    est = cohort.establishment_by_id[uid]
    home = int(unit_team[u])
    label = home + 1
    k = int(focus[home])
    theme = problem.theme_names[k] if k >= 0 and problem.theme_names else None
    ratings = [int(p.interests[k]) for p in cohort.nominees[uid]] if theme else []

    mates = [v for v in moves.members[home] if v != u]
    shared: dict[str, list[str]] = {}
    for j in np.flatnonzero(high[u]):
        with_ = [problem.unit_ids[v] for v in mates if high[v, j]]
        if with_:
            shared[cohort.themes[j]] = with_

    others = np.array([t for t in range(problem.n_teams) if t != home], dtype=np.int64)
    binding: list[Breach] = []
    alt_team = alt_delta = None
    alt_breaches: list[Breach] = []
    if others.size:
        # leaving the home team breaks the same home-team rules (and the unit's own locks)
        # whatever the destination, so the most promising move shows what ties it there
        first = delta.best(u, others)
        seen: set[tuple[object, ...]] = set()
        for b in moves.breaches(u, first):
            key = _leave_key(b, uid, label)
            if key is not None and key not in seen:
                seen.add(key)
                binding.append(b)
        # the best alternative: fewest new breaches, then the best objective, then team
        best = delta.best(u, others, new[u])
        alt_team, alt_delta = best + 1, delta.refine(u, best) / SCALE
        alt_breaches = moves.breaches(u, best) + loads.breaches(u, best)
    reasons = [_binding_reason(b, problem, cohort, est.sector, uid) for b in binding]
    text = _text(
        cohort, uid, label, theme, ratings, shared, reasons, alt_team, alt_delta, alt_breaches
    )
    return Explanation(
        establishment_id=uid,
        establishment_name=est.name,
        team=label,
        focus=theme,
        focus_rating=ratings,
        shared_themes=shared,
        binding_rules=list(dict.fromkeys(b.rule for b in binding)),
        binding_reasons=reasons,
        alternative_team=alt_team,
        alternative_delta=alt_delta,
        alternative_breaches=[b.message for b in alt_breaches],
        alternative_rules=[b.rule for b in alt_breaches],
        text=text,
    )


def _leave_key(b: Breach, uid: str, home: int) -> tuple[object, ...] | None:
    """A key for a breach caused by leaving the home team (None for destination breaches)."""
    if b.team == home and b.rule not in ("pin", "forbidden", "apart"):
        return (b.rule, b.team, b.subject, b.message)
    if b.rule in _OWN_RULES and b.subject and uid in b.subject.split("+"):
        return (b.rule, b.subject)
    return None


# --------------------------------------------------------------------------- words
def _word(n: float | None) -> str:
    if n is None:
        return "?"
    n = int(n)
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _plural(n: float | None, one: str, many: str) -> str:
    return f"{_word(n)} {one if n == 1 else many}"


def _other(subject: str | None, uid: str, cohort: Cohort) -> str:
    ids = [s for s in (subject or "").split("+") if s and s != uid]
    if not ids:
        return "its partner establishment"
    est = cohort.establishment_by_id.get(ids[0])
    return est.name if est is not None and est.name else ids[0]


def _share_text(problem: Problem) -> str:
    share = problem.authority_share
    if share is None:
        return "its share"
    return {(1, 2): "half", (1, 3): "a third", (1, 4): "a quarter"}.get(
        (share.numerator, share.denominator), f"{float(share):g}"
    )


def _binding_reason(b: Breach, problem: Problem, cohort: Cohort, sector: Sector, uid: str) -> str:
    """A clause for 'Team 3 needs it: ...'."""
    if b.rule == "min_sectors":
        return (
            f"it is the only {_SECTOR_NOUN.get(sector, str(sector))} there "
            f"(the team needs {_word(b.limit)} sectors)"
        )
    if b.rule == "min_authorities":
        authority = cohort.establishment_by_id[uid].authority
        return (
            f"it is the only {authority} establishment there "
            f"(the team needs {_word(b.limit)} authorities)"
        )
    if b.rule == "max_authority_share":
        return f"it keeps {b.subject} to no more than {_share_text(problem)} of the team"
    if b.rule == "team_size":
        return (
            f"without it the team would have {b.actual:g} participants (at least {b.limit:g})"
            if b.actual is not None and b.limit is not None
            else b.message
        )
    if b.rule == "teams":
        return "it is the team's only establishment"
    if b.rule == "pin":
        return "it is pinned there"
    if b.rule == "forbidden":
        return "every other team is closed to it"
    if b.rule == "together":
        return f"it must stay with {_other(b.subject, uid, cohort)}"
    return b.message


def _breach_phrase(b: Breach, uid: str, cohort: Cohort) -> str:
    """A clause for 'Moving to team 5 would ...'."""
    if b.rule == "min_sectors":
        return f"leave team {b.team} with {_plural(b.actual, 'sector', 'sectors')}"
    if b.rule == "min_authorities":
        return f"leave team {b.team} with {_plural(b.actual, 'authority', 'authorities')}"
    if b.rule == "max_authority_share":
        return (
            f"give {b.subject} {_word(b.actual)} of team {b.team}'s establishments "
            f"(at most {_word(b.limit)})"
        )
    if b.rule == "team_size" and b.actual is not None and b.limit is not None:
        return f"put team {b.team} at {b.actual:g} participants (limit {b.limit:g})"
    if b.rule == "teams" and b.team is not None:
        return f"leave team {b.team} empty"
    if b.rule == "pin":
        return "break its pin" if b.limit is None else f"break its pin to team {int(b.limit)}"
    if b.rule == "forbidden":
        return f"put it in team {b.team}, which it may not join"
    if b.rule == "together":
        return f"split it from {_other(b.subject, uid, cohort)}"
    if b.rule == "apart":
        return f"put it with {_other(b.subject, uid, cohort)}, which must stay apart"
    return b.message


def _points(delta: float) -> str:
    size = abs(delta)
    text = f"{size:.1f}" if round(size, 1) or not size else f"{size:.3f}"
    return f"{text} point" + ("" if text == "1.0" else "s")


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _text(
    cohort: Cohort,
    uid: str,
    team: int,
    theme: str | None,
    ratings: list[int],
    shared: dict[str, list[str]],
    reasons: list[str],
    alt_team: int | None,
    alt_delta: float | None,
    alt_breaches: list[Breach],
) -> str:
    parts: list[str] = []
    placed = f"Placed in team {team}"
    if theme is None:
        parts.append(f"Placed in team {team}.")
    elif len(ratings) == 1:
        parts.append(
            f"Placed in team {team} (focus: {theme}), which its nominee rates {ratings[0]}/5."
        )
    elif len(set(ratings)) == 1:
        everyone = "both" if len(ratings) == 2 else "all"
        parts.append(f"{placed} (focus: {theme}), which {everyone} nominees rate {ratings[0]}/5.")
    else:
        parts.append(
            f"Placed in team {team} (focus: {theme}), which its nominees rate "
            f"{_and([f'{r}/5' for r in ratings])}."
        )
    if shared:
        themes = sorted(shared, key=lambda k: -len(shared[k]))[:3]
        mates = list(dict.fromkeys(m for k in themes for m in shared[k]))
        names = [cohort.establishment_by_id[m].name or m for m in mates[:2]]
        if len(mates) > 2:
            names.append(f"{len(mates) - 2} other team mate{'s' if len(mates) > 3 else ''}")
        subject = "Its nominee shares" if len(ratings) == 1 else "They share"
        parts.append(f"{subject} {_and(themes)} with {_and(names)}.")
    if reasons:
        parts.append(f"Team {team} needs it: {'; '.join(reasons)}.")
    else:
        parts.append(f"No rule ties it to team {team}.")
    if alt_team is not None and alt_delta is not None:
        if alt_delta < 0:
            change = f"lose {_points(alt_delta)}"
        elif alt_delta > 0:
            change = f"gain {_points(alt_delta)}"
        else:
            change = "change no points"
        phrases = [_breach_phrase(b, uid, cohort) for b in alt_breaches[:3]]
        if len(alt_breaches) > 3:
            phrases.append(f"break {len(alt_breaches) - 3} more rule(s)")
        if phrases:
            joiner = " but " if alt_delta > 0 else " and "
            parts.append(f"Moving to team {alt_team} would {change}{joiner}{_and(phrases)}.")
        else:
            parts.append(f"Moving to team {alt_team} would break no rule and {change}.")
    return " ".join(parts)
