"""Repeat-free schedules from combinatorial designs, built where the sizes fit.

A *golf schedule* for g groups of s players over w rounds is an int array ``(w, g*s)``
holding each player's group (0-based) per round; it is *repeat-free* when no two players
share a group twice. The constructions, each proven repeat-free by design theory (and
checked again by ``is_repeat_free`` in the tests):

* **Affine geometry AG(d, q)** (q a prime power): the q^d points, grouped by the lines of
  one direction, give a round; the (q^d - 1)/(q - 1) directions give that many rounds of
  q^(d-1) groups of q. Two points lie on exactly one line, so nobody meets twice, and every
  player meets all q^d - 1 others: the counting bound floor((n-1)/(s-1)) is reached. d = 2
  is the affine plane (Kirkman's 3-3-4 is AG(2, 3)); AG(3, 3) gives 9-3-13.
* **Transversal design from mutually orthogonal Latin squares** (MacNeish): for g groups of
  s with s <= the smallest prime-power factor of g, players are pairs (i, y), i < s, y in
  the ring R = GF(q1) x ... x GF(qm) of order g; in round a (a in R) player (i, y) goes to
  group y - a * x_i, with x_i = (i, i, ..., i). Two players (i, y), (j, z) with i != j share
  a group only in round a = (y - z) / (x_i - x_j) (a unit), and players of one row i never
  do: g repeat-free rounds. When s divides g, the rows themselves (g players each) can be
  scheduled as g/s groups of s, recursively, adding those rounds: with s = g this is the
  affine plane's last parallel class, and 8-4 gets 8 + 1 = 9 rounds.
* **Kirkman triple systems KTS(2m + 1), m = 1 (mod 6)**, by the difference method: points
  Z_m x {0, 1} plus one fixed point; a base round (a *starter*, found by a small exact
  search) whose pure and mixed differences cover Z_m* exactly once is developed by adding
  x in Z_m: m rounds, all pairs met exactly once (5-3-7, Kirkman's schoolgirls, is m = 7;
  m = 13 and 19 give 9-3-13 and 13-3-19; larger m are left to the search).
* **Round robin** (the circle method): 2k players in pairs, 2k - 1 rounds.
* **Order 10**: MacNeish's ring gives one Latin square of order 10; a stored orthogonal
  pair gives 10-10-4 and a resolvable TD(3, 10) (10-3-10) repeat-free.
* **Order 12**: MacNeish's ring gives two Latin squares; a stored (12, 6, 1) difference
  matrix over Z2 x Z6 gives five (12-12-7) and resolvable TD(s, 12) for s <= 6 (12-6-13
  with the rows' round).
* **Truncated squares**: g groups of s < g from the first s rows of the Latin squares'
  grid (columns and symbols: k squares give k + 1 rounds), where no transversal design
  takes groups that large (12 rooms of 7-11: 6 rounds).

More players than a design has points (99 people in 8 rooms: no design of 8 groups of 12
or 13) are seated on a smaller design's points, two on some (``clumped_construction``).

Projective planes PG(2, q) are not used directly: any two of their lines meet, so no set of
disjoint lines covers the points and they give no rounds; their resolvable relative is the
affine plane (a projective plane minus one line), built above.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.breakouts.fields import MAX_ORDER, galois_field, prime_power, product_ring

__all__ = [
    "Construction",
    "affine_geometry",
    "transversal_design",
    "kirkman_difference",
    "round_robin",
    "latin_squares",
    "truncated_squares",
    "difference_matrix_of_order_12",
    "one_round",
    "best_construction",
    "padded_construction",
    "clumped_construction",
    "is_repeat_free",
]

IntArray = NDArray[np.int32]
KIRKMAN_UP_TO = 39  # the starter search takes about a second at 39 players; more is not tried


@dataclass(frozen=True)
class Construction:
    """A repeat-free golf schedule and the design it came from."""

    name: str
    groups: int
    size: int
    schedule: IntArray  # (rounds, groups * size): group of each player per round

    @property
    def rounds(self) -> int:
        return int(self.schedule.shape[0])


def is_repeat_free(schedule: IntArray) -> bool:
    """Whether no two players share a group in two rounds (-1 = absent)."""
    seen: set[tuple[int, int]] = set()
    for row in schedule:
        groups: dict[int, list[int]] = {}
        for player, group in enumerate(row.tolist()):
            if group >= 0:
                groups.setdefault(group, []).append(player)
        for members in groups.values():
            for pair in itertools.combinations(members, 2):
                if pair in seen:
                    return False
                seen.add(pair)
    return True


# ------------------------------------------------------------------------ affine geometry
def affine_geometry(q: int, dimension: int = 2) -> Construction:
    """AG(dimension, q): rounds = directions, groups = parallel lines of q points."""
    field = galois_field(q)
    points = list(itertools.product(range(q), repeat=dimension))
    index = {p: i for i, p in enumerate(points)}
    # one direction per projective point: first nonzero coordinate 1
    directions = [p for p in points if any(p) and p[next(i for i, c in enumerate(p) if c)] == 1]
    schedule = np.empty((len(directions), len(points)), dtype=np.int32)
    for r, v in enumerate(directions):
        pivot = next(i for i, c in enumerate(v) if c)
        lines: dict[tuple[int, ...], int] = {}
        for p in points:
            t = p[pivot]  # the point of p's line whose pivot coordinate is 0
            base = tuple(int(field.sub(p[i], int(field.mul[t, v[i]]))) for i in range(dimension))
            schedule[r, index[p]] = lines.setdefault(base, len(lines))
    return Construction(f"affine geometry AG({dimension},{q})", q ** (dimension - 1), q, schedule)


# ------------------------------------------------- two orthogonal Latin squares of order 10
# MacNeish gives order 10 (= 2 x 5) one Latin square; a pair exists (Parker, 1959). This pair
# was found for clnmatch by a search (a random Latin square, then 10 disjoint transversals
# by CP-SAT, in 4 s) and is checked in the tests: every cell's pair of symbols differs.
_ORDER_10 = (
    "3602417958 5287369104 2865143097 4198025763 1953786420 "
    "0426578319 8371290645 6719804532 9540632871 7034951286",
    "0123456789 3072891465 6541283907 2768049351 9405132678 "
    "5986704213 1650927834 7839610542 8214375096 4397568120",
)


def orthogonal_pair_of_order_10() -> tuple[IntArray, IntArray]:
    """Two orthogonal Latin squares of order 10, as (10, 10) arrays of symbols 0-9."""
    a, b = (
        np.array([[int(d) for d in row] for row in square.split()], dtype=np.int32)
        for square in _ORDER_10
    )
    return a, b


def _order_10_rounds(size: int) -> IntArray | None:
    """A resolvable transversal design TD(size, 10), size <= 3, from the pair: the
    orthogonal array of columns (c, A, B) over the cells (r, c); round r puts player
    (i, y) in the group of the cell (r, c) whose i-th column holds y."""
    if not 1 <= size <= 3:
        return None
    a, b = orthogonal_pair_of_order_10()
    cells = np.arange(10, dtype=np.int32)
    columns: list[IntArray] = [np.tile(cells, (10, 1)), a, b][:size]
    schedule = np.empty((10, size * 10), dtype=np.int32)
    for r in range(10):
        for i, column in enumerate(columns):
            # symbol y of column i sits in the cell (r, c) with column[r, c] == y
            schedule[r, i * 10 + column[r]] = cells
    return schedule


# ------------------------------------------ a difference matrix of order 12: five MOLS
# MacNeish gives order 12 (4 x 3) two Latin squares; a (12, 6, 1) difference matrix over
# Z2 x Z6 (one exists: Hanani, 1975) gives five. This one was found for clnmatch by CP-SAT
# (row 0 and column 0 fixed to 0, every two rows' differences all distinct; 4.5 s) and is
# checked in the tests. Element (a, b) of Z2 x Z6 is written 6a + b.
_ORDER_12 = (
    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
    (0, 9, 3, 2, 7, 6, 10, 5, 1, 11, 4, 8),
    (0, 6, 1, 11, 2, 8, 4, 10, 9, 3, 5, 7),
    (0, 4, 7, 1, 11, 9, 3, 8, 2, 5, 6, 10),
    (0, 8, 11, 4, 10, 3, 5, 9, 7, 6, 2, 1),
)


def difference_matrix_of_order_12() -> tuple[IntArray, IntArray, IntArray]:
    """The stored (12, 6, 1) difference matrix (6, 12) with Z2 x Z6's addition table and
    negation: for any two rows, the 12 differences of their columns are all of the group."""
    element = np.arange(12)
    a, b = element // 6, element % 6
    add = 6 * ((a[:, None] + a[None, :]) % 2) + (b[:, None] + b[None, :]) % 6
    neg = 6 * a + (-b) % 6
    return np.array(_ORDER_12, np.int32), add.astype(np.int32), neg.astype(np.int32)


def _order_12_rounds(size: int) -> IntArray | None:
    """A resolvable TD(size, 12), size <= 6, from the difference matrix M: round c puts
    player (i, y) in group y - M[i, c]; two players (i, y), (j, z) meet only in the round
    whose column has M[i, c] - M[j, c] = y - z."""
    if not 1 <= size <= 6:
        return None
    m, add, neg = difference_matrix_of_order_12()
    y = np.arange(12)
    schedule = np.empty((12, size * 12), dtype=np.int32)
    for c in range(12):
        schedule[c] = add[y[None, :], neg[m[:size, c]][:, None]].reshape(-1)
    return schedule


# --------------------------------------------------------------------- transversal design
def _transversal_rounds(groups: int, size: int) -> IntArray | None:
    """The ``groups`` rounds of the MOLS construction, or None when the sizes do not fit."""
    if groups < 2 or groups > MAX_ORDER or size < 1:
        return None
    if groups == 10 and size == 3:  # MacNeish's ring gives pairs only; the stored pair more
        return _order_10_rounds(size)
    if groups == 12 and size > 3:  # MacNeish's ring gives three; the difference matrix six
        return _order_12_rounds(size)
    ring = product_ring(groups)
    if size > ring.unit_spread:
        return None
    x = np.array([ring.diagonal(i) for i in range(size)], dtype=np.int64)
    y = np.arange(groups, dtype=np.int64)
    schedule = np.empty((groups, size * groups), dtype=np.int32)
    for a in range(groups):
        # player i * groups + y goes to group y - a * x_i
        ax = ring.mul[a, x]  # (size,)
        schedule[a] = ring.add[y[None, :], ring.neg[ax][:, None]].reshape(-1)
    return schedule


def transversal_design(groups: int, size: int, rounds: int | None = None) -> Construction | None:
    """Mutually orthogonal Latin squares as a schedule, plus row rounds when size | groups."""
    base = _transversal_rounds(groups, size)
    if base is None:
        return None
    name = f"transversal design TD({size},{groups}) from MOLS"
    if rounds is not None and base.shape[0] >= rounds:
        return Construction(name, groups, size, base[:rounds])
    extra = None
    if groups % size == 0:
        row = best_construction(groups // size, size)
        if row is not None:
            # every row (i fixed) is scheduled alike; its groups are numbered row by row
            per_row = groups // size
            extra = np.concatenate(
                [row.schedule + i * per_row for i in range(size)], axis=1
            ).astype(np.int32)
            name += f" + rows as {row.name}"
    schedule = base if extra is None else np.concatenate([base, extra])
    if rounds is not None:
        schedule = schedule[:rounds]
    return Construction(name, groups, size, schedule)


# ---------------------------------------------------------------- Kirkman triple systems
def _kirkman_starter(m: int, node_limit: int = 200_000) -> list[tuple[int, ...]] | None:
    """Base blocks on Z_m x {0, 1} minus the zeros (point = level * m + z) whose pure and
    mixed differences each cover Z_m* exactly once; None if the search gives up."""
    points = [level * m + z for level in (0, 1) for z in range(1, m)]
    free = set(points)
    used: list[set[int]] = [set(), set(), set()]  # pure 0, pure 1, mixed (level 1 - level 0)
    blocks: list[tuple[int, ...]] = []
    nodes = 0

    def differences(block: tuple[int, ...]) -> list[tuple[int, int]] | None:
        found: list[tuple[int, int]] = []
        for a, b in itertools.combinations(block, 2):
            (la, za), (lb, zb) = divmod(a, m), divmod(b, m)
            if la == lb:
                kinds = [(la, (za - zb) % m), (la, (zb - za) % m)]
            else:
                low, high = (za, zb) if la == 0 else (zb, za)
                kinds = [(2, (high - low) % m)]
            for kind in kinds:
                if kind[1] == 0 or kind[1] in used[kind[0]] or kind in found:
                    return None
                found.append(kind)
        return found

    def search() -> bool:
        nonlocal nodes
        if not free:
            return True
        nodes += 1
        if nodes > node_limit:
            return False
        first = min(free)
        rest = sorted(free - {first})
        for b, c in itertools.combinations(rest, 2):
            block = (first, b, c)
            diffs = differences(block)
            if diffs is None:
                continue
            for kind, d in diffs:
                used[kind].add(d)
            free.difference_update(block)
            blocks.append(block)
            if search():
                return True
            blocks.pop()
            free.update(block)
            for kind, d in diffs:
                used[kind].discard(d)
        return False

    return blocks if search() else None


def kirkman_difference(players: int) -> Construction | None:
    """A Kirkman triple system on ``players`` = 2m + 1 (m = 1 mod 6) by the difference method."""
    if players % 2 == 0 or (players - 1) // 2 % 6 != 1 or players > KIRKMAN_UP_TO:
        return None
    m = (players - 1) // 2
    starter = _kirkman_starter(m)
    if starter is None:  # pragma: no cover - found for every m the constructions ask for
        return None
    infinity = 2 * m
    schedule = np.empty((m, players), dtype=np.int32)
    for x in range(m):
        schedule[x, infinity] = 0
        schedule[x, x] = 0  # (x, level 0) and (x, level 1) sit with the fixed point
        schedule[x, m + x] = 0
        for g, block in enumerate(starter, start=1):
            for point in block:
                level, z = divmod(point, m)
                schedule[x, level * m + (z + x) % m] = g
    return Construction(
        f"Kirkman triple system KTS({players}) by differences", players // 3, 3, schedule
    )


# --------------------------------------------------------------------------- round robin
def round_robin(players: int) -> Construction | None:
    """The circle method: ``players`` (even) in pairs for players - 1 rounds."""
    if players < 2 or players % 2:
        return None
    k = players - 1
    schedule = np.empty((k, players), dtype=np.int32)
    for r in range(k):
        schedule[r, k] = 0
        schedule[r, r] = 0
        for i in range(1, players // 2):
            schedule[r, (r + i) % k] = i
            schedule[r, (r - i) % k] = i
    return Construction(f"round robin (circle method) on {players}", players // 2, 2, schedule)


# ------------------------------------------------------------------------- Latin squares
def latin_squares(order: int) -> Construction | None:
    """``order`` groups of ``order``: rows, columns and the MacNeish Latin squares' symbols.

    Players are cells (r, c) of R x R (R the product ring of order ``order``); round "rows"
    groups by r, round "columns" by c, and for each a = (k, ..., k), 0 < k < min(qi), a
    round groups by r + a * c. Two such a differ by a unit, so two cells share a group in
    at most one round: min(qi) + 1 rounds (order + 1, the affine plane, when order is a
    prime power; 3 for order 6, where Euler's 36 officers show no more is possible; 4 for
    order 10, from the stored orthogonal pair; 7 for order 12, from the stored difference
    matrix).
    """
    if order < 2 or order > MAX_ORDER:
        return None
    ring = product_ring(order)
    r = np.repeat(np.arange(order), order)
    c = np.tile(np.arange(order), order)
    rounds = [r, c]
    for k in range(1, ring.unit_spread):
        a = ring.diagonal(k)
        rounds.append(ring.add[r, ring.mul[a, c]])
    if order == 10:  # the stored pair: two squares where MacNeish gives one
        rounds = [
            r,
            c,
            *[np.asarray(sq, np.int64).reshape(-1) for sq in orthogonal_pair_of_order_10()],
        ]
    if order == 12:  # the difference matrix: square i holds M[i, r] + c, five squares
        m, add, _ = difference_matrix_of_order_12()
        rounds = [r, c, *[add[m[i, r], c] for i in range(1, 6)]]
    name = f"{len(rounds) - 2} mutually orthogonal Latin squares of order {order}"
    return Construction(name, order, order, np.array(rounds, dtype=np.int32))


def truncated_squares(groups: int, size: int) -> Construction | None:
    """``groups`` groups of ``size`` < ``groups``: the Latin squares' cells of the first
    ``size`` rows. Each column and each symbol of a square holds one cell per row, so both
    give groups of ``size``, and two cells still share a group at most once: the squares'
    rounds bar the row round (order 12: 6 rounds for rooms of 7 to 11)."""
    if not 2 <= size < groups:
        return None
    squares = latin_squares(groups)
    if squares is None or squares.rounds < 3:
        return None
    schedule = squares.schedule[1:, : size * groups]  # cells (r, c) row by row: r < size
    name = f"{squares.name}, {size} rows of its {groups}"
    return Construction(name, groups, size, np.ascontiguousarray(schedule))


def one_round(groups: int, size: int) -> Construction:
    """Any split into groups is repeat-free for one round."""
    schedule = (np.arange(groups * size, dtype=np.int32) // size)[None, :]
    return Construction("one round", groups, size, schedule)


# -------------------------------------------------------------------------------- choice
def _builders(groups: int, size: int) -> list[Callable[[], Construction | None]]:
    """The constructions that may fit g groups of s, cheapest first."""
    n = groups * size
    builders: list[Callable[[], Construction | None]] = []
    if size == 2:
        builders.append(lambda: round_robin(n))
    if prime_power(size) is not None and size <= MAX_ORDER:
        dimension, total = 2, size * size
        while total < n:
            total *= size
            dimension += 1
        if total == n:
            builders.append(lambda: affine_geometry(size, dimension))
    if groups == size:
        builders.append(lambda: latin_squares(groups))
    builders.append(lambda: transversal_design(groups, size))
    if size < groups:
        builders.append(lambda: truncated_squares(groups, size))
    if size == 3:
        builders.append(lambda: kirkman_difference(n))
    return builders


def best_construction(groups: int, size: int, rounds: int | None = None) -> Construction | None:
    """The construction with the most repeat-free rounds for g groups of s (cut to ``rounds``).

    Stops at the first that reaches ``rounds`` or the counting bound floor((n-1)/(s-1));
    one round (any split) always exists. None only for sizes out of range.
    """
    if groups < 1 or size < 1 or groups * size > 1 << 16:
        return None
    n = groups * size
    limit = 1 if size == 1 or groups == 1 else (n - 1) // (size - 1)
    enough = limit if rounds is None else min(rounds, limit)
    best = one_round(groups, size)
    if limit > 1:
        for build in _builders(groups, size):
            found = build()
            if found is not None and found.rounds > best.rounds:
                best = found
            if best.rounds >= enough:
                break
    if rounds is not None and best.rounds > rounds:
        best = Construction(best.name, best.groups, best.size, best.schedule[:rounds])
    return best


def padded_construction(players: int, rooms: int, rounds: int) -> Construction | None:
    """Repeat-free rounds for ``players`` in ``rooms`` rooms whose sizes differ by at most one.

    With players = rooms * s the design is used as it is. Otherwise the design for
    rooms * ceil(players / rooms) players is built and d "dummy" players are left out; the
    rounds kept are those where the dummies sit in d different rooms (every room then
    loses at most one player). Dummies are tried as the first d players (a row of the
    transversal design, apart in all its MOLS rounds) and as part of a group of each round.
    """
    if rooms < 1 or players < rooms:
        return None
    size = -(-players // rooms)
    design = best_construction(rooms, size)
    if design is None:
        return None
    dummies = rooms * size - players
    if dummies == 0:
        schedule = design.schedule[:rounds]
        return Construction(design.name, rooms, size, schedule)
    options = [np.arange(dummies)]
    for row in design.schedule[: min(design.rounds, 8)]:
        options.append(np.flatnonzero(row == row[0])[:dummies])
    best: IntArray | None = None
    for dummy in options:
        if len(dummy) < dummies:
            continue
        keep = [
            r
            for r in range(design.rounds)
            if len(set(design.schedule[r, dummy].tolist())) == dummies
        ]
        if best is None or len(keep) > best.shape[0]:
            kept = np.delete(design.schedule[keep], dummy, axis=1)
            best = kept
    if best is None or best.shape[0] == 0:
        return None
    left = f"{dummies} place{'s' if dummies != 1 else ''} left empty"
    return Construction(f"{design.name}, {left}", rooms, size, best[:rounds])


def clumped_construction(
    players: int, rooms: int, rounds: int, balanced: int, seconds: float = 2.0
) -> Construction | None:
    """Rounds for more players than a design of ``rooms`` groups has points, two or more
    on a point.

    The largest design of ``rooms`` groups of s < players / rooms with two or more rounds
    (P = rooms * s points) seats b = players // P players on each point and one more on
    m = players - b * P of them. Players of one point share its room every round, and
    any other two meet at most once (as the points do): with P < players < 2P,
    m * (rounds - 1) repeats, which is what counting allows when people outnumber the
    design (99 people in 8 rooms over 8 rounds: AG(2, 8) and 245 repeats). The m points
    are chosen so that in the first
    ``balanced`` rounds (or all the design has) every room seats floor or ceil of
    players / rooms: along a further round of the design whose groups meet every room of
    those once (an affine plane's spare direction, a transversal design's rows), whole
    groups of it first, which balances them all at once; else by CP-SAT within
    ``seconds``, or along the last round, one round fewer. The last round returned is
    that further one, perhaps uneven: a home class only (``solver._design_start``).
    None when no design fits or nothing balances.
    """
    if rooms < 2 or players < 2 * rooms:
        return None
    for size in range((players - 1) // rooms, 1, -1):
        points = rooms * size
        design = best_construction(rooms, size, rounds)
        if design is not None and design.rounds >= 2:
            break
    else:
        return None
    # each point seats ``base`` players, and ``extra`` of them one more (400 people on
    # AG(2, 7)'s 49 points, 8 or 9 a point: 15,435 repeats after 10 s of search, where the
    # search from greedy rounds kept 22,164)
    base, extra = divmod(players, points)
    even = min(balanced, design.rounds)
    chosen = _seconds_along(design.schedule, even, rooms, extra)
    if chosen is None and even == design.rounds:  # no spare round: CP-SAT, or one round less
        chosen = _seconds_seats(design.schedule, rooms, extra, seconds)
        if chosen is None and even > 2:
            even -= 1
            chosen = _seconds_along(design.schedule, even, rooms, extra)
    if chosen is None:
        return None
    seat_of = np.concatenate([np.tile(np.arange(points), base), np.sort(chosen)])  # -> point
    schedule = design.schedule[: even + 1][:, seat_of]
    if base == 1:
        name = f"{design.name}, {extra} of its {points} points seating two"
    elif extra == 0:
        name = f"{design.name}, each of its {points} points seating {base}"
    else:
        name = (
            f"{design.name}, {extra} of its {points} points seating {base + 1}, the others {base}"
        )
    return Construction(name, rooms, -(-players // rooms), schedule)


def _seconds_along(
    schedule: IntArray, even: int, rooms: int, extra: int
) -> NDArray[np.int64] | None:
    """``extra`` points balanced over the rooms of the first ``even`` rounds, taken along
    round ``even`` (whole groups of it, then part of one), or None when that round is
    missing or its groups do not meet every room of those rounds once."""
    if even >= schedule.shape[0]:
        return None
    chosen = np.argsort(schedule[even], kind="stable")[:extra]
    counts = np.stack([np.bincount(row[chosen], minlength=rooms) for row in schedule[:even]])
    return chosen if counts.max() - counts.min() <= 1 else None


def _seconds_seats(
    rows: IntArray, rooms: int, extra: int, seconds: float
) -> NDArray[np.int64] | None:
    """``extra`` points such that every room of ``rows`` holds floor or ceil of
    extra / rooms of them (CP-SAT, a fixed amount of work but at most ``seconds``), or
    None when none is found."""
    from ortools.sat.python import cp_model

    from clnmatch.cpsolver import cp_solver

    model = cp_model.CpModel()
    seat = [model.new_bool_var(f"p{p}") for p in range(rows.shape[1])]
    model.add(sum(seat) == extra)
    low, high = extra // rooms, -(-extra // rooms)
    for row in rows:
        for room in range(rooms):
            model.add_linear_constraint(
                sum(seat[p] for p in np.flatnonzero(row == room).tolist()), low, high
            )
    solver = cp_solver()  # Ctrl+C stays a KeyboardInterrupt
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = 2.0  # work: one answer per input
    solver.parameters.max_time_in_seconds = seconds  # and no more than the run can spare
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([p for p in range(len(seat)) if solver.value(seat[p])], dtype=np.int64)
