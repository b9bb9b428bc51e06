"""The tail of the flow, once: from a strategy's proposal to a checked, certified answer.

* ``judge(problem, proposal)``: the evaluator's verdict on a unit assignment, with the
  bound and the status it earns (``clnmatch mdgp``, the research harness, and below);
* ``finish_solve(...)``: a cohort's ``Result`` from a proposal: practitioner ids, the
  facilitator allocation (with what is left of the time limit), ``check`` of every hard
  rule, the status, and a bound (the strategy's proof, or the quick relaxation of
  ``clnmatch.bounds`` where it proves none or a weaker one);
* ``result_from_assignment(...)``: a cohort's ``Result`` from a practitioner assignment
  (a peer's, or a saved folder's perhaps edited by hand) with a known bound.

A returned assignment is never passed on when the evaluator finds a breach in it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.bounds import relaxation_bound_milli
from clnmatch.cohort_summary import COLUMNS_OF, parts_lacking
from clnmatch.diagnose import diagnose
from clnmatch.diagnosis import Diagnosis
from clnmatch.errors import InfeasibleError
from clnmatch.evaluate import Evaluation, check, check_built, evaluate
from clnmatch.facilitators import AllocationNotFound, allocate_facilitators
from clnmatch.models import Cohort, Rules
from clnmatch.problem import SCALE, ObjectiveWeights, Problem
from clnmatch.proposal import Proposal
from clnmatch.result import Result, Statistics, Status
from clnmatch.trace import TracePoint
from clnmatch.wording import first_few

__all__ = ["Judged", "finish_solve", "judge", "result_from_assignment"]

IntArray = NDArray[np.int64]
RELAXATION_NOTE = (
    "bound: a relaxation that keeps only team sizes (each establishment's best focus and "
    "strongest possible team mates); see clnmatch.bounds"
)


@dataclass(frozen=True)
class Judged:
    """The evaluator's verdict on a proposal of one problem."""

    evaluation: Evaluation
    bound_milli: int | None  # never below the assignment's own objective
    status: Status
    notes: tuple[str, ...] = ()  # a strategy's proof set aside, and why

    @property
    def bound(self) -> float | None:
        return None if self.bound_milli is None else self.bound_milli / SCALE


def status_for(
    feasible: bool, objective_milli: int, bound_milli: int | None, proven: bool
) -> Status:
    """``breaches`` unless every rule holds; ``optimal`` when proven or the bound is met."""
    if not feasible:
        return Status.BREACHES
    if proven or (bound_milli is not None and bound_milli <= objective_milli):
        return Status.OPTIMAL
    return Status.FEASIBLE


def credible(proposal: Proposal, objective_milli: int) -> tuple[int | None, bool, tuple[str, ...]]:
    """The proposal's bound and claim of optimality, unless its bound is below its own
    assignment's score, which no bound can be (it holds for every assignment): then
    neither, and a note says so; a claim of optimality needs a bound its answer meets. A
    strategy of a researcher's own claimed 'optimal' with a bound of 0.001 under teams
    worth 99.6, with none, or with one 29% above them, and was believed."""
    bound = proposal.bound_milli
    if bound is None and proposal.proven_optimal:  # a proof is a bound the answer meets
        note = (
            "the strategy claims its answer is optimal but gives no bound: the claim is set aside"
        )
        return None, False, (note,)
    if bound is not None and bound > objective_milli and proposal.proven_optimal:
        note = (  # a researcher's strategy said 'optimal' beside a gap of 29%, and was believed
            f"the strategy claims its answer is optimal but its bound ({bound / SCALE:g}) is above "
            f"its answer's score ({objective_milli / SCALE:g}): the claim is set aside"
        )
        return bound, False, (note,)
    if bound is None or bound >= objective_milli:
        return bound, proposal.proven_optimal, ()
    note = (
        f"the strategy's bound ({bound / SCALE:g}) is below its own answer's score "
        f"({objective_milli / SCALE:g}), which no bound can be: its bound and proof are set aside"
    )
    return None, False, (note,)


