"""Column generation on the two cores, racing the CP-SAT model or sharing out its search
tree; deterministic for a seed (``portfolio``).

Measured on the benchmark families (focus, one cohort each, CPU seconds): column
generation proves most cohorts in about a second but some only after 10-60 s (its bound
stuck one point above the optimum), and the CP-SAT model proves those in 3-8 s while it is
the slower one elsewhere. Racing them takes the better of the two.

A plain race (first proof wins) would return whichever answer came first, which depends
on the machine's load. Here each runs in its own process with a *deterministic* budget,
and the winner is decided by work, not by the clock:

1. the lead (``colgen``) wins if it proves optimality within ``lead_work`` of its own
   deterministic work (``Proposal.work``, about seconds);
2. otherwise the challenger (``cpsat``, single worker, ``challenger_work`` seconds of
   CP-SAT's deterministic time) wins if it proves optimality;
3. otherwise the lead goes on to the time limit; the answer is the better of the two and
   the bound the smaller of their proven bounds.

Where the objective has pair or SIMD terms (cohesion, blend) the CP-SAT model is slow, and
the second core serves column generation itself (``challenger="split"``): both racers run
the same search, each taking its share of every node's cover search (``colgen.cover``),
up to the first ``SPLIT_FRONTIER`` open nodes of branch and price; then each explores
every other one of them, best bound first (self-splitting: no messages between them, so
the outcome is the same whatever the load). The answer is the better of their
assignments; the bound, the larger of their bounds, each holding for its share. Measured
on the slowest proofs of the benchmark families (seed 0, 30 s), before the cover search:
themes12 blend 4 proven in 20.5 s instead of colgen's 24.9; with it, in 8.1 s instead of
8.5 (most of the time is now the root's, which both racers do).

Every outcome depends only on the problem and the seed. The clock decides only how long
one waits: at most until the lead has done ``lead_work`` and the challenger has finished.
The racers are forked on Linux (they inherit the compiled kernels) and spawned elsewhere
(Windows has no fork; macOS's system libraries are not safe to fork): the same race, the
same answer, a second or two more to start.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any, ClassVar

from clnmatch.colgen.run import SHARED, SPLIT_FRONTIER
from clnmatch.lifetime import end_with_parent
from clnmatch.objective.terms import objective_milli
from clnmatch.parameters import Constraint, Number, OneOf, check
from clnmatch.problem import Problem
from clnmatch.proposal import Proposal
from clnmatch.search.repair import REPAIR_STEPS_PER_UNIT
from clnmatch.strategies.base import Budget, Progress, TracePoint, register
from clnmatch.strategies.colgen import ColumnGenerationStrategy
from clnmatch.strategies.cpsat import CpSatStrategy
from clnmatch.strategies.greedy import GreedyStrategy

__all__ = ["PortfolioStrategy"]

_LEADS = {"colgen": ColumnGenerationStrategy}
_CHALLENGERS = {"cpsat": CpSatStrategy}
SPLIT = "split"  # the challenger that is the lead's other share of its search tree
_MARGIN = 0.15  # seconds kept back for collecting the children's answers
# A racer stops this share of its time before the portfolio's end (_MARGIN to _CHILD_MOST): a
# busy machine makes a child overrun its limit by a few tenths of a second (an LP solve, a
# pricing call), and with 0.08 s to spare its answer came too late: greedy's start was
# returned (an outside tester: 1 run in 3 at 3-4 s, load 5)
_CHILD_SHARE = 0.08
_CHILD_MOST = 0.6  # s: an overrun does not grow with the time given
# at the end, the longest wait for racers still running: seconds, and share of the time
_GRACE = 1.0
_GRACE_SHARE = 0.05
# Below this many seconds given, the lead runs alone in this process: two racers need
# their start-up and the collecting margin, and at 0.5 s (load 3-4) they answered with
# greedy's start (449.4 on the sample) where column generation alone found 581.9
ALONE_BELOW_S = 1.0


def start_method() -> str:
    """How the racers are started: fork on Linux, spawn elsewhere (see the module)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _child(
    name: str,
    strategy: Any,
    problem: Problem,
    budget: Budget,
    conn: Connection,
) -> None:
    """Run one strategy in a child process; send its work, progress and proposal."""
    end_with_parent()  # a cancelled re-optimise kills the portfolio's process outright
    # a forked child inherits the host app's SIGTERM handler, which need not end it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    last = [0.0]

    def progress(p: Progress) -> None:
        if time.perf_counter() - last[0] > 0.2:  # a few lines a second are enough
            last[0] = time.perf_counter()
            conn.send(("progress", p))

    budget.progress = progress
    budget.on_work = lambda work: conn.send(("work", work))
    try:
        conn.send(("done", strategy.run(problem, budget)))
    except Exception as exc:  # noqa: BLE001 - the parent decides without this racer
        conn.send(("failed", f"{name} failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class _Racer:
    """A strategy running in a child process, and what it has said so far."""

    def __init__(self, name: str, strategy: Any, problem: Problem, budget: Budget) -> None:
        self.name = name
        forked = start_method() == "fork"
        context = mp.get_context("fork") if forked else mp.get_context("spawn")
        self.conn, child_conn = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(name, strategy, problem, budget, child_conn), daemon=True
        )
        self.started = budget.started
        self.process.start()
        child_conn.close()
        self.work = 0.0
        self.result: Proposal | None = None
        self.failed: str | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.failed is not None

    def read(self, on_progress: Any) -> None:
        """Take every message waiting (never blocks)."""
        while not self.done and self.conn.poll():
            try:
                kind, value = self.conn.recv()
            except EOFError:
                self.failed = f"{self.name} stopped without an answer"
                return
            if kind == "work":
                self.work = float(value)
            elif kind == "progress":
                on_progress(self.name, value)
            elif kind == "done":
                self.result = value
                self.work = value.work if value.work is not None else self.work
            else:
                self.failed = str(value)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=1)
        self.conn.close()


