"""Facilitators: how many each authority must supply, and who nurtures which team.

Hard rules (domain.md): every team gets at least one facilitator, and no facilitator
supports more than ``rules.schools_per_facilitator`` establishments in total (the sum of
the establishments of the teams it is linked to). A facilitator may nurture several
teams when its load allows.

How the allocation is chosen, in order of priority:

1. **Everyone is used, nobody twice without need.** The links form a *minimum edge
   cover* of facilitators and teams: ``max(F, T)`` links, every facilitator and every
   team in at least one. With at least as many facilitators as teams (the usual case:
   9-10 facilitators for 8 teams) each facilitator takes exactly one team and the extra
   ones join teams as second facilitators; with fewer facilitators than teams each team
   has exactly one and some facilitators take several. This costs nothing in
   feasibility: any valid allocation can be turned into one of this shape without
   raising any load (drop a team's surplus link; hand a second team of a busy
   facilitator to an idle one).
2. **Spread.** No team gets a third facilitator while another has only one, and no
   facilitator gets a third team while another has one (a convex penalty on the number
   of links per team and per facilitator, weighted to dominate every preference).
3. **Links kept** (``keep``: a re-match's previous links): each outweighs every
   preference together, so a re-match moves a facilitator only where a rule or the
   spread asks it to. Links ``fixed`` (placed by hand at the event) are made whatever
   the spread; the edge cover then gives way to them.
4. **Preferences** (integer points per link, see the ``W_*`` constants): a tie to the
   team (the facilitator's authority has establishments in it: ``W_TIE`` plus
   ``W_TIE_PER_ESTABLISHMENT`` each), expertise in the team's focus theme
   (``W_EXPERTISE`` per point 0-5), and a point per establishment of the team, so
   that extra facilitators join the biggest teams when nothing else decides.

Why CP-SAT and not a min-cost flow: loads are counted in establishments and teams differ
in size, so a facilitator taking several teams is a generalised assignment problem,
which a flow solves exactly only when every facilitator takes one team. The model has
F x T Booleans (about 80), so CP-SAT proves the optimum in milliseconds; it runs with
one worker and a fixed seed, so the same input gives the same allocation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.diagnosis import Conflict, Diagnosis
from clnmatch.errors import ClnmatchError, InfeasibleError, InvalidParameterError
from clnmatch.models import Cohort, Facilitator, Rules, authority_key
from clnmatch.wording import plural

__all__ = [
    "AllocationNotFound",
    "SupplyLine",
    "FacilitatorLink",
    "Allocation",
    "facilitator_supply",
    "allocate_facilitators",
    "W_TIE",
    "W_TIE_PER_ESTABLISHMENT",
    "W_EXPERTISE",
    "W_TEAM_SIZE",
    "FACILITATOR_RULES",
]

# the evaluator's rules about facilitators: links are allocated afresh when one breaks
FACILITATOR_RULES = ("facilitator_per_team", "facilitator_load", "unknown_facilitator")

W_TIE = 30  # the facilitator's authority has at least one establishment in the team
W_TIE_PER_ESTABLISHMENT = 5  # ... and this much more per such establishment
W_EXPERTISE = 8  # per point (0-5) of expertise in the team's focus theme
W_TEAM_SIZE = 1  # per establishment of the team: extra facilitators go to big teams


@dataclass(frozen=True)
class SupplyLine:
    """One authority's facilitator supply. ``supplied`` is None without a facilitators table."""

    authority: str  # display name
    establishments: int
    needed: int
    supplied: int | None
    schools_per_facilitator: int = 10

    @property
    def shortfall(self) -> int:
        """Facilitators still missing (0 without a table: nothing was listed to fall short)."""
        return 0 if self.supplied is None else max(0, self.needed - self.supplied)

    def message(self) -> str:
        """One plain sentence, e.g. "Glasgow City must supply 2 facilitators"."""
        must = f"must supply {plural(self.needed, 'facilitator')}"
        if self.supplied is None:
            return (
                f"{self.authority} {must} ({plural(self.establishments, 'establishment')}, "
                f"at most {self.schools_per_facilitator} per facilitator)"
            )
        return (
            f"{self.authority} has {plural(self.establishments, 'establishment')} and {must}; "
            f"it supplies {self.supplied}"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "authority": self.authority,
            "establishments": self.establishments,
            "needed": self.needed,
            "supplied": self.supplied,
            "shortfall": self.shortfall,
            "message": self.message(),
        }


