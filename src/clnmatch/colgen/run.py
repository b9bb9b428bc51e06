"""The column-generation loop: root, branch and price, primal heuristics, the proposal.

Cuts. While the root LP leaves a gap, up to ``cut_rounds`` rounds of the most violated
rank-1 cuts are added and the root re-solved: subset-row cuts (three units: at most one
team holds two of them) and their larger kin (a set S of units, a divisor k: at most
floor(|S| / k) teams hold k or more of S), which stop the LP from building more strong
teams out of one cluster of like-minded units than whole teams can; pricing charges a
team the duals of the cuts it enters. A round ends in exact pricing (a bound) only where
that bound may close the gap (one objective step); else it stops where the heuristic
finds no column, and the last round's LP is priced exactly.

Branch and price. When the root gap stays above ``target_gap``, Ryan-Foster branching on
a unit pair whose LP together-ness is fractional: "together" in one child, "apart" in the
other; the most fractional pair, or over the listed teams (below) strong branching among
the ``STRONG_CANDIDATES`` most fractional. Children are solved best bound first; the
global bound is the largest bound among open nodes. A node whose Lagrangian bound falls
to the incumbent is pruned at once; with one team class its exact pricing only looks for
teams above the value that would keep the node open ("pricing to a target"). A node
whose LP is fractional but has no fractional pair is kept unresolved: its bound stays in
the global bound.

Shares. A run that is ``part`` of ``parts`` (the portfolio's two cores) makes the same
tree as every other part until ``SPLIT_FRONTIER`` nodes are open, then keeps only its
share of them (``share``) and explores that alone: its bound holds for its share, and the
parts' answers joined (the best assignment, the largest bound) are the whole tree's.

Enumeration. Before branching, every team that can be in an assignment beating the
incumbent is listed from the root's prices (``clnmatch.colgen.enumeration``) when there
are at most ``ENUMERATION_COLUMNS`` of them; nodes are then priced by scanning that list,
and a node's reduced costs leave out, for its children, the teams too poor to matter.

Primal. The CP-SAT model of the rules for a first assignment (or the warm start), a short
run of the search engine (iteration-capped so one seed gives one answer) before the root,
then the best combination of generated columns and the full local search, stopping as
soon as it meets the bound; when the root leaves the bound one objective step above the
incumbent (whole points on focus), a second search from the greedy start; integral node
LPs during branch-and-price, and a last polish.
Every assignment is checked by ``clnmatch.evaluate.evaluate`` before it is kept.
"""

from __future__ import annotations

import heapq
import math
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from clnmatch.colgen.enumeration import Enumerated, enumerate_root
from clnmatch.colgen.master import MasterLP
from clnmatch.colgen.search import Node, NodeOutcome, Search
from clnmatch.cpmodel import build_model
from clnmatch.cpsolver import cp_solver
from clnmatch.jit import HAVE_NUMBA
from clnmatch.problem import SCALE, Problem
from clnmatch.strategies.base import Budget, Proposal
from clnmatch.strategies.cpsat import CpSatStrategy
from clnmatch.strategies.greedy import GreedyStrategy
from clnmatch.strategies.local_search import LocalSearchStrategy

__all__ = ["initial", "run", "share"]

IntArray = NDArray[np.int64]
Shared = TypeVar("Shared", Node, float)
# Work limits, not clock limits, so that a seed gives one answer (the time limit is only a
# safety net): CP-SAT's deterministic time of the first feasibility model and of the best
# combination of columns (at the root, every PRIMAL_EVERY branch-and-price nodes, at the end)
FEASIBILITY_WORK = 2.0
ROOT_COMBINATION_WORK = 0.5
NODE_COMBINATION_WORK = 1.0
FINAL_COMBINATION_WORK = 5.0
PRIMAL_EVERY = 40
ENUMERATION_COLUMNS = 300_000  # the root's teams within the gap listed at most (else priced)
# a tree shared out over parts (``part`` of ``parts``) splits once this many nodes are open
SPLIT_FRONTIER = 16
# a part that worked on a share says so in a note starting with SHARED (the portfolio reads it)
SHARED = "explored share"
SHARE_NOTE = SHARED + " {} of {} of the branch-and-price tree (split with {} nodes open)"
COVER_SHARE_NOTE = SHARED + " {} of {} of the covers of {} nodes (before any split)"
ALONE_NOTE = "a shared cover search gave up: this part searched the rest of the tree whole"
STRONG_CANDIDATES = 8  # unit pairs a node over the listed teams tries before branching