def judge(problem: Problem, proposal: Proposal) -> Judged:
    """Evaluate a proposal that has an assignment: breaches, objective, bound, status."""
    assert proposal.unit_team is not None
    evaluation = evaluate(problem, proposal.unit_team, proposal.team_focus)
    bound, proven, notes = credible(proposal, evaluation.objective_milli)
    status = status_for(evaluation.feasible, evaluation.objective_milli, bound, proven)
    return Judged(evaluation, bound, status, notes)


def finish_solve(
    cohort: Cohort,
    rules: Rules,
    problem: Problem,
    proposal: Proposal,
    *,
    strategy: str,
    seed: int,
    started: float,
    weights: ObjectiveWeights,
    allocation_s: float,
    notes: Sequence[str] = (),
) -> Result:
    """A cohort's result from a proposal with an assignment (see the module docstring).

    ``allocation_s`` is the time the facilitator allocation may take; ``started`` the
    ``perf_counter`` instant the call began (for ``runtime_s``).
    """
    assert proposal.unit_team is not None
    statistics = Statistics(proposal.trace)

    def result(status: Status, **fields: object) -> Result:
        return Result(
            status=status,
            cohort=cohort,
            rules=rules,
            objective_name=weights.name,
            strategy=strategy,
            seed=int(seed),
            runtime_s=time.perf_counter() - started,
            objective_weights=weights,
            statistics=statistics,
            **fields,  # type: ignore[arg-type]
        )

    unit_team = np.asarray(proposal.unit_team, dtype=np.int64)
    establishment_team = {uid: int(unit_team[i]) + 1 for i, uid in enumerate(problem.unit_ids)}
    assignment = {p.id: establishment_team[p.establishment_id] for p in cohort.practitioners}

    def breaking(evaluation: Evaluation) -> Result:  # never passed on, its breaches named
        said = f"strategy {strategy!r} returned an assignment that breaks rules: "
        return result(
            Status.UNKNOWN, evaluation=evaluation, notes=(said + evaluation.summary_line(),)
        )

    if not ((unit_team >= 0) & (unit_team < problem.n_teams)).all():  # the allocation raised
        return breaking(check_built(problem, cohort, rules, assignment))
    focus_index = (
        proposal.team_focus if proposal.team_focus is not None else problem.best_focus(unit_team)
    )
    team_focus = {t + 1: cohort.themes[int(k)] for t, k in enumerate(focus_index) if int(k) >= 0}
    try:
        allocation = allocate_facilitators(
            cohort,
            rules,
            unit_team,
            [team_focus.get(t + 1) for t in range(rules.teams)],
            # what is left, no more: out of time it keeps the first allocation found (or
            # its greedy one), so a short --time-limit is not overrun by a second here
            time_limit=max(0.1, allocation_s),
        )
    except (InfeasibleError, AllocationNotFound) as exc:  # none exists, or none found
        if not evaluate(problem, unit_team, proposal.team_focus).feasible:
            # the teams break a rule (every school in one: "no facilitator may support
            # more than 10"): the evaluator's words, not the allocation's
            return breaking(check_built(problem, cohort, rules, assignment))
        proven = not (counted := diagnose(problem, cohort, rules)).feasible_by_arithmetic
        if proven:
            found = getattr(exc, "diagnosis", None)
            diagnosis = counted.merged(found) if isinstance(found, Diagnosis) else counted
            return result(Status.INFEASIBLE, diagnosis=diagnosis)
        # these teams cannot be facilitated, which proves nothing of other teams (a re-match
        # keeps the teams it is given; the allocation may run out of time), so no "cannot be
        # met" (the counting checks' diagnosis)
        return result(
            Status.UNKNOWN,
            diagnosis=counted,
            notes=(
                f"The facilitators could not be allocated to the teams found ({exc}); "
                "other teams may allow it (smaller ones, so that two fit one facilitator's "
                "load), or more facilitators"
                + (", or a longer time limit" if isinstance(exc, AllocationNotFound) else ""),
            ),
        )
    links = tuple(allocation.links)
    evaluation = check_built(
        problem, cohort, rules, assignment, links if cohort.facilitators else None, team_focus
    )
    if not evaluation.feasible:
        return breaking(evaluation)
    # the strategy's proof, else (or when tighter) a quick relaxation: a gap is always shown
    relaxation = relaxation_bound_milli(problem)
    proved, proven, set_aside = credible(proposal, evaluation.objective_milli)
    bound_milli = relaxation if proved is None else min(proved, relaxation)
    all_notes = (*notes, *proposal.notes, *set_aside, *_parts_left_out(cohort, weights))
    if bound_milli == relaxation and proved != relaxation:
        all_notes += (RELAXATION_NOTE,)
    status = status_for(True, evaluation.objective_milli, bound_milli, proven)
    return result(
        status,
        assignment=assignment,
        team_focus=team_focus,
        facilitator_links=links,
        evaluation=evaluation,
        bound=max(bound_milli, evaluation.objective_milli) / SCALE,
        allocation=allocation,
        notes=all_notes,
    )