@dataclass(frozen=True)
class FacilitatorLink:
    """One facilitator-team link and why it was chosen."""

    facilitator_id: str
    team: int  # 1-based
    reason: str
    expertise: int | None  # rating of the team's focus theme; None when unrated or no focus
    shared_establishments: int  # establishments of the facilitator's authority in the team


@dataclass(frozen=True)
class Allocation:
    """Facilitator-team links (teams 1..T) with loads, reasons and the supply lines.

    Without a facilitators table ``links`` is empty and ``supply`` says how many
    facilitators each authority must supply.
    """

    links: tuple[tuple[str, int], ...]
    details: tuple[FacilitatorLink, ...]
    team_facilitators: dict[int, tuple[str, ...]]
    load: dict[str, int]  # facilitator id -> establishments supported
    supply: tuple[SupplyLine, ...]
    optimal: bool = True  # the solver proved no allocation scores higher
    score: int = 0  # preference points of the links

    @property
    def has_table(self) -> bool:
        return bool(self.links)

    @property
    def reasons(self) -> dict[tuple[str, int], str]:
        """(facilitator id, team) -> why."""
        return {(d.facilitator_id, d.team): d.reason for d in self.details}

    @property
    def shortfalls(self) -> tuple[SupplyLine, ...]:
        return tuple(line for line in self.supply if line.shortfall)

    def to_rows(self) -> list[dict[str, object]]:
        """Rows of facilitators.csv: facilitator_id, team, load, reason."""
        return [
            {
                "facilitator_id": d.facilitator_id,
                "team": d.team,
                "load": self.load.get(d.facilitator_id, 0),
                "reason": d.reason,
            }
            for d in self.details
        ]

    def lines(self) -> list[str]:
        """Plain-English lines for a terminal or a report (ids only, no names)."""
        if not self.links:
            return [line.message() for line in self.supply]
        return [f"team {d.team}: {d.facilitator_id} ({d.reason})" for d in self.details]


# --------------------------------------------------------------------------- supply
def facilitator_supply(cohort: Cohort, rules: Rules | None = None) -> list[SupplyLine]:
    """Per authority of the survey: establishments, facilitators needed and supplied."""
    rules = rules or Rules()
    counts: dict[str, int] = {key: 0 for key in cohort.authorities}
    for e in cohort.establishments:
        counts[e.authority_key] += 1
    supplied: dict[str, int] = {}
    for f in cohort.facilitators:
        supplied[f.authority_key] = supplied.get(f.authority_key, 0) + 1
    has_table = bool(cohort.facilitators)
    return [
        SupplyLine(
            authority=name,
            establishments=counts[key],
            needed=rules.facilitators_needed(counts[key]),
            supplied=supplied.get(key, 0) if has_table else None,
            schools_per_facilitator=rules.schools_per_facilitator,
        )
        for key, name in cohort.authorities.items()
    ]


# --------------------------------------------------------------------------- allocation
def _expertise(facilitator: Facilitator, theme: str | None) -> int | None:
    """The facilitator's rating of ``theme``; theme names compared like authorities."""
    if not theme:
        return None
    wanted = authority_key(theme)
    for name, rating in facilitator.expertise.items():
        if authority_key(name) == wanted:
            return int(rating)
    return None


def _infeasible(conflicts: list[Conflict]) -> InfeasibleError:
    diagnosis = Diagnosis(conflicts=conflicts, feasible_by_arithmetic=False)
    return InfeasibleError(diagnosis, "; ".join(c.message for c in conflicts))


