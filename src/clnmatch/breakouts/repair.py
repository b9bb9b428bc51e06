"""Why the side rules cannot hold (counting), and CP-SAT where the search leaves a breach.

``counting_diagnosis`` checks necessary conditions in numbers, instantly, for every round
(each round must meet the rules on its own, so one bad round is enough):

* colleagues apart: an establishment with more people than rooms;
* max per authority M: an authority with more than K * M people (K rooms);
* min authorities N: a room smaller than N, fewer than N authorities present, or fewer
  authority-room places than the rooms need (an authority of a people can be in at most
  min(a, K) rooms, and K rooms need N each: sum over A of min(a_A, K) >= N K);
* both authority rules: a room of s people needs s <= M * (authorities present).

``repair_round`` solves one round exactly with CP-SAT: a Boolean per (person, room), rooms
of the balanced sizes, each rule as constraints switched on by an assumption literal (so
an infeasible round names the rules in conflict, from
``sufficient_assumptions_for_infeasibility``), and as objective the pairs sharing a room
who met in another round or the history (weighted n + 1) plus the people moved from the
round as it was. The model has people x rooms Booleans, so it is only built up to
``MAX_CELLS`` of them (480 people in 80 rooms: 38,400).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from clnmatch.breakouts.evaluate import pair_codes
from clnmatch.breakouts.model import BreakoutProblem, room_sizes
from clnmatch.wording import plural

__all__ = ["MAX_CELLS", "Diagnosis", "counting_diagnosis", "repair_round"]

MAX_CELLS = 60_000
_MAX_PAIR_CELLS = 400_000  # (pairs met before) x rooms beyond which repeats are left out
IntArray = NDArray[np.int32]


@dataclass(frozen=True)
class Diagnosis:
    """Rules that cannot all hold, and the numbers that show it."""

    rules: tuple[str, ...]
    messages: tuple[str, ...] = field(default=())
    proven_by: str = "counting"

    def __str__(self) -> str:
        return "\n".join(self.messages)

    def message(self) -> str:
        """The whole text, as solve's diagnosis gives it (a script reads either the same way)."""
        return f"The rules cannot all be met.\n{self}"

    def as_dict(self) -> dict[str, object]:
        return {
            "rules": list(self.rules),
            "messages": list(self.messages),
            "proven_by": self.proven_by,
            "message": self.message(),
        }


def counting_diagnosis(problem: BreakoutProblem) -> Diagnosis | None:
    """The first round whose rules fail a counting condition, explained; None if none does."""
    seen: set[tuple[int, ...]] = set()
    for r in np.flatnonzero(~problem.fixed):
        present = problem.present[r]
        key = tuple(np.flatnonzero(present).tolist()) + (int(problem.rooms[r]),)
        if key in seen:
            continue
        seen.add(key)
        found = _round_conditions(problem, int(r), present)
        if found:
            names = tuple(dict.fromkeys(rule for rule, _ in found))
            return Diagnosis(names, tuple(message for _, message in found))
    return None


def _round_conditions(
    problem: BreakoutProblem, r: int, present: NDArray[np.bool_]
) -> list[tuple[str, str]]:
    rules = problem.rules
    k = int(problem.rooms[r])
    people = int(present.sum())
    where = f" (round {r + 1})" if problem.fixed.any() or not problem.present.all() else ""
    found: list[tuple[str, str]] = []
    if k < 1:
        return [("room_sizes", f"no room can be formed for {people} people{where}")]
    smallest, largest = people // k, -(-people // k)
    if rules.colleagues_apart:
        est = problem.establishment[present]
        if (est >= 0).any():
            counts = np.bincount(est[est >= 0])
            worst = int(counts.argmax())
            if counts[worst] > k:
                name = _establishment_name(problem, worst)
                found.append(
                    (
                        "colleagues_apart",
                        f"establishment {name} has {counts[worst]} people but there "
                        f"{'is' if k == 1 else 'are'} only {plural(k, 'room')}, so two "
                        f"colleagues must share a room{where}",
                    )
                )
    auth = problem.authority[present]
    counts = np.bincount(auth[auth >= 0], minlength=problem.n_authorities)
    cap = rules.max_per_authority
    if cap is not None:
        for a in np.flatnonzero(counts > k * cap):
            found.append(
                (
                    "max_per_authority",
                    f"{problem.authority_names[a]} has {counts[a]} people but at most "
                    f"{k * cap} fit in {plural(k, 'room')} under max-per-authority {cap}{where}",
                )
            )
        authorities = int((counts > 0).sum())
        if smallest > cap * authorities:
            found.append(
                (
                    "max_per_authority",
                    f"rooms of {_span(smallest, largest)} people need more than "
                    f"{plural(cap, 'person', 'people')} of some "
                    f"authority: only {plural(authorities, 'authority', 'authorities')} "
                    f"{'takes' if authorities == 1 else 'take'} part{where}",
                )
            )
    need = rules.min_authorities
    if need > 1:
        if smallest < need:
            found.append(
                (
                    "min_authorities",
                    f"rooms of {_span(smallest, min(largest, need - 1))} people cannot hold "
                    f"{need} authorities{where}",
                )
            )
        authorities = int((counts > 0).sum())
        if authorities < need:
            found.append(
                (
                    "min_authorities",
                    f"only {plural(authorities, 'authority', 'authorities')} "
                    f"{'takes' if authorities == 1 else 'take'} part but every "
                    f"room needs {need}{where}",
                )
            )
        places = int(np.minimum(counts, k).sum())
        if authorities >= need and places < need * k:
            found.append(
                (
                    "min_authorities",
                    f"{k} rooms need {need} authorities each ({need * k} authority places) but "
                    f"the authorities can fill at most {places} (an authority of n people can be "
                    f"in at most n rooms, and in at most {k}){where}",
                )
            )
    return found


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def _establishment_name(problem: BreakoutProblem, code: int) -> str:
    for person, est in zip(problem.roster.people, problem.establishment, strict=True):
        if est == code:
            return person.establishment_id
    return str(code)  # pragma: no cover