def _local_search(
    search: Search, iterations: int, time_limit: float | None = None, fresh: bool = False
) -> None:
    """Improve the incumbent with the search engine: capped by iterations, not the clock, so
    that a seed gives one answer (the time left is only a safety net)."""
    time_limit = search.time_left() if time_limit is None else time_limit
    if search.best_assign is None or time_limit <= 0.05:
        return
    budget = search.budget
    found = None
    if iterations > 0:
        try:
            strategy = LocalSearchStrategy(max_iterations=iterations)
            target = (
                None
                if math.isinf(search.best_bound) or search.suspect is not None
                else search.reachable_floor(search.best_bound)
            )
            done = search.work()
            on_work = budget.on_work
            sub = Budget(
                time_limit=time_limit,
                seed=budget.seed,
                warm_start=None if fresh else search.best_assign.copy(),
                target_milli=target,
                on_work=None if on_work is None else (lambda work: on_work(done + work)),
            )
            proposal = strategy.run(search.problem, sub)
            found = proposal.unit_team
            search.stats.search_work += proposal.work or 0.0
        except Exception as exc:  # noqa: BLE001 - the incumbent stands; say why in the notes
            search.notes.append(f"local search failed ({type(exc).__name__}: {exc})")
    if found is not None:
        search.offer(np.asarray(found, dtype=np.int64), "local search")


def _one_step_short(search: Search) -> bool:
    """Whether the bound is one objective step above the incumbent (not closed)."""
    if search.best_obj is None or math.isinf(search.best_bound) or search.closed():
        return False
    return search.reachable_floor(search.best_bound) - search.best_obj <= search.model.step


def initial(search: Search) -> None:
    """A first feasible assignment: the warm start, else a quick CP-SAT feasibility model."""
    problem, budget = search.problem, search.budget
    if budget.warm_start is not None:
        search.offer(np.asarray(budget.warm_start, dtype=np.int64), "warm start")
    if search.best_obj is not None:
        return
    limit = max(0.0, search.time_left())
    if limit <= 0.05:
        return
    # half the time at most: where CP-SAT finds nothing (500 establishments in 5 s) the
    # greedy start still has time to find one here, so the search goes on from it (solve's
    # greedy_if_none only answers with it, in what is left after the search)
    found, infeasible, work = _cpsat_feasible(problem, 0.5 * limit, budget.seed)
    search.stats.cpsat_work += work
    if found is not None:
        search.offer(found, "first feasible assignment")
    elif not infeasible:
        sub = Budget(time_limit=max(0.05, search.time_left()), seed=budget.seed)
        quick = GreedyStrategy(restarts=1).run(problem, sub)
        if quick.unit_team is not None:
            search.offer(np.asarray(quick.unit_team, dtype=np.int64), "the greedy start")
    search.infeasible = infeasible


def _cpsat_feasible(
    problem: Problem, time_limit: float, seed: int
) -> tuple[IntArray | None, bool, float]:
    """A rule-abiding assignment from the CP-SAT model of the rules (no objective), whether
    CP-SAT proved that none exists, and its deterministic time."""
    cpm = build_model(problem, objective=False)
    solver = cp_solver()
    solver.parameters.max_deterministic_time = FEASIBILITY_WORK  # the clock only as a safety net
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (2**31)
    status = solver.solve(cpm.model)
    work = solver.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.INFEASIBLE, work
    unit_team, _ = cpm.decode(solver.response_proto.solution)
    return unit_team, False, work