def _check_capacity(sizes: list[int], n_facilitators: int, cap: int) -> None:
    """Raise with plain numbers when loads cannot fit, before asking the solver."""
    n_teams = len(sizes)
    conflicts = [
        Conflict(
            rules=("facilitator_load",),
            message=(
                f"team {t + 1} has {size} establishments but no facilitator may support "
                f"more than {cap}"
            ),
            suggestion=f"raise schools_per_facilitator to {size}",
            subject=f"team {t + 1}",
            actual=size,
            limit=cap,
        )
        for t, size in enumerate(sizes)
        if size > cap
    ]
    if conflicts:
        raise _infeasible(conflicts)
    if n_facilitators >= n_teams:
        return
    head = f"{n_teams} teams need a facilitator each but the table lists {n_facilitators}"
    need = n_teams - n_facilitators
    add = f"add {plural(need, 'facilitator')}"
    total = sum(sizes)
    if total > n_facilitators * cap:
        raise _infeasible(
            [
                Conflict(
                    rules=("facilitator_per_team", "facilitator_load"),
                    message=(
                        f"{head}; together the teams hold {total} establishments and "
                        f"{n_facilitators} facilitators may support at most {n_facilitators * cap}"
                    ),
                    suggestion=(
                        f"{add} or raise schools_per_facilitator to "
                        f"{math.ceil(total / n_facilitators)}"
                    ),
                    actual=n_facilitators,
                    limit=n_teams,
                )
            ]
        )
    smallest = sorted(sizes)[:2]
    if sum(smallest) > cap:
        raise _infeasible(
            [
                Conflict(
                    rules=("facilitator_per_team", "facilitator_load"),
                    message=(
                        f"{head}, and no facilitator can take two teams: the two smallest teams "
                        f"hold {smallest[0]} and {smallest[1]} establishments, more than the {cap} "
                        "one facilitator may support"
                    ),
                    suggestion=f"{add} or raise schools_per_facilitator to {sum(smallest)}",
                    actual=n_facilitators,
                    limit=n_teams,
                )
            ]
        )