def repair_round(
    problem: BreakoutProblem,
    schedule: IntArray,
    r: int,
    *,
    time_limit: float,
    seed: int,
) -> tuple[IntArray | None, Diagnosis | None]:
    """Round r re-solved by CP-SAT: (new row, None), (None, diagnosis) when proven
    impossible, or (None, None) when the model is too large or time ran out."""
    from ortools.sat.python import cp_model

    from clnmatch.cpsolver import cp_solver

    present = np.flatnonzero(problem.present[r])
    k = int(problem.rooms[r])
    if present.size * k > MAX_CELLS or time_limit <= 0:
        return None, None
    model = cp_model.CpModel()
    x = {(int(i), room): model.new_bool_var(f"x{i}_{room}") for i in present for room in range(k)}
    for i in present:
        model.add_exactly_one(x[int(i), room] for room in range(k))
    for room, size in enumerate(room_sizes(present.size, k)):
        model.add(sum(x[int(i), room] for i in present) == size)
    guards: dict[str, Any] = {}
    rules = problem.rules

    def guard(name: str) -> Any:
        if name not in guards:
            guards[name] = model.new_bool_var(name)
        return guards[name]

    groups = _members_by(problem.colleague_codes, present) if rules.colleagues_apart else {}
    for members in groups.values():
        if len(members) > 1:
            for room in range(k):
                model.add(sum(x[i, room] for i in members) <= 1).only_enforce_if(
                    guard("colleagues_apart")
                )
    by_authority = _members_by(problem.authority, present)
    if rules.max_per_authority is not None:
        for members in by_authority.values():
            for room in range(k):
                model.add(
                    sum(x[i, room] for i in members) <= rules.max_per_authority
                ).only_enforce_if(guard("max_per_authority"))
    if rules.min_authorities > 1:
        for room in range(k):
            here = []
            for a, members in by_authority.items():
                y = model.new_bool_var(f"y{a}_{room}")
                model.add_bool_or([x[i, room] for i in members]).only_enforce_if(y)
                here.append(y)
            model.add(sum(here) >= rules.min_authorities).only_enforce_if(guard("min_authorities"))
    model.add_assumptions(list(guards.values()))
    objective = []
    current = schedule[r]
    for i in present:
        if 0 <= current[i] < k:
            objective.append(x[int(i), int(current[i])].Not())
            model.add_hint(x[int(i), int(current[i])], True)
    met = _met_elsewhere(problem, schedule, r)
    if met.size * k <= _MAX_PAIR_CELLS:
        weight = present.size + 1
        for code in met.tolist():
            i, j = divmod(code, problem.n)
            if problem.present[r, i] and problem.present[r, j]:
                z = model.new_bool_var(f"z{i}_{j}")
                for room in range(k):
                    model.add_bool_or([x[i, room].Not(), x[j, room].Not(), z])
                objective += [z] * weight
    model.minimize(sum(objective))
    solver = cp_solver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        row = np.full(problem.n, -1, dtype=np.int32)
        for (person, room), var in x.items():
            if solver.value(var):
                row[person] = room
        return row, None
    if status == cp_model.INFEASIBLE:
        core = solver.sufficient_assumptions_for_infeasibility()
        names = tuple(sorted(n for n, v in guards.items() if v.index in core))
        names = names or tuple(sorted(guards)) or ("room_sizes",)
        message = (
            f"CP-SAT proved that no split of round {r + 1} into {k} rooms meets "
            f"{' and '.join(names)} together"
        )
        return None, Diagnosis(names, (message,), proven_by="CP-SAT")
    return None, None


def _members_by(codes: IntArray, present: NDArray[np.int64]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i in present:
        if codes[i] >= 0:
            groups.setdefault(int(codes[i]), []).append(int(i))
    return groups


def _met_elsewhere(problem: BreakoutProblem, schedule: IntArray, r: int) -> NDArray[np.int64]:
    codes = [pair_codes(row, problem.n) for row in problem.history]
    codes += [pair_codes(row, problem.n) for q, row in enumerate(schedule) if q != r]
    return np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
