"""THE scoring and rule checking of breakout schedules: every strategy, the CLI, the report
and the benchmarks judge a schedule here.

Repeats: the sum over pairs of people of the times they met beyond the first, where a
pair that shared a room in the history counts as having met once already. Counted in
round order it is the number of (pair, round) meetings whose pair had met before (in the
history or an earlier round), which is also how ``repeats_by_round`` splits it.

Hard rules (each breach named by rule, round and room, 1-based):
``one_room_each_round`` (every person taking part is in one room 1..K of the round, nobody
else is), ``room_sizes`` (every room used, sizes within one), ``min_authorities``,
``max_per_authority`` and ``colleagues_apart``.

Soft aims, as the search scores them: ``sector_same_pairs`` (pairs sharing a room and a
sector, fewer = better mix) and ``shared_interest_pairs`` (per room and theme, pairs who
both rate the theme >= 4, more = better). ``violation`` is the search's hard-rule measure
(per room: missing authorities + people beyond the per-authority cap + colleague pairs).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.breakouts.model import BreakoutProblem

__all__ = ["RULES", "Breach", "ScheduleEvaluation", "evaluate_schedule", "pair_codes"]

RULES = (
    "one_room_each_round",
    "room_sizes",
    "min_authorities",
    "max_per_authority",
    "colleagues_apart",
)

IntArray = NDArray[np.int32]


@dataclass(frozen=True)
class Breach:
    """One broken hard rule in one room (or round) of a schedule; numbers are 1-based."""

    rule: str
    round: int
    room: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "round": self.round, "room": self.room, "message": self.message}


@dataclass(frozen=True)
class ScheduleEvaluation:
    """Everything known about a schedule: repeats, breaches and the soft aims."""

    repeats: int
    repeats_by_round: tuple[int, ...]
    times_met: dict[int, int]  # times a pair met (history counting once) -> pairs
    new_contacts: NDArray[np.int64]  # per person: people met here and not in the history
    breaches: tuple[Breach, ...]
    violation: int
    sector_same_pairs: int
    shared_interest_pairs: int
    mean_authorities_per_room: float
    mean_sectors_per_room: float

    @property
    def feasible(self) -> bool:
        return not self.breaches

    def rule_checks(self) -> dict[str, dict[str, object]]:
        """Per rule: ``ok`` and the number of breaches."""
        counts = Counter(b.rule for b in self.breaches)
        return {rule: {"ok": counts[rule] == 0, "breaches": counts[rule]} for rule in RULES}


def pair_codes(row: IntArray, n: int) -> NDArray[np.int64]:
    """Codes i * n + j (i < j) of the pairs sharing a room in one round (-1 = absent)."""
    present = np.flatnonzero(row >= 0)
    if present.size < 2:
        return np.zeros(0, dtype=np.int64)
    order = present[np.argsort(row[present], kind="stable")]
    rooms = row[order]
    starts = np.flatnonzero(np.r_[True, rooms[1:] != rooms[:-1]])
    sizes = np.diff(np.r_[starts, rooms.size])
    width = int(sizes.max())
    table = np.full((starts.size, width), -1, dtype=np.int64)
    slot = np.arange(rooms.size) - np.repeat(starts, sizes)
    table[np.repeat(np.arange(starts.size), sizes), slot] = order
    codes = []
    for a in range(width):
        for b in range(a + 1, width):
            ok = table[:, b] >= 0
            i, j = table[ok, a], table[ok, b]
            codes.append(np.minimum(i, j) * n + np.maximum(i, j))
    return np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)


def _pairs_within(counts: NDArray[np.int64]) -> int:
    return int((counts * (counts - 1) // 2).sum())


def _round_breaches(
    problem: BreakoutProblem, r: int, row: IntArray
) -> tuple[list[Breach], int, int, int, list[int], list[int]]:
    """Breaches of round r, its violation measure, soft scores and per-room label counts."""
    breaches: list[Breach] = []
    k = int(problem.rooms[r])
    present = problem.present[r]
    shown = r + 1
    placed = (row >= 0) & (row < k)
    for wrong, what in (
        (present & ~placed, f"people taking part have no room 1..{k}"),
        (~present & (row >= 0), "people not taking part are placed"),
    ):
        who = np.flatnonzero(wrong)
        if who.size:
            ids = ", ".join(problem.roster.people[i].id for i in who[:5])
            message = f"{who.size} {what} (e.g. {ids})"
            breaches.append(Breach("one_room_each_round", shown, None, message))
    inside = present & placed
    sizes = np.bincount(row[inside], minlength=k)[:k] if k else np.zeros(0, dtype=np.int64)
    if k and (sizes.min() == 0 or sizes.max() - sizes.min() > 1):
        breaches.append(
            Breach(
                "room_sizes",
                shown,
                None,
                f"room sizes run from {sizes.min()} to {sizes.max()}; they must differ by at "
                "most one and no room may be empty",
            )
        )
    violation = sector_same = shared = 0
    authorities_seen: list[int] = []
    sectors_seen: list[int] = []
    rules = problem.rules
    cap = problem.max_per_authority
    colleagues = problem.colleague_codes
    for room in range(k):
        members = np.flatnonzero(inside & (row == room))
        auth = problem.authority[members]
        auth_counts = np.bincount(auth[auth >= 0], minlength=problem.n_authorities)
        distinct = int((auth_counts > 0).sum())
        authorities_seen.append(distinct)
        sec = problem.sector[members]
        sec_counts = np.bincount(sec[sec >= 0], minlength=problem.n_sectors)
        sectors_seen.append(int((sec_counts > 0).sum()))
        sector_same += _pairs_within(sec_counts)
        shared += _pairs_within(problem.interested[members].sum(axis=0).astype(np.int64))
        if rules.min_authorities > 1 and distinct < rules.min_authorities:
            violation += rules.min_authorities - distinct
            breaches.append(
                Breach(
                    "min_authorities",
                    shown,
                    room + 1,
                    f"{distinct} authorities; at least {rules.min_authorities} are needed",
                )
            )
        over = np.flatnonzero(auth_counts > cap)
        for a in over:
            violation += int(auth_counts[a]) - cap
            breaches.append(
                Breach(
                    "max_per_authority",
                    shown,
                    room + 1,
                    f"{auth_counts[a]} people of {problem.authority_names[a]}; at most {cap}",
                )
            )
        est = colleagues[members]
        est_counts = np.bincount(est[est >= 0]) if (est >= 0).any() else np.zeros(0, np.int64)
        together = _pairs_within(est_counts.astype(np.int64))
        if together:
            violation += together
            shared_est = [
                problem.roster.people[i].establishment_id for i in members if colleagues[i] >= 0
            ]
            named = sorted({e for e in shared_est if shared_est.count(e) > 1})
            breaches.append(
                Breach(
                    "colleagues_apart",
                    shown,
                    room + 1,
                    f"colleagues of {', '.join(named[:3])} share the room",
                )
            )
    return breaches, violation, sector_same, shared, authorities_seen, sectors_seen


def evaluate_schedule(problem: BreakoutProblem, schedule: IntArray) -> ScheduleEvaluation:
    """Score ``schedule`` (rounds x people, room 0-based or -1) against ``problem``."""
    schedule = np.asarray(schedule)
    if schedule.shape != problem.present.shape:
        raise ValueError(
            f"a schedule of shape {problem.present.shape} (rounds, people) is needed; "
            f"got {schedule.shape}"
        )
    n, n_rounds = problem.n, len(schedule)
    history = [pair_codes(row, n) for row in problem.history]
    history_codes = np.unique(np.concatenate(history)) if history else np.zeros(0, np.int64)
    counted: list[NDArray[np.int64]] = []
    breaches: list[Breach] = []
    violation = sector_same = shared = 0
    authorities: list[int] = []
    sectors: list[int] = []
    for r, row in enumerate(schedule):
        row = row.astype(np.int32)
        clean = np.where(problem.present[r] & (row < problem.rooms[r]), row, -1).astype(np.int32)
        counted.append(pair_codes(clean, n))
        found = _round_breaches(problem, r, row)
        breaches += found[0]
        violation += found[1]
        sector_same += found[2]
        shared += found[3]
        authorities += found[4]
        sectors += found[5]
    # one sort of every meeting by (pair, round): each but a pair's first is a repeat, in its
    # round (history's pairs come first, as round -1; a pair meets once a round)
    every = np.concatenate([history_codes, *counted]) if counted else history_codes
    when = np.repeat(np.arange(-1, n_rounds), [history_codes.size, *(c.size for c in counted)])
    order = np.lexsort((when, every))
    pairs, rounds = every[order], when[order]
    first = np.r_[True, pairs[1:] != pairs[:-1]] if pairs.size else np.zeros(0, dtype=bool)
    by_round = np.bincount(rounds[~first], minlength=n_rounds).tolist() if n_rounds else []
    times = np.diff(np.r_[np.flatnonzero(first), pairs.size])
    times_met = Counter(times.tolist())
    new_codes = pairs[first & (rounds >= 0)]  # met in these rounds, never in history
    contacts = np.bincount(new_codes // n, minlength=n) + np.bincount(new_codes % n, minlength=n)
    return ScheduleEvaluation(
        repeats=sum(by_round),
        repeats_by_round=tuple(by_round),
        times_met=dict(sorted(times_met.items())),
        new_contacts=contacts.astype(np.int64),
        breaches=tuple(breaches),
        violation=violation,
        sector_same_pairs=sector_same,
        shared_interest_pairs=shared,
        mean_authorities_per_room=float(np.mean(authorities)) if authorities else 0.0,
        mean_sectors_per_room=float(np.mean(sectors)) if sectors else 0.0,
    )