def allocate_facilitators(
    cohort: Cohort,
    rules: Rules | None,
    unit_team: Sequence[int] | NDArray[np.int64],
    team_focus: Sequence[str | None] | None = None,
    *,
    require_supply: bool = False,
    time_limit: float = 10.0,
    keep: Sequence[tuple[str, int]] = (),
    fixed: Sequence[tuple[str, int]] = (),
) -> Allocation:
    """Link facilitators to teams under the hard rules, best preferences first.

    ``unit_team`` is each establishment's team, 0-based, in ``cohort.establishments``
    order; ``team_focus`` a focus theme name per team (or None). Without a facilitators
    table the result has no links and says what each authority must supply.

    Raises ``InfeasibleError`` (its ``diagnosis`` is a ``Diagnosis``) when no allocation
    exists, or, with ``require_supply``, when an authority supplies too few. ``keep``:
    (facilitator id, team 1..T) links to keep where the rules and the spread allow;
    ``fixed``: links to make (placed by hand).
    """
    deadline = time.perf_counter() + float(time_limit)  # preparing the model counts too
    rules = rules or Rules()
    n_teams = rules.teams
    teams = np.asarray(unit_team, dtype=np.int64).reshape(-1)
    if teams.shape != (len(cohort.establishments),) or (
        teams.size and (teams.min() < 0 or teams.max() >= n_teams)
    ):
        raise InvalidParameterError.for_value(
            "unit_team",
            "allocate_facilitators",
            f"one team 0..{n_teams - 1} per establishment ({len(cohort.establishments)})",
            teams.tolist()[:20],
        )
    focus = list(team_focus) if team_focus is not None else [None] * n_teams
    if len(focus) != n_teams:
        raise InvalidParameterError.for_value(
            "team_focus", "allocate_facilitators", f"a list of {n_teams} theme names", focus
        )
    supply = tuple(facilitator_supply(cohort, rules))
    facilitators = cohort.facilitators
    if not facilitators:
        return Allocation(links=(), details=(), team_facilitators={}, load={}, supply=supply)
    if require_supply:
        short = [line for line in supply if line.shortfall]
        if short:
            raise _infeasible(
                [
                    Conflict(
                        rules=("facilitator_supply",),
                        message=line.message(),
                        suggestion=(
                            f"add {plural(line.shortfall, 'facilitator')} from {line.authority}"
                        ),
                        subject=line.authority,
                        actual=line.supplied,
                        limit=line.needed,
                    )
                    for line in short
                ]
            )

    cap = rules.schools_per_facilitator
    sizes = np.bincount(teams, minlength=n_teams).astype(int).tolist()
    n_fac = len(facilitators)
    _check_capacity(sizes, n_fac, cap)

    # establishments of each authority per team, for the tie preference and the reasons
    shared = np.zeros((n_fac, n_teams), dtype=np.int64)
    by_authority: dict[str, list[int]] = {}
    for i, f in enumerate(facilitators):
        by_authority.setdefault(f.authority_key, []).append(i)
    for e, team in zip(cohort.establishments, teams.tolist(), strict=True):
        shared[by_authority.get(e.authority_key, []), team] += 1
    # once per facilitator and focus theme, not per team (1,000,000 pairs at 1,000 teams)
    rated = [{theme: _expertise(f, theme) for theme in set(focus)} for f in facilitators]
    expertise = [[rated[i][focus[t]] for t in range(n_teams)] for i in range(n_fac)]
    weight = [
        [
            (W_TIE + W_TIE_PER_ESTABLISHMENT * int(shared[i, t]) if shared[i, t] else 0)
            + W_EXPERTISE * (expertise[i][t] or 0)
            + W_TEAM_SIZE * sizes[t]
            for t in range(n_teams)
        ]
        for i in range(n_fac)
    ]

    kept = {(f, t - 1) for f, t in (*keep, *fixed)}
    bonus = max(n_fac, n_teams) * max(max(row) for row in weight) + 1  # > all preferences
    for i, f in enumerate(facilitators):
        for t in range(n_teams):
            weight[i][t] += bonus if (f.id, t) in kept else 0
    index = {f.id: i for i, f in enumerate(facilitators)}
    must = {(index[f], t - 1) for f, t in fixed if f in index and 1 <= t <= n_teams}
    chosen, optimal, score = _solve(weight, sizes, cap, deadline, must)
    if chosen is not None:  # the score is the links' preference points, bonus aside
        score -= bonus * sum((facilitators[i].id, t) in kept for i, t in chosen)
    if chosen is None:
        ordered = sorted(sizes, reverse=True)  # a region's 80 sizes would fill the screen
        listed = ", ".join(str(s) for s in ordered[:10]) + (", ..." if len(ordered) > 10 else "")
        raise _infeasible(
            [
                Conflict(
                    rules=("facilitator_per_team", "facilitator_load"),
                    message=(
                        f"{n_teams} teams need a facilitator each but the table lists "
                        f"{n_fac}, and the teams ({listed} establishments) cannot be shared "
                        f"among {n_fac} facilitators of at most {cap} establishments each"
                    ),
                    suggestion=(
                        f"add {plural(n_teams - n_fac, 'facilitator')} or raise "
                        "schools_per_facilitator"
                    ),
                    actual=n_fac,
                    limit=n_teams,
                )
            ]
        )

    pairs = sorted(chosen, key=lambda it: (it[1], it[0]))
    team_facs: dict[int, list[int]] = {t: [] for t in range(n_teams)}
    fac_teams: dict[int, list[int]] = {i: [] for i in range(n_fac)}
    for i, t in pairs:
        team_facs[t].append(i)
        fac_teams[i].append(t)
    load = {facilitators[i].id: sum(sizes[t] for t in fac_teams[i]) for i in range(n_fac)}
    details = []
    for i, t in pairs:
        f = facilitators[i]
        details.append(
            FacilitatorLink(
                facilitator_id=f.id,
                team=t + 1,
                reason=_reason(
                    cohort,
                    f,
                    focus[t],
                    expertise[i][t],
                    int(shared[i, t]),
                    len(team_facs[t]),
                    [u + 1 for u in fac_teams[i] if u != t],
                    load[f.id],
                    cap,
                ),
                expertise=expertise[i][t],
                shared_establishments=int(shared[i, t]),
            )
        )
    return Allocation(
        links=tuple((facilitators[i].id, t + 1) for i, t in pairs),
        details=tuple(details),
        team_facilitators={
            t + 1: tuple(facilitators[i].id for i in team_facs[t]) for t in range(n_teams)
        },
        load=load,
        supply=supply,
        optimal=optimal,
        score=score,
    )


