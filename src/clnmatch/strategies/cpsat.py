"""The exact assignment model solved by OR-Tools CP-SAT (strategy ``"cpsat"``).

The model is ``clnmatch.cpmodel.build_model`` (every rule a constraint, the objective in
evaluate's integers); this module solves it and reads the answer. Choices, and why
(numbers: 50 units / 100 participants / 8 teams / 12 themes, 2 busy cores):

* **Infeasibility.** The main solve has no assumption literals (assumptions need a
  single worker and no objective). Only when it proves INFEASIBLE is a second,
  objective-free model built whose rules each hang on one assumption literal. CP-SAT
  returns a sufficient set, which is shrunk by deletion (drop a rule; if the rest is still
  infeasible it was not needed) into ``Proposal.conflicting_rules``.
* **Large models** (500 units / 80 teams): no probing in presolve (probing alone took the
  whole minute), and the greedy strategy's answer as a hint (single-worker CP-SAT found
  no rule-abiding assignment of a 500-unit cohort in 50 s on its own).
* **Determinism.** ``workers=1`` (default) runs one sequential search whose path is fixed
  by the model and ``random_seed``: a run that ends with a proof is reproducible. A run
  stopped by the wall clock is not; ``deterministic_time`` (or ``Budget.max_iterations``,
  one iteration = 0.01 s of deterministic time) stops on CP-SAT's deterministic clock
  instead (the wall clock still applies as a safety net). ``workers > 1`` with
  ``deterministic=True`` sets CP-SAT's ``interleave_search`` (its documented
  deterministic parallel mode); measured, it found no solution of the 50-unit blend cohort
  in 10 s, so it is not the default. ``workers=2, deterministic=False`` gave 10-15% better
  blend objectives after 10 s than one worker, but is not reproducible.
* **Warm start.** ``budget.warm_start`` (else the greedy answer, at every size) becomes a
  complete hint: every auxiliary variable is set to match, so CP-SAT accepts it as is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from ortools.sat import sat_parameters_pb2
from ortools.sat.python import cp_model

from clnmatch.cpmodel import (
    RULE_GROUPS,
    CpSatModel,
    build_model,
    canonical_labels,
    default_pair_var_limit,
    teams_symmetric,
)
from clnmatch.cpsolver import cp_solver
from clnmatch.evaluate import evaluate, objective_milli
from clnmatch.objective.cpsat import FOCUS_FORMS, PAIR_MODES, FocusForm, PairMode
from clnmatch.parameters import Constraint, Flag, Number, OneOf, Optional, Test, check
from clnmatch.problem import SCALE, Problem
from clnmatch.search.repair import warm_up as repair_warm_up
from clnmatch.strategies.base import Budget, Proposal, TracePoint, register
from clnmatch.strategies.greedy import GreedyStrategy

__all__ = [
    "RULE_GROUPS",
    "SAT_FIELDS",
    "CpSatModel",
    "CpSatStrategy",
    "FocusForm",
    "PairMode",
    "build_model",
    "canonical_labels",
    "default_pair_var_limit",
    "teams_symmetric",
]

IntArray = NDArray[np.int64]
SAT_PARAMETERS = frozenset(sat_parameters_pb2.SatParameters.DESCRIPTOR.fields_by_name)
# the model has a variable per unit and team: measured, 100,000 of them built in 2.0 s, and
# 2.5 million (5,000 establishments, 500 teams) in 107 s and 15 GB of memory; and up to
# default_pair_var_limit pair variables (40,000 and more), about 1 s of building on
# their own (300 establishments in 30 teams: 1.0-2.0 s in all, against a 0.3 s limit)
BUILD_CELLS_PER_S = 50_000
BUILD_PAIR_VARS_PER_S = 40_000
# a model whose building would take more than this share of the time left is not begun:
# the solver would have next to nothing of it
BUILD_SHARE = 0.6
MAX_MODEL_CELLS = 1_000_000


def _sat_fields(value: object) -> bool:
    return isinstance(value, Mapping) and set(value) <= SAT_PARAMETERS


# expert CP-SAT overrides, by SatParameters field name
SAT_FIELDS = Test("a mapping of CP-SAT SatParameters field names", _sat_fields)


def _int_bound(value: float) -> int:
    """An objective bound from CP-SAT (a float holding an integer) as a safe integer."""
    near = round(value)
    return int(near) if abs(value - near) < 1e-6 else math.floor(value)


# --------------------------------------------------------------------------- strategy
class _Recorder(cp_model.CpSolverSolutionCallback):
    """Keeps the best assignment by its TRUE objective and an anytime trace."""

    def __init__(self, cpm: CpSatModel, budget: Budget, slack: int, offset_s: float) -> None:
        super().__init__()
        self.cpm = cpm
        self.budget = budget
        self.slack = slack
        self.offset_s = offset_s
        self.trace: list[TracePoint] = []
        self.best: tuple[int, IntArray, IntArray] | None = None

    def take(self, solution: Sequence[int]) -> None:
        """Keep this solution if its true objective beats the best so far."""
        unit_team, focus = self.cpm.decode(solution)
        unit_team, focus, value = _best_focus(self.cpm.problem, unit_team, focus)
        if self.best is None or value > self.best[0]:
            self.best = (value, unit_team, focus)

    def on_solution_callback(self) -> None:
        self.take(self.response_proto.solution)
        assert self.best is not None
        bound = _int_bound(self.best_objective_bound) + self.slack
        t = self.offset_s + self.wall_time
        self.trace.append(TracePoint(t, self.best[0] / SCALE, bound / SCALE))
        self.budget.report(self.best[0] / SCALE, bound / SCALE, "cpsat: solution")


def _best_focus(
    problem: Problem, unit_team: IntArray, focus: IntArray
) -> tuple[IntArray, IntArray, int]:
    """The model's focus, or the best focus for these teams when that scores higher."""
    value = objective_milli(problem, unit_team, focus)
    if problem.has_focus:
        best = problem.best_focus(unit_team)
        best_value = objective_milli(problem, unit_team, best)
        if best_value > value:
            return unit_team, best, best_value
    return unit_team, focus, value