@register("portfolio")
class PortfolioStrategy:
    """Column generation on two cores, racing the CP-SAT model or sharing out its own tree;
    deterministic outcome.

    Parameters: ``lead`` (a strategy name); ``challenger``: a strategy name, ``"split"``
    (the lead's branch-and-price tree in two shares) or ``"auto"`` (the CP-SAT model for an
    objective of focus alone, else ``"split"``); ``lead_work`` (the lead's deterministic
    work before a challenger's proof may win) and ``challenger_work`` (the challenger's
    deterministic time).
    """

    name = "portfolio"

    def __init__(
        self,
        lead: str = "colgen",
        challenger: str = "auto",
        # 3.0, with the local search's work counted as done (not 1/80,000 s a step): column
        # generation proves 51 of the 55 CLN and family focus cohorts at 0.2-3.0 of its
        # work; of the others it proves three at 3.7-8.4 (CP-SAT sooner) and one not in 30 s
        lead_work: float = 3.0,
        challenger_work: float = 8.0,
    ) -> None:
        self.lead = lead
        self.challenger = challenger
        self.lead_work = lead_work
        self.challenger_work = challenger_work

    PARAMETERS: ClassVar[dict[str, Constraint]] = {
        "lead": OneOf(tuple(_LEADS)),
        "challenger": OneOf(("auto", SPLIT, *_CHALLENGERS)),
        "lead_work": Number(0, open_low=True),
        "challenger_work": Number(0, open_low=True),
    }

    def warm_up(self) -> None:
        """Compile the racers' kernels once, in this process (the children inherit them)."""
        _LEADS[self.lead]().warm_up()
        if self.challenger != SPLIT:  # "auto" may pick the CP-SAT model
            _CHALLENGERS.get(self.challenger, CpSatStrategy)().warm_up()

    def run(self, problem: Problem, budget: Budget) -> Proposal:
        check("PortfolioStrategy", vars(self), self.PARAMETERS)
        lead = _LEADS[self.lead]()
        # the limit given (solve's is what its setup left: near 1 s a busy machine may tip
        # the choice, as it cuts any search this short by the clock)
        why = ""
        if budget.time_limit < ALONE_BELOW_S:
            why = f"under {ALONE_BELOW_S:g} s is too short to race"
        elif mp.current_process().daemon:  # e.g. a multiprocessing.Pool's worker
            why = "a daemonic process, such as a multiprocessing.Pool's worker, starts none"
        if why:
            alone = lead.run(problem, budget)
            note = f"portfolio: {self.lead} ran alone ({why})"
            return replace(alone, notes=(note, *alone.notes))
        remaining = budget.remaining()
        left = max(0.1, remaining - max(_MARGIN, min(_CHILD_MOST, _CHILD_SHARE * remaining)))

        def sub(**extra: Any) -> Budget:
            return Budget(
                time_limit=left,
                seed=budget.seed,
                warm_start=budget.warm_start,
                target_milli=budget.target_milli,
                **extra,
            )

        mode = self.challenger
        if mode == "auto":
            mode = "cpsat" if problem.focus_only else SPLIT
        if mode == SPLIT:
            racers = [
                _Racer(f"{self.lead} {k + 1}/2", _LEADS[self.lead](part=k, parts=2), problem, sub())
                for k in range(2)
            ]
            decide = self._shared
        else:
            challenger = _CHALLENGERS[mode](deterministic_time=self.challenger_work)
            racers = [
                _Racer(self.lead, lead, problem, sub()),
                _Racer(mode, challenger, problem, sub()),
            ]
            decide = self._race
        try:
            # this process waits on the racers: meanwhile, one greedy start (hundredths of a
            # second at CLN size, one core's tenth at 300 schools), for a limit too short
            # for either (300 schools in 2 s had no teams at all); its repair capped, so a
            # start no repair mends does not keep a racer's proof waiting
            steps = REPAIR_STEPS_PER_UNIT * problem.n_units
            start = GreedyStrategy(restarts=1, repair_steps=steps).run(
                problem, Budget(time_limit=left, seed=budget.seed)
            )
            answer = decide(racers, problem, budget)
        finally:
            for racer in racers:
                racer.stop()
        if answer.unit_team is None and all(r.failed for r in racers):
            # neither child could run (a spawned one needs an importable __main__): no race
            alone = lead.run(problem, budget)
            note = f"portfolio: {self.lead} ran alone in this process"
            return replace(alone, notes=(*answer.notes, note, *alone.notes))
        if (
            answer.unit_team is None
            and not answer.proven_infeasible
            and start.unit_team is not None
        ):
            note = "portfolio: no racer found an assignment in its time; this is the greedy start"
            return replace(start, notes=(*answer.notes, note, *start.notes))
        return answer

    def _race(self, racers: list[_Racer], problem: Problem, budget: Budget) -> Proposal:
        first, second = racers
        deadline = budget.started + budget.time_limit

        def relay(name: str, p: Progress) -> None:
            budget.report(p.objective, p.bound, f"{name}: {p.message}")

        while True:
            for racer in racers:
                racer.read(relay)
            lead_proved = first.result is not None and first.result.proven_optimal
            if lead_proved and first.work <= self.lead_work:
                return _answer(problem, first, second, "the lead proved optimality first")
            lead_past = first.done or first.work > self.lead_work
            if lead_past and second.done:
                if second.result is not None and second.result.proven_optimal:
                    return _answer(problem, second, first, "the challenger proved optimality")
                if first.done:
                    return _answer(problem, first, second, "the lead ran to its end")
            if time.perf_counter() >= deadline - _MARGIN / 2:
                _wait_for_answers(racers, relay, deadline, every=False)
                return _answer(problem, first, second, "the time limit")
            for racer in racers:
                if not racer.done:
                    racer.conn.poll(0.02)

    def _shared(self, racers: list[_Racer], problem: Problem, budget: Budget) -> Proposal:
        """Both shares of the tree to their ends (or the time limit), joined."""
        deadline = budget.started + budget.time_limit
        latest: dict[str, TracePoint] = {}

        def relay(name: str, p: Progress) -> None:
            latest[name] = TracePoint(p.elapsed_s, p.objective, p.bound)
            joint = _joint(list(latest.values()), len(racers))
            budget.report(joint.objective, joint.bound, f"{name}: {p.message}")

        while True:
            for racer in racers:
                racer.read(relay)
            if all(r.done for r in racers):
                return _joined(problem, racers)
            if time.perf_counter() >= deadline - _MARGIN / 2:
                _wait_for_answers(racers, relay, deadline, every=True)
                return _joined(problem, racers)
            for racer in racers:
                if not racer.done:
                    racer.conn.poll(0.02)


