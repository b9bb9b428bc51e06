"""Proven lower bounds on repeats: no schedule under the rules can have fewer.

Notation: n people, R rounds to plan, round r has K_r rooms of sizes differing by at most
one (q_r = n_r mod K_r rooms of l_r + 1 and the rest of l_r = floor(n_r / K_r)); a pair has
*met before* when it shared a room in the history or in a round that is kept (a re-plan).
Repeats = C + the repeats of the planned rounds, where C (exact) are the repeats among the
history and kept rounds; the arguments below bound the second part, and the bound reported
is C + the largest of them.

0. **Pair count.** The planned rounds hold sum over rooms of C(size, 2) meetings, and only
   F pairs (taking part, not colleagues, not met before) can meet for the first time:
   ``LB = max(0, sum_r sum_rooms C(size, 2) - F)``. The degree bound below never gives less.
1. **Degree (per-person counting).** Person i meets at least l_r - 1 others in each round,
   one more in the rounds they sit in a larger room; of the people they meet, at most f_i
   can be new (f_i = people taking part, minus i, i's colleagues when colleagues are kept
   apart, i's authority when authorities are kept apart (``authorities_apart``), and those
   i met before). Every meeting beyond f_i is a repeat of i, each repeat
   belongs to two people, and the larger-room places (sum over r of q_r (l_r + 1)) go where
   they cost least:
   ``LB = ceil( [ sum_i max(0, b_i - f_i) + max(0, T - sum_i min(c_i, max(0, f_i - b_i))) ] / 2 )``
   with b_i = sum_r (l_r - 1), c_i = rounds with larger rooms, T = sum_r q_r (l_r + 1).
   Without history or colleagues it says that at most floor((n - 1)/(s - 1)) rounds of
   rooms of s can be repeat-free.
2. **Pigeonhole between two rounds.** A room of s people of round r, spread over the K'
   rooms of another round r', puts at least spread(s, K') pairs together twice, where
   spread(s, K) = m C(a + 1, 2) + (K - m) C(a, 2), a = floor(s/K), m = s mod K (the most even
   spread). Summed over the rooms (and symmetrically over the other round's rooms), that
   many of round r's pairs met in r'. Taking rounds in order, round r's repeats are at least
   its largest overlap with any earlier (or history, or kept) round:
   ``LB = sum over planned rounds r of max over earlier rounds r' of overlap(r, r')``.
   This is why 100 people in 8 rooms of 12-13 cannot have two repeat-free rounds.
3. **Authority pigeonhole.** The a_A people of authority A in a round share rooms with each
   other at least spread(a_A, K_r) times (whatever the side rules), but only F_A pairs of
   them (not colleagues, not met before) can be new:
   ``LB = sum over authorities A of max(0, sum_r spread(a_A,r, K_r) - F_A)``.
   It binds when one authority holds a large share of the people over many rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.breakouts.evaluate import pair_codes
from clnmatch.breakouts.model import BreakoutProblem, room_sizes

__all__ = ["BoundArgument", "RepeatBound", "spread", "repeat_lower_bound", "repeat_free_rounds"]


@dataclass(frozen=True)
class BoundArgument:
    """One counting argument: its name, the value it proves and its formula."""

    name: str
    value: int
    formula: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "formula": self.formula}


@dataclass(frozen=True)
class RepeatBound:
    """The proven lower bound on repeats: ``value`` = ``unavoidable`` + the best argument."""

    value: int
    unavoidable: int  # repeats among the history and kept rounds
    arguments: tuple[BoundArgument, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "unavoidable_from_kept_rounds": self.unavoidable,
            "arguments": [a.as_dict() for a in self.arguments],
        }


def spread(people: int, rooms: int) -> int:
    """The fewest pairs sharing a room when ``people`` go into ``rooms`` rooms."""
    if rooms <= 0 or people <= 1:
        return 0
    a, m = divmod(people, rooms)
    return m * (a + 1) * a // 2 + (rooms - m) * a * (a - 1) // 2


def _before(problem: BreakoutProblem) -> tuple[list[NDArray[np.int32]], int, NDArray[np.int64]]:
    """Partitions met before (history rounds, kept rounds), their repeats C, and the pair
    codes met before."""
    n = problem.n
    partitions: list[NDArray[np.int32]] = []
    seen = np.zeros(0, dtype=np.int64)
    for row in problem.history:
        partitions.append(row)
        seen = np.union1d(seen, pair_codes(row, n))
    unavoidable = 0
    for r in np.flatnonzero(problem.fixed):
        row = problem.fixed_rooms[r]
        partitions.append(row)
        codes = pair_codes(row, n)
        unavoidable += int(np.isin(codes, seen).sum())
        seen = np.union1d(seen, codes)
    return partitions, unavoidable, seen


def _apart_groups(problem: BreakoutProblem) -> list[tuple[NDArray[np.int32], int]]:
    """Codes (-1: none) of the groups whose people never share a room, with the sign of
    their pair count: colleagues (+), one authority (+) and both at once (-, counted twice)."""
    colleagues = problem.colleague_codes
    groups = [(colleagues, 1)]
    if problem.authorities_apart:
        authority = problem.authority
        both = np.full(problem.n, -1, dtype=np.int32)
        known = (colleagues >= 0) & (authority >= 0)
        if known.any():
            key = (
                colleagues[known].astype(np.int64) * (problem.n_authorities + 1) + authority[known]
            )
            both[known] = np.unique(key, return_inverse=True)[1]
        groups += [(authority, 1), (both, -1)]
    return groups


def _never_together(
    problem: BreakoutProblem, i: NDArray[np.int64], j: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Which pairs (i, j) can never share a room of the planned rounds."""
    colleagues = problem.colleague_codes
    apart = (colleagues[i] == colleagues[j]) & (colleagues[i] >= 0)
    if problem.authorities_apart:
        authority = problem.authority
        apart |= (authority[i] == authority[j]) & (authority[i] >= 0)
    return np.asarray(apart, dtype=np.bool_)