@register("cpsat")
class CpSatStrategy:
    """Exact CP-SAT model: enforces every rule, proves a bound, names conflicting rules."""

    name = "cpsat"

    def __init__(
        self,
        workers: int = 1,
        pair_terms: PairMode = "auto",
        focus_form: FocusForm = "auto",
        symmetry: bool = True,
        deterministic: bool = True,
        deterministic_time: float | None = None,
        pair_var_limit: int | None = None,
        warm_start: bool | None = None,
        log: bool = False,
        parameters: Mapping[str, object] | None = None,
    ) -> None:
        self.workers = workers
        self.pair_terms = pair_terms
        self.focus_form = focus_form
        self.symmetry = symmetry
        self.deterministic = deterministic
        self.deterministic_time = deterministic_time
        self.pair_var_limit = pair_var_limit
        self.warm_start = warm_start
        self.log = log
        self.parameters = dict(parameters or {})

    PARAMETERS: ClassVar[dict[str, Constraint]] = {
        "workers": Number(1, integer=True),
        "pair_terms": OneOf(PAIR_MODES),
        "focus_form": OneOf(FOCUS_FORMS),
        "symmetry": Flag(),
        "deterministic": Flag(),
        "deterministic_time": Optional(Number(0, open_low=True)),
        "pair_var_limit": Optional(Number(1, integer=True)),
        "warm_start": Optional(Flag()),
        "log": Flag(),
        "parameters": SAT_FIELDS,
    }

    # --- parameters --------------------------------------------------------------
    def _pair_vars(self, problem: Problem) -> int:
        """At most how many pair variables the model would have."""
        if self.pair_terms == "none" or not problem.pair_milli.any():
            return 0
        every = problem.n_units * (problem.n_units - 1) // 2 * problem.n_teams
        if self.pair_terms == "all":  # no limit
            return every
        limit = self.pair_var_limit
        if limit is None:
            limit = default_pair_var_limit(problem.n_units, problem.n_teams)
        return min(limit, every)

    def _solver(
        self, budget: Budget, time_limit: float, workers: int | None = None, large: bool = False
    ) -> cp_model.CpSolver:
        solver = cp_solver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(0.01, time_limit)
        prm.random_seed = int(budget.seed) % (2**31 - 1)
        n = self.workers if workers is None else workers
        prm.num_workers = max(1, n)
        if n > 1 and self.deterministic:
            prm.interleave_search = True
        if self.deterministic_time is not None:
            prm.max_deterministic_time = self.deterministic_time
        elif budget.max_iterations is not None:
            # the Budget's work limit: one iteration is 0.01 s of CP-SAT's deterministic clock
            prm.max_deterministic_time = budget.max_iterations / 100
        prm.log_search_progress = self.log
        if large:
            # probing a 10^5-variable model costs more than the whole budget; keep presolve light
            prm.cp_model_probing_level = 0
            prm.max_presolve_iterations = 1
        for key, value in self.parameters.items():  # expert overrides, by SatParameters name
            setattr(prm, key, value)
        return solver

    # --- run ----------------------------------------------------------------------
    def run(self, problem: Problem, budget: Budget) -> Proposal:
        check("CpSatStrategy", vars(self), self.PARAMETERS)
        notes: list[str] = []
        cells = problem.n_units * problem.n_teams
        building = cells / BUILD_CELLS_PER_S + self._pair_vars(problem) / BUILD_PAIR_VARS_PER_S
        if cells > MAX_MODEL_CELLS or building > BUILD_SHARE * budget.remaining():
            notes.append(
                f"the exact model of {problem.n_units:,} units in {problem.n_teams:,} teams "
                f"would take about {building:.1f} s to build"
                + (
                    " and more memory than a laptop has"
                    if cells > MAX_MODEL_CELLS
                    else f", most of the {budget.remaining():.1f} s left"
                )
                + ": not built (local_search scales to this size)"
            )
            return Proposal(None, notes=tuple(notes))
        t0 = budget.elapsed()
        cpm = build_model(
            problem,
            symmetry=self.symmetry,
            pair_terms=self.pair_terms,
            pair_var_limit=self.pair_var_limit,
            focus_form=self.focus_form,
        )
        notes.append(
            f"model: {len(cpm.model.proto.variables)} variables, "
            f"{len(cpm.model.proto.constraints)} constraints, built in {budget.elapsed() - t0:.2f} s; "
            f"focus form {cpm.focus_form}; pairs {cpm.pairs_modelled}/{cpm.pairs_total}; "
            f"symmetry breaking {'on' if cpm.symmetry_broken else 'off'}"
        )
        start = budget.warm_start
        if start is not None:
            notes.append("warm start: given")
        elif self.warm_start is not False:  # default: greedy's answer (measured: without
            # it one-worker CP-SAT found no blend answer for some 50-unit cohorts in 20 s)
            start = self._greedy_start(problem, budget, notes)
        if start is not None and len(start) == problem.n_units:
            cpm.hint(np.asarray(start, dtype=np.int64))

        # a little time is kept back: CP-SAT stops a moment late on a busy machine
        solver = self._solver(budget, 0.98 * budget.remaining() - 0.05, large=cpm.large)
        recorder = _Recorder(cpm, budget, cpm.excluded_positive_milli, budget.elapsed())
        status = solver.solve(cpm.model, recorder)
        notes.append(
            f"cp-sat status {solver.status_name(status)} after {solver.wall_time:.2f} s "
            f"(deterministic time {solver.deterministic_time:.2f})"
        )

        if status == cp_model.INFEASIBLE:
            rules = self.conflicting_rules(problem, budget, notes)
            return Proposal(
                None,
                proven_infeasible=True,
                conflicting_rules=rules,
                trace=tuple(recorder.trace),
                notes=tuple(notes),
            )
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(f"CP-SAT rejected the model: {cpm.model.validate()}")
        if recorder.best is None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            recorder.take(solver.response_proto.solution)  # found without a callback
        if recorder.best is None:
            if start is not None and evaluate(problem, np.asarray(start, np.int64)).feasible:
                # the start keeps every rule: the best teams known, though none better came
                notes.append("no better assignment found within the time limit: the start stands")
                return Proposal(
                    np.asarray(start, np.int64), trace=tuple(recorder.trace), notes=tuple(notes)
                )
            notes.append("no assignment found within the time limit")
            return Proposal(None, trace=tuple(recorder.trace), notes=tuple(notes))

        value, unit_team, focus = recorder.best
        # valid for the TRUE objective: the model's bound plus every left-out positive pair
        bound = _int_bound(solver.best_objective_bound) + cpm.excluded_positive_milli
        proven = value >= bound
        trace = list(recorder.trace)
        trace.append(TracePoint(budget.elapsed(), value / SCALE, bound / SCALE))
        budget.report(value / SCALE, bound / SCALE, "cpsat: done")
        if cpm.pairs_modelled < cpm.pairs_total:
            notes.append(
                f"{cpm.pairs_total - cpm.pairs_modelled} unit pairs left out of the model; "
                f"bound includes their positive weight ({cpm.excluded_positive_milli / SCALE:g})"
            )
        return Proposal(
            unit_team=unit_team,
            team_focus=focus,
            bound_milli=bound,
            proven_optimal=proven,
            trace=tuple(trace),
            notes=tuple(notes),
        )

    def warm_up(self) -> None:
        """Compile the greedy warm start's repair kernels once, outside the time limit."""
        repair_warm_up()

    def _greedy_start(self, problem: Problem, budget: Budget, notes: list[str]) -> IntArray | None:
        sub = Budget(time_limit=min(2.0, 0.1 * budget.remaining()), seed=budget.seed)
        try:
            proposal = GreedyStrategy().run(problem, sub)
        except Exception as exc:  # a failing heuristic must not stop the exact model
            notes.append(f"warm start: greedy failed ({type(exc).__name__})")
            return None
        notes.append("warm start: greedy" if proposal.unit_team is not None else "warm start: none")
        return proposal.unit_team

    # --- infeasibility ---------------------------------------------------------------
    def conflicting_rules(
        self, problem: Problem, budget: Budget, notes: list[str]
    ) -> tuple[str, ...]:
        """Rule groups that conflict: an assumption core, shrunk by deletion (other
        strategies that prove infeasibility name the rules with it too)."""
        cpm = build_model(problem, guards=True, objective=False, symmetry=self.symmetry)
        if not cpm.guards:
            return ()
        lits = {cpm.guards[r].index: r for r in cpm.guards}

        def infeasible(rules: list[str]) -> tuple[bool, list[str]]:
            cpm.model.clear_assumptions()
            cpm.model.add_assumptions([cpm.guards[r] for r in rules])
            # assumptions need one worker; a slice of the time left (at least a moment)
            solver = self._solver(budget, max(0.2, budget.remaining() / 4), workers=1)
            solver.parameters.num_workers = 1
            solver.parameters.interleave_search = False
            status = solver.solve(cpm.model)
            if status != cp_model.INFEASIBLE:
                return False, rules
            core = [lits[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in lits]
            return True, core or rules

        ordered = [r for r in RULE_GROUPS if r in cpm.guards]
        start = time.perf_counter()
        ok, core = infeasible(ordered)
        if not ok:
            notes.append("the assumption model did not confirm infeasibility in time")
            return tuple(ordered)
        core = [r for r in RULE_GROUPS if r in core]
        for rule in list(core):
            if len(core) <= 1 or budget.expired():
                break
            if rule not in core:
                continue
            trial = [r for r in core if r != rule]
            ok, smaller = infeasible(trial)
            if ok:
                core = [r for r in RULE_GROUPS if r in smaller]
        notes.append(
            f"conflicting rules {', '.join(core)} (core in {time.perf_counter() - start:.2f} s)"
        )
        return tuple(core)
