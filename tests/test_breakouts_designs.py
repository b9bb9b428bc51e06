"""Finite fields and the repeat-free designs: each checked by the independent checker."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_breakouts_checker import check_schedule

from clnmatch.breakouts.designs import (
    affine_geometry,
    best_construction,
    clumped_construction,
    difference_matrix_of_order_12,
    is_repeat_free,
    kirkman_difference,
    latin_squares,
    orthogonal_pair_of_order_10,
    padded_construction,
    round_robin,
    transversal_design,
)
from clnmatch.breakouts.fields import galois_field, prime_power, product_ring
from clnmatch.errors import InvalidParameterError


def _golf_check(schedule: np.ndarray, groups: int) -> int:
    """Repeats by the independent checker; fails the test on a broken rule."""
    ids = [str(p) for p in range(schedule.shape[1])]
    rounds = [{ids[p]: int(g) for p, g in enumerate(row)} for row in schedule]
    checked = check_schedule(
        rounds, expected=[set(ids)] * len(rounds), rooms_per_round=[groups] * len(rounds)
    )
    assert checked.broken == set()
    return checked.repeats


@pytest.mark.parametrize("q", [2, 3, 4, 5, 7, 8, 9, 16, 25, 27, 32, 49, 64, 81])
def test_galois_field_tables_satisfy_the_field_axioms(q):
    """GF(q): addition and multiplication are commutative, associative, distributive, and
    every nonzero element has an inverse."""
    f = galois_field(q)
    elements = np.arange(q)
    assert (f.add == f.add.T).all() and (f.mul == f.mul.T).all()
    assert (f.add[0] == elements).all() and (f.mul[1] == elements).all()
    for a in range(1, q):
        assert f.mul[a, f.inv[a]] == 1
        assert sorted(f.mul[a]) == list(range(q))  # no zero divisors
    rng = np.random.default_rng(q)
    a, b, c = rng.integers(0, q, (3, 500))
    assert (f.mul[a, f.add[b, c]] == f.add[f.mul[a, b], f.mul[a, c]]).all()
    assert (f.add[a, f.add[b, c]] == f.add[f.add[a, b], c]).all()
    assert (f.mul[a, f.mul[b, c]] == f.mul[f.mul[a, b], c]).all()


def test_prime_powers_and_bad_orders():
    """Prime powers are recognised; a non-prime-power order is refused by name."""
    assert prime_power(64) == (2, 6) and prime_power(81) == (3, 4) and prime_power(12) is None
    with pytest.raises(InvalidParameterError, match="'q' parameter of galois_field"):
        galois_field(12)
    ring = product_ring(12)
    assert ring.unit_spread == 3 and sorted(ring.factors) == [3, 4]


@pytest.mark.parametrize(("q", "d"), [(2, 3), (3, 2), (3, 3), (4, 2), (5, 2), (7, 2), (4, 3)])
def test_affine_geometry_meets_everyone_once(q, d):
    """AG(d, q): (q^d - 1)/(q - 1) rounds, and every pair meets exactly once."""
    design = affine_geometry(q, d)
    n = q**d
    assert design.rounds == (n - 1) // (q - 1)
    assert _golf_check(design.schedule, design.groups) == 0
    pairs = {
        frozenset(p)
        for row in design.schedule
        for g in range(design.groups)
        for p in itertools.combinations(np.flatnonzero(row == g).tolist(), 2)
    }
    assert len(pairs) == n * (n - 1) // 2


def test_kirkman_schoolgirls_fixture():
    """Kirkman's 15 schoolgirls (5-3-7) come out of the difference method: 7 days, every
    pair of girls walks together exactly once."""
    design = kirkman_difference(15)
    assert design is not None and design.rounds == 7 and design.groups == 5
    assert _golf_check(design.schedule, 5) == 0
    met = {
        frozenset(p)
        for row in design.schedule
        for g in range(5)
        for p in itertools.combinations(np.flatnonzero(row == g).tolist(), 2)
    }
    assert len(met) == 105
    assert kirkman_difference(21) is None  # 21 = 2 * 10 + 1, and 10 is not 1 mod 6


@pytest.mark.parametrize(
    ("groups", "size", "rounds"),
    [
        (8, 4, 9),
        (12, 3, 16),
        (6, 6, 3),
        (12, 12, 7),
        (12, 6, 13),
        (12, 5, 12),
        (12, 8, 6),
        (12, 11, 6),
        (10, 7, 3),
        (7, 7, 8),
        (25, 4, 25),
        (16, 4, 21),
    ],
)
def test_best_construction_reaches_the_known_rounds(groups, size, rounds):
    """The constructions give at least these repeat-free rounds (8-4-9 needs the row
    round on top of the 8 MOLS rounds; order 6 has only one Latin square; order 12 five,
    from the stored difference matrix, where MacNeish gives two; rooms of 7 to 11 in 12
    rooms take the squares' first rows, 6 rounds, where they had one)."""
    design = best_construction(groups, size)
    assert design is not None and design.rounds >= rounds
    assert _golf_check(design.schedule, groups) == 0


def test_transversal_design_needs_small_rooms_and_round_robin_pairs():
    """A TD needs size <= the smallest prime-power factor; round robin pairs 2k players."""
    assert transversal_design(20, 5) is None  # 20 = 4 * 5: at most 4 per group
    assert transversal_design(20, 4) is not None
    rr = round_robin(10)
    assert rr is not None and rr.rounds == 9 and _golf_check(rr.schedule, 5) == 0
    ls = latin_squares(10)  # the stored orthogonal pair: 4 rounds (MacNeish gave 3)
    assert ls is not None and ls.rounds == 4 and _golf_check(ls.schedule, 10) == 0


def test_the_stored_squares_of_order_10_are_an_orthogonal_pair():
    """Each is a Latin square, and their cells hold all 100 pairs of symbols: so 10-10-4
    and 10-3-10 are repeat-free (4 repeats and more before, where 0 are possible)."""
    a, b = orthogonal_pair_of_order_10()
    for square in (a, b):
        assert all(sorted(line) == list(range(10)) for line in (*square, *square.T))
    assert len(set(zip(a.reshape(-1).tolist(), b.reshape(-1).tolist(), strict=True))) == 100
    td = transversal_design(10, 3)
    assert td is not None and td.rounds == 10 and _golf_check(td.schedule, 10) == 0


def test_the_stored_matrix_of_order_12_is_a_difference_matrix():
    """Every two rows' differences hold each element of Z2 x Z6 once (so 12-12-7, 12-6-13
    and 12-5-12 are repeat-free: 110 repeats and more before, where 0 are possible)."""
    m, add, neg = difference_matrix_of_order_12()
    assert m.shape == (6, 12)
    for table in (add, add.T):  # a group: each row of its table a permutation
        assert all(sorted(line) == list(range(12)) for line in table.tolist())
    assert (add[np.arange(12), neg] == 0).all()
    for i, j in itertools.combinations(range(6), 2):
        assert sorted(add[m[i], neg[m[j]]].tolist()) == list(range(12))


@settings(max_examples=40, deadline=None)
@given(groups=st.integers(1, 30), size=st.integers(1, 9), rounds=st.integers(1, 12))
def test_every_construction_is_repeat_free_with_full_groups(groups, size, rounds):
    """Whatever the sizes, best_construction returns full groups and no repeat."""
    design = best_construction(groups, size, rounds)
    assert design is not None and 1 <= design.rounds <= rounds
    assert design.schedule.shape[1] == groups * size
    for row in design.schedule:
        assert (np.bincount(row, minlength=groups) == size).all()
    assert is_repeat_free(design.schedule)


@settings(max_examples=30, deadline=None)
@given(players=st.integers(4, 200), rooms=st.integers(2, 40))
def test_padded_constructions_keep_sizes_within_one(players, rooms):
    """Left-out places never leave two rooms differing by more than one."""
    design = padded_construction(players, rooms, 10)
    if design is None:
        return
    for row in design.schedule:
        sizes = np.bincount(row, minlength=rooms)
        assert sizes.min() >= 1 and sizes.max() - sizes.min() <= 1
    assert is_repeat_free(design.schedule)


@settings(max_examples=25, deadline=None)
@given(rooms=st.sampled_from([3, 4, 5, 7, 8, 9]), spread=st.floats(0.05, 0.95),
       rounds=st.integers(2, 10))  # fmt: skip
def test_clumped_constructions_repeat_only_on_shared_points(rooms, spread, rounds):
    """Two people on one point meet every round, any two others at most once (the
    independent checker counts (rounds - 1) per shared point), and every round returned
    but the last (a home class) holds rooms within one person of each other."""
    size = {3: 3, 4: 4, 5: 5, 7: 7, 8: 8, 9: 9}[rooms]  # the affine planes' own sizes
    points = rooms * size
    players = points + max(1, int(spread * (points - 1)))
    design = clumped_construction(players, rooms, rounds, rounds - 1)
    if design is None:
        return
    assert design.schedule.shape[1] == players and design.rounds <= rounds
    even = design.rounds - 1  # the last round is a home class only, perhaps uneven
    for row in design.schedule[:even]:
        sizes = np.bincount(row, minlength=rooms)
        assert sizes.max() - sizes.min() <= 1
    columns = [tuple(column) for column in design.schedule.T.tolist()]
    shared = players - len(set(columns))  # points seating two
    for a, b in itertools.combinations(range(players), 2):
        together = int((design.schedule[:, a] == design.schedule[:, b]).sum())
        assert together == design.rounds if columns[a] == columns[b] else together <= 1
    assert _golf_check(design.schedule[:even], rooms) == shared * (even - 1)


@settings(max_examples=20, deadline=None)
@given(rooms=st.sampled_from([3, 4, 5, 7]), per_point=st.floats(2.0, 6.0),
       rounds=st.integers(2, 8))  # fmt: skip
def test_clumped_constructions_seat_several_on_a_point(rooms, per_point, rounds):
    """400 people in 7 rooms over 8 rounds had no design (three on a point was refused)
    and the search from greedy rounds kept 22,164 repeats; AG(2, 7) with 8 or 9 a point
    gives about 15,000. People of one point meet every round, any two others at most
    once, and every round but the last is within one person a room."""
    points = rooms * rooms  # the affine planes' own sizes
    players = int(per_point * points)
    design = clumped_construction(players, rooms, rounds, rounds - 1)
    if design is None:
        return
    assert design.schedule.shape[1] == players
    even = design.rounds - 1
    for row in design.schedule[:even]:
        sizes = np.bincount(row, minlength=rooms)
        assert sizes.max() - sizes.min() <= 1
    columns = [tuple(column) for column in design.schedule.T.tolist()]
    on_point = Counter(columns)
    for a, b in itertools.combinations(range(players), 2):
        together = int((design.schedule[:, a] == design.schedule[:, b]).sum())
        assert together == design.rounds if columns[a] == columns[b] else together <= 1
    pairs = sum(k * (k - 1) // 2 for k in on_point.values())
    assert _golf_check(design.schedule[:even], rooms) == pairs * (even - 1)


def test_a_clumped_construction_seats_400_people_in_7_rooms():
    """The tester's webinar of 400 in 7 rooms over 8 rounds: AG(2, 7), 8 or 9 a point."""
    design = clumped_construction(400, 7, 9, 8)
    assert design is not None and "AG(2,7)" in design.name and design.rounds == 8
    assert "8 of its 49 points seating 9, the others 8" in design.name
    for row in design.schedule[:7]:
        assert set(np.bincount(row).tolist()) <= {57, 58}


def test_clumped_construction_seats_the_cln_webinar():
    """99 people in 8 rooms over 8 rounds: AG(2, 8) with 35 points seating two, rooms of
    12 or 13 in every round, 245 repeats: the counting bound (nothing fewer exists)."""
    design = clumped_construction(99, 8, 9, 8)
    assert design is not None and design.rounds == 9 and "AG(2,8)" in design.name
    for row in design.schedule[:8]:
        assert set(np.bincount(row).tolist()) <= {12, 13}
    assert _golf_check(design.schedule[:8], 8) == 35 * 7
    assert clumped_construction(12, 8, 5, 4) is None  # fewer than two a room
    # every round of AG(2, 16) asked for: no spare to balance along, so CP-SAT (or one
    # round fewer, along the last); whichever, the rounds before the last are even
    design = clumped_construction(300, 16, 18, 17, seconds=1.0)
    assert design is not None and design.rounds >= 16
    for row in design.schedule[:-1]:
        assert set(np.bincount(row).tolist()) <= {18, 19}