def _wait_for_answers(racers: list[_Racer], relay: Any, deadline: float, *, every: bool) -> None:
    """At the end, wait a little (at most ``_GRACE`` s and 5% of the time given, within
    the whole call's 10%) for the racers still running: the first answer (``every``
    False: a race with none yet), or every share's (so that a share a few milliseconds
    behind the other still counts). Otherwise a child late by a fraction of a second
    loses the search's work."""
    limit = deadline + min(_GRACE, _GRACE_SHARE * max(0.0, deadline - racers[0].started))

    def waiting() -> bool:
        if every:
            return not all(r.done for r in racers)
        return not any(r.result is not None for r in racers) and not all(r.done for r in racers)

    while waiting() and time.perf_counter() < limit:
        for racer in racers:
            racer.read(relay)
            if not racer.done:
                racer.conn.poll(0.02)


def _joint(points: list[TracePoint], parts: int) -> TracePoint:
    """The shares' latest points as one: the best objective, and the largest bound once
    every share has one (before, a share's bound may hold for that share alone)."""
    objectives = [p.objective for p in points if p.objective is not None]
    bounds = [p.bound for p in points if p.bound is not None]
    return TracePoint(
        max((p.time_s for p in points), default=0.0),
        max(objectives) if objectives else None,
        max(bounds) if len(bounds) == parts else None,
    )