def _reason(
    cohort: Cohort,
    facilitator: Facilitator,
    theme: str | None,
    expertise: int | None,
    shared: int,
    on_team: int,
    other_teams: list[int],
    load: int,
    cap: int,
) -> str:
    """Why this link, in words a lead officer reads (authority and theme names only)."""
    parts: list[str] = []
    if theme and expertise is not None:
        parts.append(f"expertise {expertise}/5 in {theme}")
    where = facilitator.authority
    if shared:
        parts.append(f"from {where}, which has {plural(shared, 'establishment')} in the team")
    elif facilitator.authority_key in cohort.authorities:
        parts.append(f"from {where}, which has no establishment in the team")
    else:
        parts.append(f"from {where}")
    if on_team > 1:
        parts.append(f"one of {on_team} facilitators of the team")
    if other_teams:
        teams = ", ".join(str(t) for t in other_teams)
        parts.append(
            f"also supports team{'s' if len(other_teams) > 1 else ''} {teams} "
            f"({load} of at most {cap} establishments)"
        )
    return "; ".join(parts)


# measured: building the model takes about 0.2 s + 46 us per cell (1,089 cells 0.22 s,
# 6,889 0.62 s, 27,556 1.47 s)
BUILD_S_PER_CELL = 5e-5
GREEDY_CELLS = 50_000


def _greedy(
    weight: NDArray[np.int64],
    sizes: NDArray[np.int64],
    cap: int,
    must: set[tuple[int, int]] | None = None,
) -> list[tuple[int, int]] | None:
    """Every team a facilitator, then every idle facilitator a team; loads within ``cap``.

    The links ``must`` come first; then biggest teams first, each to the best-weighted
    facilitator with room, preferring one with no team yet; then each idle facilitator
    joins the team with fewest facilitators it has room for (best weight breaks ties).
    None when a team finds nobody with room.
    """
    n_fac, n_teams = weight.shape
    load = np.zeros(n_fac, dtype=np.int64)
    links = np.zeros(n_fac, dtype=np.int64)
    per_team = np.zeros(n_teams, dtype=np.int64)
    chosen: list[tuple[int, int]] = sorted(must or ())
    for i, t in chosen:
        load[i], links[i], per_team[t] = load[i] + sizes[t], links[i] + 1, per_team[t] + 1
    for t in sorted(range(n_teams), key=lambda t: (-int(sizes[t]), t)):
        if per_team[t]:
            continue  # a placed facilitator has it
        room = load + sizes[t] <= cap
        if not room.any():
            return None
        score = np.where(room, weight[:, t] + np.where(links == 0, 10**9, 0), -(10**18))
        i = int(np.argmax(score))
        chosen.append((i, t))
        load[i] += sizes[t]
        links[i] += 1
        per_team[t] += 1
    for i in np.flatnonzero(links == 0).tolist():
        fits = sizes <= cap
        if not fits.any():
            return None
        score = np.where(fits, -per_team * 10**9 + weight[i], -(10**18))
        t = int(np.argmax(score))
        chosen.append((int(i), t))
        per_team[t] += 1
    return chosen


class AllocationNotFound(ClnmatchError):
    """No allocation was found in the time given or by the greedy of a large region (none
    may exist, or one may: unlike ``InfeasibleError``, this proves nothing)."""


