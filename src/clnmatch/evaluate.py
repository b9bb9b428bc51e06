"""THE rule checker and scorer.

Every strategy, ``solve``, the CLI's ``check``, the tests and the benchmarks score and
check assignments here and nowhere else. Two levels:

* ``evaluate(problem, unit_team, team_focus)``: an assignment of units (0-based teams)
  against the numeric rules of a ``Problem``, with the objective in exact milli-points.
* ``check(cohort, rules, assignment, facilitator_links)``: an assignment of
  practitioners (teams 1..T, as users write them) against every hard rule of the
  cohort, including those a unit-level view cannot see (nominees split, practitioners
  missing, the participants cap, facilitators).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError
from clnmatch.models import Cohort, Rules
from clnmatch.objective import terms
from clnmatch.objective.terms import objective_milli
from clnmatch.parameters import check_cohort_and_rules
from clnmatch.problem import SCALE, ObjectiveWeights, Problem
from clnmatch.rules.breach import Breach
from clnmatch.rules.check import rule_breaches, sum_breaches
from clnmatch.rules.spec import compile_rules, rule_meanings

__all__ = [
    "Breach",
    "TeamStats",
    "Evaluation",
    "RULES",
    "evaluate",
    "check",
    "check_built",
    "load_breach",
    "unit_teams_from_assignment",
]

# rule name -> what it means, for reports and docs: the rule table's rules (per team,
# locks, theme cap) and the rules only a practitioner-level assignment can break
RULES: dict[str, str] = {
    "unassigned": "every practitioner of the survey is in a team",
    "unknown_practitioner": "the assignment names only practitioners of the survey",
    "max_participants": "the cohort has at most max_participants participants",
    "nominees_together": "an establishment's nominees are all in one team",
    **rule_meanings(),
    "facilitator_supply": "each authority supplies ceil(establishments / schools_per_facilitator) facilitators",
    "facilitator_per_team": "every team has at least one facilitator",
    "facilitator_load": "no facilitator supports more than schools_per_facilitator establishments",
    "unknown_facilitator": "facilitator links name only facilitators of the facilitators table",
}


@dataclass(frozen=True)
class TeamStats:
    """What a person wants to know about one team."""

    team: int  # 1-based
    participants: int
    establishments: tuple[str, ...]
    sectors: tuple[str, ...]
    authorities: dict[str, int]
    focus: str | None
    focus_points: int | None = None
    cohesion: float | None = None  # between its establishments (pairs inside one: the total only)
    facilitators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """Breaches and objective terms of one assignment."""

    breaches: tuple[Breach, ...]
    objective_milli: int
    team_focus: tuple[int, ...]  # 0-based theme index per team; -1 where none
    teams: tuple[TeamStats, ...] = ()
    focus_points: int | None = None
    cohesion: float | None = None
    simd_mixed_teams: int | None = None
    travel_km: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return not self.breaches

    @property
    def objective(self) -> float:
        return self.objective_milli / SCALE

    def breaches_of(self, rule: str) -> list[Breach]:
        return [b for b in self.breaches if b.rule == rule]

    def summary_line(self) -> str:
        if self.feasible:
            return f"no breach; objective {self.objective:,.3f}"
        counts = Counter(b.rule for b in self.breaches)
        parts = ", ".join(f"{rule} x{n}" for rule, n in counts.items())
        return f"{len(self.breaches)} breach(es): {parts}"


# --------------------------------------------------------------------------- units
def evaluate(
    problem: Problem,
    unit_team: Iterable[int] | NDArray[np.int64],
    team_focus: Iterable[int] | NDArray[np.int64] | None = None,
) -> Evaluation:
    """Check a unit assignment (0-based teams) against the problem's rules and score it.

    ``team_focus`` (0-based theme per team) defaults to the best focus for the teams. A
    unit outside 0..T-1 is a breach of ``teams`` and is scored and checked in no team.
    """
    unit_team = np.asarray(list(unit_team) if not isinstance(unit_team, np.ndarray) else unit_team)
    unit_team = unit_team.astype(np.int64)
    if unit_team.shape != (problem.n_units,):
        raise ValueError(f"expected {problem.n_units} unit teams, got shape {unit_team.shape}")
    breaches: list[Breach] = []
    n_teams = problem.n_teams
    out_of_range = (unit_team < 0) | (unit_team >= n_teams)
    for u in np.flatnonzero(out_of_range):
        breaches.append(
            Breach(
                "teams",
                f"{problem.unit_ids[u]} is in team {unit_team[u] + 1}, but teams run 1..{n_teams}",
                subject=problem.unit_ids[u],
            )
        )
    safe_team = np.where(out_of_range, -1, unit_team)  # scored in no team
    if team_focus is None:
        focus = problem.best_focus(safe_team)
    else:
        focus = np.asarray(list(team_focus), dtype=np.int64)
    breaches.extend(rule_breaches(compile_rules(problem), unit_team, focus))
    return Evaluation(
        breaches=tuple(breaches),
        objective_milli=objective_milli(problem, safe_team, focus),
        team_focus=tuple(int(k) for k in focus),
        teams=_team_stats(problem, safe_team, focus),
        focus_points=terms.focus_points(problem, safe_team, focus),
        cohesion=terms.cohesion(problem, safe_team),
        simd_mixed_teams=terms.simd_mixed_teams(problem, safe_team),
        travel_km=terms.travel_km(problem, safe_team),
    )


def _team_stats(
    problem: Problem, unit_team: NDArray[np.int64], focus: NDArray[np.int64]
) -> tuple[TeamStats, ...]:
    out = []
    for team in range(problem.n_teams):
        members = np.flatnonzero(unit_team == team)
        sectors = (
            tuple(
                problem.sector_names[s] for s in sorted(set(problem.unit_sector[members].tolist()))
            )
            if problem.unit_sector.size
            else ()
        )
        authorities: dict[str, int] = {}
        if problem.unit_authority.size:
            for a, n in sorted(Counter(problem.unit_authority[members].tolist()).items()):
                authorities[problem.authority_names[a]] = n
        k = int(focus[team]) if len(focus) > team else -1
        points = None
        if problem.theme_points is not None and k >= 0:
            points = int(problem.theme_points[members, k].sum())
        cohesion = None
        if problem.cohesion_milli is not None:
            cohesion = int(problem.cohesion_milli[np.ix_(members, members)].sum()) / 2 / SCALE
        out.append(
            TeamStats(
                team=team + 1,
                participants=int(problem.unit_weight[members].sum()),
                establishments=tuple(problem.unit_ids[u] for u in members),
                sectors=sectors,
                authorities=authorities,
                focus=problem.theme_names[k] if k >= 0 and problem.theme_names else None,
                focus_points=points,
                cohesion=cohesion,
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- cohort
def unit_teams_from_assignment(cohort: Cohort, assignment: Mapping[str, int]) -> NDArray[np.int64]:
    """Each establishment's team (0-based): the team most of its nominees are in.

    Establishments with no assigned nominee get -1.
    """
    out = np.full(len(cohort.establishments), -1, dtype=np.int64)
    for i, est in enumerate(cohort.establishments):
        teams = [assignment[p.id] for p in cohort.nominees[est.id] if p.id in assignment]
        if teams:
            out[i] = Counter(teams).most_common(1)[0][0] - 1
    return out


def _check_inputs(
    cohort: object,
    rules: object,
    assignment: object,
    facilitator_links: object,
    team_focus: object,
) -> None:
    """Wrong types and names fail here, saying what was expected, not deep inside."""

    def wrong(name: str, expected: str, got: object) -> InvalidParameterError:
        return InvalidParameterError.for_value(name, "check", expected, got)

    check_cohort_and_rules(cohort, rules, "check")
    assert isinstance(cohort, Cohort)
    if not isinstance(assignment, Mapping):
        raise wrong("assignment", "a dict of practitioner id -> team", assignment)
    # a team out of range is a breach (the evaluator's to report); text is a caller's slip
    typed = [
        t for t in assignment.values() if isinstance(t, bool) or not isinstance(t, int | np.integer)
    ]
    if typed:
        raise wrong(
            "assignment", "team numbers as ints (1, 2, ...), e.g. int(row['team'])", typed[0]
        )
    if facilitator_links is not None and (
        isinstance(facilitator_links, str | Mapping)
        or not isinstance(facilitator_links, list | tuple)
        or not all(isinstance(x, tuple | list) and len(x) == 2 for x in facilitator_links)
    ):
        raise wrong("facilitator_links", "(facilitator id, team) pairs or None", facilitator_links)
    if team_focus is None:
        return
    if not isinstance(team_focus, Mapping):
        raise wrong("team_focus", "a dict of team -> theme name", team_focus)
    # a team past T is the evaluator's to report (a breach), a theme nobody rated is not
    bad = {t: k for t, k in team_focus.items() if k and k not in cohort.themes}
    if bad:
        raise wrong(
            "team_focus",
            f"a dict of team -> one of the cohort's themes ({', '.join(cohort.themes)})",
            bad,
        )


def check(
    cohort: Cohort,
    rules: Rules | None,
    assignment: Mapping[str, int],
    facilitator_links: Iterable[tuple[str, int]] | None = None,
    *,
    team_focus: Mapping[int, str] | None = None,
    objective: str | ObjectiveWeights = "blend",
) -> Evaluation:
    """Check a practitioner -> team (1..T) assignment against every hard rule and score it.

    ``facilitator_links`` are (facilitator id, team) pairs; ``team_focus`` maps a team to
    its focus theme (by default the best theme for the team).
    Returns an ``Evaluation`` listing every breach with rule, team and numbers.
    """
    if facilitator_links is not None and not isinstance(facilitator_links, str | Mapping):
        facilitator_links = list(facilitator_links)  # a generator is read once
    _check_inputs(cohort, rules, assignment, facilitator_links, team_focus)
    rules = rules or Rules()
    problem = Problem.from_cohort(cohort, rules, objective)
    return check_built(problem, cohort, rules, assignment, facilitator_links, team_focus)


def check_built(
    problem: Problem,
    cohort: Cohort,
    rules: Rules,
    assignment: Mapping[str, int],
    facilitator_links: Iterable[tuple[str, int]] | None = None,
    team_focus: Mapping[int, str] | None = None,
) -> Evaluation:
    """``check`` with its problem built already: ``problem`` must be
    ``Problem.from_cohort(cohort, rules, objective)`` (solve's own, whose second building
    took 3.9 s of a 5 s solve at 5,000 establishments), and the inputs checked."""
    breaches: list[Breach] = []

    if cohort.n_participants > rules.max_participants:
        breaches.append(
            Breach(
                "max_participants",
                f"the cohort has {cohort.n_participants} participants; at most {rules.max_participants}",
                actual=cohort.n_participants,
                limit=rules.max_participants,
            )
        )
    known = cohort.practitioner_by_id
    for pid in assignment:
        if pid not in known:
            breaches.append(
                Breach(
                    "unknown_practitioner",
                    f"{pid!r} is not a practitioner of the cohort checked (not in the survey, "
                    "or withdrawn)",
                    subject=str(pid),
                )
            )
    clean: dict[str, int] = {}
    for pid, team in assignment.items():
        if pid not in known:
            continue
        if not 1 <= int(team) <= rules.teams:
            breaches.append(
                Breach(
                    "teams",
                    f"practitioner {pid!r} is in team {team!r}; teams run 1..{rules.teams}",
                    subject=str(pid),
                    actual=None,
                    limit=rules.teams,
                )
            )
            continue
        clean[pid] = int(team)
    for p in cohort.practitioners:
        if p.id not in assignment:
            breaches.append(
                Breach(
                    "unassigned",
                    f"practitioner {p.id!r} ({p.establishment_id}) is in no team",
                    subject=p.id,
                )
            )
    for est in cohort.establishments:
        split = sorted({clean[p.id] for p in cohort.nominees[est.id] if p.id in clean})
        if len(split) > 1:
            breaches.append(
                Breach(
                    "nominees_together",
                    f"the nominees of {est.id} ({est.name}) are split over teams {split}",
                    subject=est.id,
                    actual=len(split),
                    limit=1,
                )
            )

    unit_team = unit_teams_from_assignment(cohort, clean)
    focus = None
    if team_focus is not None:
        theme_index = {t: k for k, t in enumerate(cohort.themes)}
        focus = [theme_index.get(team_focus.get(t + 1, ""), -1) for t in range(rules.teams)]
        default = problem.best_focus(unit_team)
        focus = [f if f >= 0 else int(default[t]) for t, f in enumerate(focus)]
    # a unit with no nominee assigned is in no team, scored nowhere, and already reported
    # per practitioner ("unassigned"), so the evaluator's own breach for it is left out
    unplaced = {problem.unit_ids[u] for u in np.flatnonzero(unit_team < 0)}
    unit_eval = evaluate(problem, unit_team, focus)
    # sizes count the practitioners themselves: a hand-edited split moves people, not units
    breaches.extend(
        b
        for b in unit_eval.breaches
        if b.rule != "team_size" and not (b.rule == "teams" and b.subject in unplaced)
    )
    people = Counter(clean.values())
    size = compile_rules(problem).size
    teams_used = np.array(
        [t - 1 for t in range(1, rules.teams + 1) if people.get(t)], dtype=np.int64
    )
    totals = np.array([people.get(t + 1, 0) for t in range(rules.teams)], dtype=np.int64)
    breaches.extend(sum_breaches(size.spec, totals, size.low, size.high, teams_used))

    links = list(facilitator_links) if facilitator_links is not None else None
    breaches.extend(_facilitator_breaches(cohort, rules, unit_team, links))
    teams = _people_counted(problem, cohort, clean, unit_eval.teams)
    if links is not None:
        per_team: dict[int, list[str]] = {}
        for fid, team in links:
            per_team.setdefault(int(team), []).append(fid)
        teams = tuple(
            TeamStats(**{**ts.__dict__, "facilitators": tuple(per_team.get(ts.team, []))})
            for ts in teams
        )
    return Evaluation(
        breaches=tuple(breaches),
        objective_milli=unit_eval.objective_milli,
        team_focus=unit_eval.team_focus,
        teams=teams,
        focus_points=unit_eval.focus_points,
        cohesion=unit_eval.cohesion,
        simd_mixed_teams=unit_eval.simd_mixed_teams,
        travel_km=unit_eval.travel_km,
    )


def _people_counted(
    problem: Problem, cohort: Cohort, teams: Mapping[str, int], stats: tuple[TeamStats, ...]
) -> tuple[TeamStats, ...]:
    """``stats`` with each team's participants, establishments, sectors and authorities
    counted from the people in it: a hand edit splitting a school put all of it in one
    team's figures (summary.json's sizes 15 and 7 beside breaches saying 14 and 8)."""
    index = {uid: u for u, uid in enumerate(problem.unit_ids)}
    members: dict[int, set[int]] = {}
    for p in cohort.practitioners:
        if p.id in teams and p.establishment_id in index:
            members.setdefault(teams[p.id], set()).add(index[p.establishment_id])
    people = Counter(teams.values())
    out = []
    for ts in stats:
        units = np.array(sorted(members.get(ts.team, ())), dtype=np.int64)
        ids = tuple(problem.unit_ids[u] for u in units)
        if ids == ts.establishments and people.get(ts.team, 0) == ts.participants:
            out.append(ts)  # no school split into or out of it
            continue
        authorities = {
            problem.authority_names[a]: n
            for a, n in sorted(Counter(problem.unit_authority[units].tolist()).items())
        }
        sectors = sorted(set(problem.unit_sector[units].tolist()))
        out.append(
            replace(
                ts,
                participants=people.get(ts.team, 0),
                establishments=ids,
                sectors=tuple(problem.sector_names[k] for k in sectors),
                authorities=authorities,
            )
        )
    return tuple(out)


def _facilitator_breaches(
    cohort: Cohort,
    rules: Rules,
    unit_team: NDArray[np.int64],
    links: list[tuple[str, int]] | None,
) -> list[Breach]:
    out: list[Breach] = []
    if cohort.facilitators:
        supplied = Counter(f.authority_key for f in cohort.facilitators)
        for key, name in cohort.authorities.items():
            n_est = sum(1 for e in cohort.establishments if e.authority_key == key)
            need = rules.facilitators_needed(n_est)
            if supplied[key] < need:
                out.append(
                    Breach(
                        "facilitator_supply",
                        f"{name} has {n_est} establishment{'s' * (n_est != 1)} and must supply {need} "
                        f"facilitator{'s' * (need != 1)}; it supplies {supplied[key]}",
                        subject=name,
                        actual=supplied[key],
                        limit=need,
                    )
                )
    if links is None:
        return out
    known = {f.id for f in cohort.facilitators}
    units_in_team = Counter(int(t) + 1 for t in unit_team if t >= 0)
    load: Counter[str] = Counter()
    covered = set()
    for fid, team in links:
        if cohort.facilitators and fid not in known:
            out.append(
                Breach(
                    "unknown_facilitator", f"{fid!r} is not in the facilitators table", subject=fid
                )
            )
        if not 1 <= int(team) <= rules.teams:  # a mistyped team in a hand-edited file
            out.append(
                Breach(
                    "teams",
                    f"facilitator {fid} is linked to team {int(team)}; teams are 1..{rules.teams}",
                    subject=fid,
                    actual=int(team),
                    limit=rules.teams,
                )
            )
        load[fid] += units_in_team.get(int(team), 0)
        covered.add(int(team))
    # with no facilitators table and no link, no team can be nurtured by one and none need
    # be (as solve judges such a cohort): its result's links, (), are not every team breaching
    for team in range(1, rules.teams + 1) if cohort.facilitators or links else ():
        if team not in covered:
            out.append(
                Breach(
                    "facilitator_per_team",
                    f"team {team} has no facilitator",
                    team=team,
                    actual=0,
                    limit=1,
                )
            )
    for fid, n in load.items():
        if n > rules.schools_per_facilitator:
            out.append(load_breach(fid, n, rules.schools_per_facilitator))
    return out


def load_breach(fid: str, n: int, limit: int) -> Breach:
    """Facilitator ``fid`` supports ``n`` establishments, over ``limit``."""
    return Breach(
        "facilitator_load",
        f"facilitator {fid} supports {n} establishments; at most {limit}",
        subject=fid,
        actual=n,
        limit=limit,
    )