def _joined(problem: Problem, racers: list[_Racer]) -> Proposal:
    """The shares' answers as one: the better assignment (the first share's on a tie), the
    larger bound (none if a share has none), a proof where that bound is met."""
    results = [r.result for r in racers]
    split = any(note.startswith(SHARED) for p in results if p for note in p.notes)
    work = ", ".join(f"{r.name} {r.work:.2f}" for r in racers)
    notes = [
        f"portfolio: the search tree shared out over 2 cores; work {work}"
        if split
        else f"portfolio: the search tree shared out over 2 cores, but it never split (both "
        f"made the same search, {SPLIT_FRONTIER} open nodes being the split); work {work}"
    ]
    notes += [r.failed for r in racers if r.failed]
    told = racers if split else racers[:1]  # unsplit, both say the same
    notes += [f"{r.name}: {note}" for r in told if r.result for note in r.result.notes]
    for p in results:
        if p is not None and p.proven_infeasible:  # settled at the root, the same in both
            return replace(p, notes=tuple(notes))
    found = [p for p in results if p is not None and p.unit_team is not None]
    if not found:
        return Proposal(None, notes=tuple(notes))
    values = [_objective(problem, p) for p in found]
    best = found[values.index(max(values))]
    bounds = [p.bound_milli if p is not None else None for p in results]
    bound = None if None in bounds else max(b for b in bounds if b is not None)
    proven = bound is not None and bound <= max(values)
    # the shares' traces as one, point by point in time
    points = sorted(
        ((t, k) for k, p in enumerate(results) if p is not None for t in p.trace),
        key=lambda tk: tk[0].time_s,
    )
    latest: dict[int, TracePoint] = {}
    trace = []
    for point, k in points:
        latest[k] = point
        trace.append(_joint(list(latest.values()), len(racers)))
    works = [p.work for p in results if p is not None and p.work is not None]
    return Proposal(
        unit_team=best.unit_team,
        team_focus=best.team_focus,
        bound_milli=max(values) if proven else bound,
        proven_optimal=proven,
        trace=tuple(trace),
        notes=tuple(notes),
        work=max(works) if works else None,
    )


def _answer(problem: Problem, winner: _Racer, other: _Racer, why: str) -> Proposal:
    """The winner's answer (the other's when it scores higher and the winner proved
    nothing), the smaller of the proven bounds, and what happened."""
    mine, theirs = winner.result, other.result
    notes = [f"portfolio: {winner.name} wins ({why}); work {winner.name} {winner.work:.2f}"]
    notes += [r.failed for r in (winner, other) if r.failed]
    if mine is None:
        mine, theirs = theirs, None
    if mine is None:
        return Proposal(None, notes=tuple(notes))
    challenger_better = (
        not mine.proven_optimal
        and theirs is not None
        and theirs.unit_team is not None
        and (mine.unit_team is None or _objective(problem, theirs) > _objective(problem, mine))
    )
    best = theirs if challenger_better and theirs is not None else mine
    bounds = [p.bound_milli for p in (mine, theirs) if p is not None and p.bound_milli is not None]
    trace = [*mine.trace, *(theirs.trace if theirs is not None else ())]
    return Proposal(
        unit_team=best.unit_team,
        team_focus=best.team_focus,
        bound_milli=min(bounds) if bounds else None,
        proven_optimal=best.proven_optimal,
        proven_infeasible=mine.proven_infeasible,
        trace=tuple(sorted(trace, key=lambda p: p.time_s)),
        conflicting_rules=mine.conflicting_rules,
        notes=tuple(notes) + best.notes,
        work=mine.work,
    )


def _objective(problem: Problem, proposal: Proposal) -> int:
    assert proposal.unit_team is not None
    focus = proposal.team_focus
    if focus is None:
        focus = problem.best_focus(proposal.unit_team)
    return objective_milli(problem, proposal.unit_team, focus)
