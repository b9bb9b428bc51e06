"""The search loop: iterated tabu search with a small population, then iterated descent.

The design follows the state of the art for the maximally diverse grouping problem (TPSDP:
strong perturbation + tabu search + crossover in a small population): a first run of tabu
search from the start, a population of independent runs, then generations that either
cross two members (``group_crossover``, repaired if needed) or perturb one
(``clnmatch.search.tabu.perturb``), each improved by a tabu-search run and accepted into
the population when it beats the member it would replace. On problems without side rules
the last share of the effort (``walk_share``) goes to the iterated descent
(``clnmatch.search.descent``), which measured better there on MDGPLIB n >= 240.

Every kernel is resumable and runs in chunks (``next_chunk``) so that the clock is read
often; a run limited by ``max_iterations`` (tabu steps plus descent kicks) is reproducible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from clnmatch.objective.kernels import NEG
from clnmatch.problem import SCALE
from clnmatch.search import chunking
from clnmatch.search.descent import descent, new_scratch, walk_steps
from clnmatch.search.grouping import Grouping, Model
from clnmatch.search.profile import concentrated_profile, reshape
from clnmatch.search.repair import random_group_assignment, repair_groups
from clnmatch.search.rng import seed_array
from clnmatch.search.state import MOVES_ALL, MOVES_KEEP_LOADS, MOVES_NONE, new_state, violation
from clnmatch.search.tabu import perturb, tabu_steps
from clnmatch.trace import TracePoint

__all__ = ["IteratedSearch", "SearchSettings", "group_crossover", "plain"]

IntArray = NDArray[np.int64]
# iterated descent: kicks of 2..6 random swaps; back to the best after 3000 kicks without one
_KICK_MIN: Any = np.int64(2)
_KICK_SPAN: Any = np.int64(5)
_WALK_RESTART: Any = np.int64(3000)
_WALK_MOVE_SHARE = 0.3  # share of a kick's tries that are moves (the rest are swaps)


class SearchSettings(Protocol):
    """The parameters the loop reads (``LocalSearchStrategy`` carries them)."""

    max_iterations: int | None
    population: int
    depth: int | None
    tenure_min: int | None
    tenure_span: int
    perturbation: tuple[float, float]
    crossover_rate: float
    population_limit: int
    reshape: bool
    walk_share: float
    walk_slack: float


def _work(valued: int, checked: int) -> float:
    """Seconds of this machine, about, for tabu candidates scanned and rule-checked."""
    return valued / 5.5e7 + checked / 4e6


class Budgeted(Protocol):
    """What the loop needs of a ``clnmatch.strategies.base.Budget``."""

    started: float
    time_limit: float
    target_milli: int | None
    on_work: Callable[[float], None] | None

    def rng(self, stream: int = 0) -> np.random.Generator: ...

    def elapsed(self) -> float: ...

    def report(
        self, objective: float | None, bound: float | None = None, message: str = ""
    ) -> None: ...


class IteratedSearch:
    """One run of the iterated tabu search with a small population (Python driver)."""

    def __init__(
        self,
        strategy: SearchSettings,
        grouping: Grouping,
        budget: Budgeted,
    ) -> None:
        self.s = strategy
        self.grouping = grouping
        self.m = grouping.model
        self.budget = budget
        self.rng = budget.rng(7)
        self.rs = seed_array(self.rng)
        n_groups, n_teams = grouping.n_groups, len(self.m.team_min)
        self.n_groups, self.n_teams = n_groups, n_teams
        self.deadline = budget.started + budget.time_limit
        self.steps = 0  # tabu steps plus descent kicks so far (what max_iterations counts)
        self.kicks = 0  # descent kicks so far
        self.valued = 0  # tabu candidates valued so far, and ...
        self.checked = 0  # ... sent to the rule checks (``work``)
        self.tabu = np.zeros((n_groups, n_teams), dtype=np.int64)
        self.it = 0  # tabu iteration clock, kept across runs so old entries expire
        # large instances: each step scans the moves and swaps of a random sample of groups
        work = n_groups * (n_groups + n_teams)
        self.sample = 0 if work <= 2_000_000 else max(16, 250_000 // (n_groups + n_teams))
        self.chunk = 8
        self.best_team: IntArray | None = None
        self.best_obj = int(NEG)
        self.trace: list[TracePoint] = []
        self.profile = concentrated_profile(self.m) if strategy.reshape else None
        # with a target size profile, moves that change the loads only walk away from it
        self.moves = MOVES_ALL if self.profile is None else MOVES_KEEP_LOADS
        # on problems without side rules the last share of the effort goes to the iterated
        # descent, which measured better than more tabu search on MDGPLIB n >= 240; only
        # where a full scan is cheap (one descent pass scans every move and swap)
        share = strategy.walk_share if plain(self.m) and self.sample == 0 else 0.0
        self.walk = share > 0
        self.tabu_deadline = budget.started + (1 - share) * budget.time_limit
        self.tabu_max_steps = (
            None if strategy.max_iterations is None else int((1 - share) * strategy.max_iterations)
        )

    # --- stopping ----------------------------------------------------------------
    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def out_of_steps(self) -> bool:
        return self.s.max_iterations is not None and self.steps >= self.s.max_iterations

    def stop(self) -> bool:
        return self.out_of_time() or self.out_of_steps() or self.at_target()

    def tabu_over(self) -> bool:
        """The tabu-search phase has used its share (or everything is over)."""
        if self.stop():
            return True
        if not self.walk:
            return False
        spent = self.tabu_max_steps is not None and self.steps >= self.tabu_max_steps
        return spent or time.perf_counter() >= self.tabu_deadline

    def at_target(self) -> bool:
        """The best found meets a proven bound: nothing better exists."""
        target = self.budget.target_milli
        return target is not None and self.best_obj >= target

    # --- bookkeeping -------------------------------------------------------------
    def true_objective(self, team: IntArray) -> int:
        """Objective with the best focus (differs from the tracked one only with a fixed focus)."""
        return int(new_state(self.grouping, team).objective[0])

    def offer(self, team: IntArray, objective: int, message: str) -> None:
        if objective > self.best_obj:
            self.best_obj = objective
            self.best_team = np.array(team, dtype=np.int64)
            points = objective / SCALE
            self.trace.append(TracePoint(self.budget.elapsed(), points, None))
            self.budget.report(points, None, message)

    # --- building blocks ---------------------------------------------------------
    def work(self) -> float:
        """Deterministic work so far, in about seconds of this machine: tabu candidates
        scanned (about 18 ns each) and sent to the rule checks (about 250 ns each; measured
        on the benchmark families, where steps cost 10-180 us depending on ties)."""
        return _work(self.valued, self.checked)

    def tabu_search(self, team: IntArray) -> tuple[IntArray, int]:
        """Tabu search from ``team`` until its depth is spent (or time / steps run out)."""
        if self.profile is not None:
            team = reshape(self.grouping, team, self.profile)
        st = new_state(self.grouping, team)
        best_team = st.team.copy()
        ts = np.array([self.it, 0, st.objective[0], 0, 0, 0], dtype=np.int64)
        span = max(1, self.s.tenure_span)
        tenure_min = self.s.tenure_min
        if tenure_min is None:
            tenure_min = max(2, min(self.n_groups // 40, 10))
        depth = self.s.depth if self.s.depth is not None else max(200, 5 * self.n_groups)
        while ts[3] == 0 and not self.tabu_over():
            limit = self.chunk
            if self.tabu_max_steps is not None:
                limit = min(limit, self.tabu_max_steps - self.steps)
            tick = time.perf_counter()
            self.steps += tabu_steps(
                self.m,
                st,
                self.tabu,
                ts,
                best_team,
                self.rs,
                limit,
                depth,
                tenure_min,
                span,
                self.sample,
            )
            self.chunk = chunking.next_chunk(self.chunk, time.perf_counter() - tick)
            if self.budget.on_work is not None:  # a portfolio's racer: say how far it has got
                self.budget.on_work(_work(self.valued + int(ts[4]), self.checked + int(ts[5])))
            if ts[2] > self.best_obj and not self.m.obj.focus_fixed:  # report progress as it comes
                self.offer(best_team, int(ts[2]), "tabu search")
        self.it = int(ts[0])
        self.valued += int(ts[4])
        self.checked += int(ts[5])
        objective = int(ts[2])
        if self.m.obj.focus_fixed:  # re-optimise the focus for the run's best
            objective = self.true_objective(best_team)
        return best_team, objective

    def perturbed(self, team: IntArray, strength: int) -> IntArray:
        st = new_state(self.grouping, team)
        # with a target size profile only swaps: the next run's reshape would undo the moves
        moves = MOVES_ALL if self.profile is None else MOVES_NONE
        perturb(self.m, st, strength, 0.5, moves, self.rs)
        return st.team.copy()

    def random_start(self) -> IntArray | None:
        team = random_group_assignment(self.grouping, self.rng)
        steps = None if self.s.max_iterations is None else 200 * self.n_groups + 1000
        return repair_groups(self.grouping, team, self.rng, self.deadline, steps)

    def crossover(self, first: IntArray, second: IntArray) -> IntArray | None:
        child = group_crossover(self.grouping, first, second, self.rng)
        if violation(self.m, new_state(self.grouping, child, with_objective=False)) == 0:
            return child
        steps = None if self.s.max_iterations is None else 50 * self.n_groups + 1000
        return repair_groups(self.grouping, child, self.rng, self.deadline, steps)

    def strength(self) -> int:
        low, high = self.s.perturbation
        fraction = low + (high - low) * self.rng.random()
        return max(2, int(round(fraction * self.n_groups)))

    # --- the run -------------------------------------------------------------------
    def run(self, start: IntArray) -> None:
        self.offer(start, self.true_objective(start), "start")
        team, objective = self.tabu_search(start)
        self.offer(team, objective, "tabu search")
        population = self.s.population if self.n_groups <= self.s.population_limit else 1
        pool: list[tuple[int, IntArray]] = [(objective, team)]
        while len(pool) < population and not self.tabu_over():
            other = self.random_start()
            if other is None:
                break
            other, obj = self.tabu_search(other)
            self.offer(other, obj, "population")
            pool.append((obj, other))
        generation = idle = 0
        while not self.tabu_over() and idle < 20:  # 20 generations without a step: nothing moves
            generation += 1
            steps_before = self.steps
            child: IntArray | None = None
            if len(pool) >= 2 and self.rng.random() < self.s.crossover_rate:
                i, j = self.rng.choice(len(pool), size=2, replace=False)
                child = self.crossover(pool[i][1], pool[j][1])
            if child is not None:
                child, obj = self.tabu_search(child)
                worst = min(range(len(pool)), key=lambda k: pool[k][0])
                duplicate = any(obj == o and np.array_equal(child, t) for o, t in pool)
                if obj > pool[worst][0] and not duplicate:
                    pool[worst] = (obj, child)
            else:  # a perturbation generation (or a crossover whose child could not be repaired)
                k = int(self.rng.integers(len(pool)))
                child, obj = self.tabu_search(self.perturbed(pool[k][1], self.strength()))
                if obj >= pool[k][0]:
                    pool[k] = (obj, child)
            self.offer(child, obj, f"generation {generation}")
            idle = idle + 1 if self.steps == steps_before else 0
        if self.walk and not self.stop():
            assert self.best_team is not None
            self.iterateddescent(self.best_team)

    def iterateddescent(self, team: IntArray) -> None:
        """Iterated descent from ``team`` until the search stops (the second phase)."""
        assert plain(self.m)  # the descent's deltas and pruning leave out focus and SIMD terms
        st = new_state(self.grouping, team)
        sc = new_scratch(self.n_groups, self.n_teams)
        descent(self.m, st, self.rs, self.moves, sc)
        objective = int(st.objective[0])
        self.offer(st.team, objective, "descent")
        walk_team, best_team = st.team.copy(), st.team.copy()
        ws = np.array([objective, objective, 0, 0], dtype=np.int64)
        slack = int(self.s.walk_slack * abs(objective))
        chunk = 4
        while not self.stop() and ws[3] == 0:  # (stuck: no move or swap keeps the rules)
            limit = chunk
            if self.s.max_iterations is not None:
                limit = min(limit, self.s.max_iterations - self.steps)
            tick = time.perf_counter()
            kicks = walk_steps(
                self.m,
                st,
                self.rs,
                walk_team,
                best_team,
                ws,
                sc,
                limit,
                _KICK_MIN,
                _KICK_SPAN,
                _WALK_MOVE_SHARE,
                self.moves,
                slack,
                _WALK_RESTART,
            )
            self.steps += kicks
            self.kicks += kicks
            chunk = chunking.next_chunk(chunk, time.perf_counter() - tick)
            self.offer(best_team, int(ws[1]), "iterated descent")


def plain(m: Model) -> bool:
    """No rule beyond team weights (no sector, authority, apart, pin or forbid rule) and no
    focus or SIMD term: the iterated descent was measured on such problems only."""
    r = m.rules
    return (
        not r.distinct_kind.size
        and not r.share_kind.size
        and not r.apart.size
        and bool(r.allowed.all())
        and m.obj.theme.shape[1] == 0
        and m.obj.simd == 0
    )


def group_crossover(
    grouping: Grouping, first: IntArray, second: IntArray, rng: np.random.Generator
) -> IntArray:
    """Group-based crossover: take whole teams alternately from the parents, best first.

    A team's label stays (labels carry their own size bounds and locks); a team is scored
    by its pair gain per member among the still unplaced groups. Leftover groups go where
    they gain most while the weight fits.
    """
    m = grouping.model
    n_groups, n_teams = grouping.n_groups, len(m.team_min)
    child = np.full(n_groups, -1, dtype=np.int64)
    used = np.zeros(n_teams, dtype=bool)
    parents = (first, second) if rng.random() < 0.5 else (second, first)
    for step in range(n_teams):
        parent = parents[step % 2]
        best_t, best_score = -1, -np.inf
        for t in np.flatnonzero(~used):
            members = np.flatnonzero((parent == t) & (child < 0))
            if members.size == 0:
                score = -1e300
            else:
                score = float(m.obj.pair[np.ix_(members, members)].sum()) / members.size
                if m.obj.theme.shape[1]:
                    score += float(m.obj.theme[members].sum(axis=0).max()) / members.size
            if score > best_score:
                best_t, best_score = int(t), score
        used[best_t] = True
        child[(parent == best_t) & (child < 0)] = best_t
    r = m.rules
    placed = child >= 0
    sums = np.zeros((r.amount.shape[0], n_teams), dtype=np.int64)
    for s in range(r.amount.shape[0]):
        sums[s] = np.bincount(child[placed], weights=r.amount[s, placed], minlength=n_teams)
    for g in rng.permutation(np.flatnonzero(child < 0)):
        fits = r.allowed[g] & (sums + r.amount[:, g : g + 1] <= r.high).all(axis=0)
        gain = np.zeros(n_teams)
        np.add.at(gain, child[child >= 0], m.obj.pair[g, child >= 0])
        gain[~fits] = -np.inf
        chosen = int(np.argmax(gain)) if fits.any() else int(np.argmin(sums[m.size]))
        child[g] = chosen
        sums[:, chosen] += r.amount[:, g]
    return child