def result_from_assignment(
    cohort: Cohort,
    rules: Rules,
    assignment: Mapping[str, int],
    links: Sequence[tuple[str, int]] | None,
    *,
    objective: str | ObjectiveWeights = "blend",
    team_focus: Mapping[int, str] | None = None,
    bound: float | None = None,
    strategy: str = "saved",
    seed: int = 0,
    runtime_s: float = 0.0,
    trace: Sequence[TracePoint] = (),
    notes: Sequence[str] = (),
) -> Result:
    """A cohort's result from a practitioner assignment and facilitator links; ``bound`` (a
    bound of every rule-abiding assignment, e.g. saved with the result) gives the status."""
    evaluation = check(
        cohort,
        rules,
        assignment,
        links if cohort.facilitators else None,
        team_focus=team_focus or None,
        objective=objective,
    )
    bound_milli = None if bound is None else round(bound * SCALE)
    status = status_for(evaluation.feasible, evaluation.objective_milli, bound_milli, False)
    focus = (
        dict(team_focus)
        if team_focus
        else {ts.team: ts.focus for ts in evaluation.teams if ts.focus is not None}
    )
    weights = objective if isinstance(objective, ObjectiveWeights) else None
    return Result(
        status=status,
        cohort=cohort,
        rules=rules,
        objective_name=weights.name if weights is not None else str(objective),
        strategy=strategy,
        seed=seed,
        runtime_s=runtime_s,
        assignment=dict(assignment),
        team_focus=focus,
        facilitator_links=tuple(links or ()),
        evaluation=evaluation,
        bound=bound,
        statistics=Statistics(tuple(trace)),
        notes=tuple(notes),
        objective_weights=weights,
    )


def _parts_left_out(cohort: Cohort, weights: ObjectiveWeights) -> list[str]:
    """A note for each weighted part of the score left out because establishments lack its
    column: some of them (49 of 50 with an SIMD quintile: the mix was dropped unsaid), or
    all of them when the weights are a caller's own."""
    out = []
    weight = {"the SIMD mix": weights.simd_mix, "travel": weights.travel}
    for part, needs, lacking in parts_lacking(cohort):
        column = f"{needs} ({COLUMNS_OF[needs]})"
        # a survey without the column at all is said to a caller who weighted it on purpose
        # (custom weights), not to every blend of a survey that has none
        every = len(lacking) == len(cohort.establishments)
        if not weight[part] or (every and weights.name != "custom"):
            continue
        if every:
            out.append(f"{part} is not in the score: no establishment has a {column}")
            continue
        shown = first_few([f"{e.id} ({e.name})" for e in lacking], 5)
        out.append(
            f"{part} is not in the score: {len(lacking)} of {len(cohort.establishments)} "
            f"establishments have no {column}: {shown}; give each establishment one "
            "to count it"
        )
    return out