def _degree_bound(problem: BreakoutProblem, free: list[int], seen: NDArray[np.int64]) -> int:
    n = problem.n
    base = np.zeros(n, dtype=np.int64)
    cap = np.zeros(n, dtype=np.int64)
    larger_places = 0
    taking_part = np.zeros(n, dtype=np.bool_)
    for r in free:
        present = problem.present[r]
        people, k = int(present.sum()), int(problem.rooms[r])
        if k == 0:
            continue
        low, extra = divmod(people, k)
        base[present] += low - 1
        if extra:
            cap[present] += 1
            larger_places += extra * (low + 1)
        taking_part |= present
    others = np.where(taking_part, int(taking_part.sum()) - 1, 0).astype(np.int64)
    for codes, sign in _apart_groups(problem):
        known = (codes >= 0) & taking_part
        if known.any():
            others[known] -= sign * (np.bincount(codes[known])[codes[known]] - 1)
    if seen.size:
        i, j = seen // n, seen % n
        keep = taking_part[i] & taking_part[j] & ~_never_together(problem, i, j)
        others -= np.bincount(i[keep], minlength=n) + np.bincount(j[keep], minlength=n)
    fresh = np.maximum(others, 0)
    forced = int(np.maximum(base - fresh, 0).sum())
    room_left = int(np.minimum(cap, np.maximum(fresh - base, 0)).sum())
    forced += max(0, larger_places - room_left)
    return -(-forced // 2)


def _pair_count_bound(problem: BreakoutProblem, free: list[int], seen: NDArray[np.int64]) -> int:
    """Meetings the planned rounds hold, beyond the F pairs that can still meet for the
    first time (never above the degree bound, which splits the same count by person)."""
    n = problem.n
    meetings = 0
    for r in free:
        sizes = room_sizes(int(problem.present[r].sum()), int(problem.rooms[r]))
        meetings += sum(size * (size - 1) // 2 for size in sizes)
    taking_part: NDArray[np.bool_] = np.asarray(problem.present[free].any(axis=0), dtype=np.bool_)
    people = int(taking_part.sum())
    apart = 0
    for codes, sign in _apart_groups(problem):
        mine = codes[taking_part]
        per_group = np.bincount(mine[mine >= 0]) if (mine >= 0).any() else np.zeros(0, np.int64)
        apart += sign * int((per_group * (per_group - 1) // 2).sum())
    i, j = seen // n, seen % n
    keep = taking_part[i] & taking_part[j] & ~_never_together(problem, i, j)
    fresh = people * (people - 1) // 2 - apart - int(keep.sum())
    return max(0, meetings - fresh)


def _overlap(sizes: list[int], rooms_other: int) -> int:
    return sum(spread(s, rooms_other) for s in sizes)


def _pigeonhole_bound(
    problem: BreakoutProblem, free: list[int], partitions: list[NDArray[np.int32]]
) -> int:
    total = 0
    # the room counts of earlier free rounds, by who is present: rounds compared by pattern,
    # not pair by pair (5,000 rounds took 27 s that way)
    earlier_rooms: dict[bytes, set[int]] = {}
    for r in free:
        present = problem.present[r]
        k = int(problem.rooms[r])
        sizes = room_sizes(int(present.sum()), k)
        best = 0
        for row in partitions:
            inside = row[present]
            placed = inside[inside >= 0]
            rooms_other = (np.unique(placed).size if placed.size else 0) + int((inside < 0).sum())
            other_sizes = np.bincount(placed).tolist() if placed.size else []
            best = max(
                best,
                _overlap(sizes, rooms_other),
                sum(spread(s, k) for s in other_sizes),
            )
        seen = earlier_rooms.setdefault(present.tobytes(), set())
        for rooms in seen:
            best = max(best, _overlap(sizes, rooms))
        total += best
        seen.add(k)
    return total


def _authority_bound(problem: BreakoutProblem, free: list[int], seen: NDArray[np.int64]) -> int:
    if problem.n_authorities == 0 or not free:
        return 0
    n = problem.n
    taking_part = problem.present[free].any(axis=0)
    colleagues = problem.colleague_codes
    i, j = seen // n, seen % n
    met_apart = ~((colleagues[i] == colleagues[j]) & (colleagues[i] >= 0))
    total = 0
    for a in range(problem.n_authorities):
        mine = (problem.authority == a) & taking_part
        forced = sum(
            spread(int((problem.present[r] & mine).sum()), int(problem.rooms[r])) for r in free
        )
        if forced == 0:
            continue
        size = int(mine.sum())
        est = colleagues[mine]
        per_est = np.bincount(est[est >= 0]) if (est >= 0).any() else np.zeros(0, np.int64)
        colleague_pairs = int((per_est * (per_est - 1) // 2).sum())
        met_pairs = int((mine[i] & mine[j] & met_apart).sum())
        fresh = size * (size - 1) // 2 - colleague_pairs - met_pairs
        total += max(0, forced - fresh)
    return total


def repeat_lower_bound(problem: BreakoutProblem) -> RepeatBound:
    """The best of the counting arguments (see the module docstring), plus C."""
    partitions, unavoidable, seen = _before(problem)
    free = [int(r) for r in np.flatnonzero(~problem.fixed)]
    arguments = (
        BoundArgument(
            "pair count",
            _pair_count_bound(problem, free, seen),
            "max(0, sum_r sum_{rooms} C(size, 2) - F)",
        ),
        BoundArgument(
            "degree",
            _degree_bound(problem, free, seen),
            "ceil((sum_i max(0, b_i - f_i) + max(0, T - sum_i min(c_i, max(0, f_i - b_i)))) / 2)",
        ),
        BoundArgument(
            "pigeonhole between rounds",
            _pigeonhole_bound(problem, free, partitions),
            "sum_r max_{r' before r} sum_{rooms of r} spread(size, rooms of r')",
        ),
        BoundArgument(
            "authority pigeonhole",
            _authority_bound(problem, free, seen),
            "sum_A max(0, sum_r spread(a_A, K_r) - F_A)",
        ),
    )
    best = max(a.value for a in arguments)
    return RepeatBound(unavoidable + best, unavoidable, arguments)


def repeat_free_rounds(people: int, rooms: int, limit: int = 1000) -> int:
    """How many rounds of ``rooms`` balanced rooms the counting arguments allow without a
    repeat (no history, no colleagues): the largest R with degree and pigeonhole bound 0."""
    if rooms <= 0 or people <= 1:
        return limit
    sizes = room_sizes(people, rooms)
    if _overlap(sizes, rooms) > 0:
        return 1
    low, extra = divmod(people, rooms)
    if low <= 1 and extra == 0:
        return limit
    rounds = 1
    while rounds < limit:
        nxt = rounds + 1
        base = nxt * (low - 1)
        larger = nxt * extra * (low + 1)
        fresh = people - 1
        forced = people * max(0, base - fresh) + max(
            0, larger - people * min(nxt if extra else 0, max(0, fresh - base))
        )
        if forced > 0:
            break
        rounds = nxt
    return rounds