def run(search: Search) -> Proposal:
    problem, budget = search.problem, search.budget
    if problem.n_units == 0 or problem.n_teams == 0:
        return Proposal(None, notes=("nothing to assign",))
    initial(search)
    if search.infeasible:
        return _infeasible(search, "colgen: CP-SAT proved that no assignment keeps every rule")
    # a short search first: the root often closes the gap with it (a bound rounded to the
    # objective's step); the full one runs before branch-and-price, which prunes by target
    _local_search(search, search.params.local_search_iterations // 10)

    def improve_primal(lp_and_active: tuple[MasterLP, list[int]] | None, work: float) -> None:
        """The LP's own answer if integral, then the best combination of the columns found
        (CP-SAT with ``work`` seconds of deterministic time)."""
        if lp_and_active is not None:
            cand = search.integral_lp(*lp_and_active)
            if cand is not None:
                search.offer(cand, "integral LP")
        if search.closed():
            return
        cand = search.best_combination(list(range(len(search.columns))), work)
        if cand is not None:
            search.offer(cand, "best combination of columns")

    def lower_bound(b: float) -> None:
        if search.constant + b < search.best_bound:
            search.best_bound = search.constant + b
            search.record("bound")

    # --- root
    root = Node(priority=0.0, seq=0)
    out = search.column_generation(root, on_bound=lower_bound)
    for _ in range(search.params.cut_rounds):
        # tighten the root LP with rank-1 cuts while it leaves a gap worth closing
        if (
            search.out_of_time()
            or out.infeasible
            or out.lp is None
            or search.closed()
            or search.gap() <= search.params.target_gap
            or not search.separate_cuts(out.lp, out.active)
        ):
            break
        # a round's exact pricing proves a bound: worth it where that bound may close the
        # gap (a step away: focus's whole points), else the heuristic's columns serve
        # until the last round's LP (measured: blend roots 1.3-2x quicker)
        exact = _one_step_short(search)
        again = search.column_generation(root, on_bound=lower_bound, exact=exact)
        if again.lp is None:
            break
        again.bound = min(again.bound, out.bound)
        out = again
    if not out.converged and out.lp is not None and not search.out_of_time():
        again = search.column_generation(root, on_bound=lower_bound)  # the last LP, proved
        if again.lp is not None:
            again.bound = min(again.bound, out.bound)
            out = again
    st = search.stats
    st.root_seconds = budget.elapsed()
    if out.bound < math.inf:
        st.root_bound = search.constant + out.bound
    if out.lp is not None and out.converged:
        st.root_lp = search.constant + out.lp.value
    if out.infeasible:
        return _infeasible(search, "colgen: no team satisfies the per-team rules of a team class")
    # the LP's columns first (briefly when branch-and-price follows: its nodes often
    # settle what a long search here would seek), then the full local search
    improve_primal(
        (out.lp, out.active) if out.lp is not None else None,
        ROOT_COMBINATION_WORK if search.params.branching else FINAL_COMBINATION_WORK,
    )
    if not search.closed():
        _local_search(search, search.params.local_search_iterations)
    if _one_step_short(search):
        # either the incumbent is optimal or one better assignment closes the gap: a
        # second, independent search (from the greedy start) escapes where the first
        # settled (measured: focus cohorts whose optimum branch and price found only
        # after 20 s, or not in 30 s)
        _local_search(search, 2 * search.params.local_search_iterations, fresh=True)
    search.record("root done")

    # --- branch and price (best bound first); a node's bound bounds its whole subtree
    if (
        search.params.branching
        and out.converged
        and out.lp is not None
        and not search.closed()
        and search.gap() > search.params.target_gap
    ):
        heap: list[Node] = []
        unresolved: list[float] = []  # bounds of nodes we could not split further
        seq = 0

        def push(children: list[Node], bound: float) -> None:
            nonlocal seq
            for child in children:
                seq += 1
                child.bound, child.priority, child.seq = bound, -bound, seq
                heapq.heappush(heap, child)

        def held_back() -> float:
            """What this part's shares of cover searches found and hold back (milli-points
            with the constant; -inf: nothing): its bound may not fall below it."""
            if listed is None or listed.held is None:
                return -math.inf
            return float(listed.held_value)

        def open_bound() -> float:
            held = held_back() - search.constant
            return max([n.bound for n in heap] + unresolved + [held], default=-math.inf)

        def settle(
            node: Node, out: NodeOutcome, bound: float, over: Enumerated | None = None
        ) -> None:
            whole = search.integral_lp(out.lp, out.active) if out.lp is not None else None
            if whole is not None:
                search.offer(whole, "integral LP at a node")
                return  # the node's optimum is its (converged, slack-free) LP optimum
            if search.cannot_beat(bound):
                return
            children = _branch(search, out, node, over)
            if children:
                push(children, bound)
            else:
                unresolved.append(bound)

        used = [ci for j, ci in enumerate(out.active) if out.lp.lam[j] > 1e-9]
        listed = enumerate_root(search, ENUMERATION_COLUMNS, used)
        settle(root, out, out.bound)
        last_primal, last_columns = st.bnp_nodes, len(search.columns)
        interrupted = False
        part, parts = search.params.part, search.params.parts
        did_split = False
        if listed is not None:
            listed.share = (part, parts)  # a cover search before the split shares its work
        while heap:
            if search.out_of_time():
                interrupted = True
                break
            node = heapq.heappop(heap)
            if search.cannot_beat(node.bound):
                continue
            st.bnp_nodes += 1
            res = (
                listed.solve_node(search, node)
                if listed is not None
                else search.column_generation(node, prune_below=True)
            )
            bound = min(node.bound, res.bound)
            if not res.converged:
                node.bound = bound  # stopped by time: still a valid bound of the subtree
                heapq.heappush(heap, node)
                interrupted = True
                break
            if not res.infeasible and not res.pruned and bound > -math.inf:
                settle(node, res, bound, listed)
            if st.bnp_nodes - last_primal >= PRIMAL_EVERY and len(search.columns) > last_columns:
                improve_primal(None, NODE_COMBINATION_WORK)
                last_primal, last_columns = st.bnp_nodes, len(search.columns)
            alone = listed is not None and listed.alone
            if parts > 1 and not did_split and not alone and len(heap) >= SPLIT_FRONTIER:
                # every part has made the same tree so far: each keeps its share of the open
                # nodes, dealt in best-bound order
                did_split = True
                if listed is not None:
                    listed.release(search)
                search.notes.append(SHARE_NOTE.format(part + 1, parts, len(heap)))
                heap[:] = share(heap, part, parts)
                heapq.heapify(heap)
                unresolved[:] = share(unresolved, part, parts)
            if heap or unresolved:
                lower_bound(open_bound())
            elif search.best_obj is not None:
                # every node is closed: nothing beats the incumbent (or what is held back)
                closed_at = max(float(search.best_obj), held_back())
                search.best_bound = min(search.best_bound, closed_at)
            if search.closed() or search.gap() <= search.params.target_gap:
                break
        if listed is not None:
            if listed.shared_searches:
                search.notes.append(
                    COVER_SHARE_NOTE.format(part + 1, parts, listed.shared_searches)
                )
            if listed.alone:
                search.notes.append(ALONE_NOTE)
            listed.release(search)
        if not heap and not unresolved and not interrupted and search.best_obj is not None:
            # every node is closed: nothing beats the incumbent
            search.best_bound = min(search.best_bound, float(search.best_obj))
        elif heap or unresolved:
            lower_bound(open_bound())
        improve_primal(None, FINAL_COMBINATION_WORK)
    # --- polish
    if search.params.polish and search.best_assign is not None and not search.closed():
        _local_search(
            search,
            4 * search.params.local_search_iterations,
            budget.remaining() - 0.5 * search.reserve,
        )
    return _proposal(search)


def share(items: list[Shared], part: int, parts: int) -> list[Shared]:
    """A part's share of the open nodes (or their bounds): every ``parts``-th, from the
    ``part``-th, in sorted order (nodes: best bound first). The shares of all parts hold
    each item once."""
    return [item for i, item in enumerate(sorted(items)) if i % parts == part]


def _infeasible(search: Search, why: str) -> Proposal:
    """No assignment keeps every rule: name the rules that clash (CP-SAT's assumption core)."""

    notes = [why]
    rules = CpSatStrategy().conflicting_rules(search.problem, search.budget, notes)
    return Proposal(
        None,
        proven_infeasible=True,
        conflicting_rules=rules,
        trace=tuple(search.trace),
        notes=tuple(notes),
    )


def _branch(
    search: Search, out: NodeOutcome, node: Node, listed: Enumerated | None = None
) -> list[Node]:
    """Ryan-Foster on a unit pair whose together-ness in the LP is fractional: the most
    fractional, or (``listed``: the node's LP is the listed teams') of the most fractional
    ``STRONG_CANDIDATES`` the one whose children's LPs fall furthest."""
    if out.lp is None:
        return []
    n_u = search.model.n_units
    together = np.zeros((n_u, n_u))
    for j, ci in enumerate(out.active):
        lam = out.lp.lam[j] if j < len(out.lp.lam) else 0.0
        if lam <= 1e-9:
            continue
        idx = np.array(search.columns[ci].members, dtype=np.int64)
        together[np.ix_(idx, idx)] += lam
    frac = np.triu(np.minimum(together, 1 - together), k=1)
    order = np.argsort(-frac, axis=None, kind="stable")[:STRONG_CANDIDATES]
    pairs = [
        (int(i), int(j))
        for i, j in zip(*np.unravel_index(order, frac.shape), strict=True)
        if frac[i, j] > 1e-6
    ]
    if not pairs:
        return []
    a, b = pairs[0]
    if listed is not None and len(pairs) > 1 and search.best_obj is not None:
        most_drop = out.lp.value - (search.best_obj - search.constant)
        if most_drop > 0:
            a, b = listed.strong_pair(search, out.lp, pairs, most_drop)
    return [
        Node(0.0, 0, (*node.together, (a, b)), node.apart, allowed=node.allowed, basis=node.basis),
        Node(0.0, 0, node.together, (*node.apart, (a, b)), allowed=node.allowed, basis=node.basis),
    ]


def _proposal(search: Search) -> Proposal:
    problem = search.problem
    s = search.stats
    search.record("done")
    bound = None if math.isinf(search.best_bound) else search.reachable_floor(search.best_bound)
    if search.suspect is not None:
        bound = None
    notes = [
        f"colgen: {s.iterations} iterations, {len(search.columns)} columns, "
        f"{s.exact_calls} exact pricing calls, {s.exact_nodes} pricing nodes, "
        f"{s.bnp_nodes} branch-and-price nodes",
        f"times: LP {s.lp_seconds:.1f}s, heuristic pricing {s.heuristic_seconds:.1f}s, "
        f"exact pricing {s.exact_seconds:.1f}s; work {search.work():.2f}",
    ]
    notes += search.notes
    if search.suspect is not None:
        notes.append(f"no bound reported: {search.suspect} (a bug; please report it)")
    if not HAVE_NUMBA:
        notes.append("numba is not installed: exact pricing ran as plain Python (slow)")
    if s.root_bound is not None:
        notes.append(f"root: bound {s.root_bound / SCALE:,.3f} after {s.root_seconds:.1f}s")
    if s.enumerated:
        notes.append(
            f"branching over {s.enumerated} teams listed within the root's gap "
            f"(listed in {s.enumeration_seconds:.1f}s; {s.strong_lps} strong branching LPs; "
            f"{s.cover_searches} nodes settled by cover searches of {s.cover_nodes:,} nodes "
            f"in {s.cover_seconds:.1f}s)"
        )
    elif s.enumeration_seconds:
        notes.append(
            f"more than {ENUMERATION_COLUMNS:,} teams within the root's gap: nodes were priced"
        )
    if search.best_assign is None:
        return Proposal(
            None,
            bound_milli=bound,
            trace=tuple(search.trace),
            notes=tuple(notes + ["no feasible assignment found"]),
            work=search.work(),
        )
    unit_team = search.best_assign
    focus = problem.best_focus(unit_team)
    proven = bound is not None and search.best_obj is not None and bound <= search.best_obj
    if proven:
        bound = search.best_obj
    return Proposal(
        unit_team=unit_team.copy(),
        team_focus=focus,
        bound_milli=bound,
        proven_optimal=proven,
        trace=tuple(search.trace),
        notes=tuple(notes),
        work=search.work(),
    )