def _solve(
    weight: list[list[int]],
    sizes: list[int],
    cap: int,
    deadline: float,
    must: set[tuple[int, int]] | None = None,
) -> tuple[list[tuple[int, int]] | None, bool, int]:
    """Exact CP-SAT model; returns (chosen (facilitator, team) pairs, optimal, score).

    Above ``GREEDY_CELLS`` facilitator-team cells (a region of hundreds of teams) the
    model outgrows memory and time, and a greedy allocation that keeps every hard rule
    is used instead (reported as not optimal); so it is when the time left would not even
    build the model (a short limit at 1,000 establishments: 1.5 s to build).
    """
    from ortools.sat.python import cp_model

    from clnmatch.cpsolver import cp_solver

    n_fac, n_teams = len(weight), len(sizes)
    too_short = deadline - time.perf_counter() < 2 * BUILD_S_PER_CELL * n_fac * n_teams
    if n_fac * n_teams > GREEDY_CELLS or too_short:
        chosen = _greedy(
            np.array(weight, dtype=np.int64), np.array(sizes, dtype=np.int64), cap, must
        )
        if chosen is None and n_fac * n_teams <= GREEDY_CELLS:
            chosen = _solve(weight, sizes, cap, time.perf_counter() + 10.0, must)[
                0
            ]  # overrun, not refuse
            return (
                (chosen, False, sum(weight[i][t] for i, t in chosen)) if chosen else (None, True, 0)
            )
        if chosen is None:
            raise AllocationNotFound(
                f"the greedy facilitator allocation for {n_teams} teams and {n_fac} "
                "facilitators found no answer; raise schools_per_facilitator or add facilitators"
            )
        return chosen, False, sum(weight[i][t] for i, t in chosen)
    model = cp_model.CpModel()
    x = {(i, t): model.new_bool_var(f"x_{i}_{t}") for i in range(n_fac) for t in range(n_teams)}
    for t in range(n_teams):
        model.add(sum(x[i, t] for i in range(n_fac)) >= 1)
    for i in range(n_fac):
        model.add(sum(x[i, t] for t in range(n_teams)) >= 1)
        model.add(sum(sizes[t] * x[i, t] for t in range(n_teams)) <= cap)
    for key in must or ():
        model.add(x[key] == 1)
    if not must:  # minimum edge cover: see the module docstring for why this loses nothing
        model.add(sum(x.values()) == max(n_fac, n_teams))

    # spread: the k-th link of a team (or of a facilitator) costs k - 1, a convex cost
    # that makes the counts as even as possible; ``ladder[k]`` is "at least k + 1 links"
    spread_terms: list[Any] = []
    for group in [[x[i, t] for i in range(n_fac)] for t in range(n_teams)] + [
        [x[i, t] for t in range(n_teams)] for i in range(n_fac)
    ]:
        ladder = [model.new_bool_var("") for _ in range(len(group))]
        model.add(sum(ladder) == sum(group))
        for k in range(len(ladder) - 1):
            model.add_implication(ladder[k + 1], ladder[k])
        spread_terms.extend(k * ladder[k] for k in range(1, len(ladder)))
    preference = sum(weight[i][t] * x[i, t] for i in range(n_fac) for t in range(n_teams))
    # lexicographic: any spread improvement outweighs all preference points together
    big = max(n_fac, n_teams) * max(max(row) for row in weight) + 1
    model.maximize(preference - big * sum(spread_terms))

    solver = cp_solver()
    solver.parameters.num_workers = 1  # deterministic, and the machine is shared
    solver.parameters.random_seed = 0
    time_limit = max(0.2, deadline - time.perf_counter())  # at least a moment to find one
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return None, True, 0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # out of time (region scale on a busy machine): the greedy keeps every hard rule
        greedy = _greedy(
            np.array(weight, dtype=np.int64), np.array(sizes, dtype=np.int64), cap, must
        )
        if greedy is None:
            raise AllocationNotFound(
                f"the facilitator allocation found no answer within {time_limit:g} s"
            )
        return greedy, False, sum(weight[i][t] for i, t in greedy)
    chosen = [key for key, var in x.items() if solver.boolean_value(var)]
    score = sum(weight[i][t] for i, t in chosen)
    return chosen, status == cp_model.OPTIMAL, score
