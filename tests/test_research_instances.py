"""MDGPLIB / CCPLIB readers, checked against published assignments and proven optima."""

from __future__ import annotations

import numpy as np
import pytest

from clnmatch.evaluate import evaluate
from clnmatch.research import read_best_known, read_instance, read_solution

# the 'i j d' lines of every pair of 4 elements, each of weight 1
PAIRS_OF_4 = "".join(f"{i} {j} 1.0\n" for i in range(4) for j in range(i + 1, 4))


def test_proven_small_optima_reproduced(shared_benchmarks):
    """Every exhaustively proven optimum (n = 10, 12) is reproduced by reader + evaluator."""
    mdgp = shared_benchmarks / "mdgplib"
    best = read_best_known(mdgp / "bks.csv")
    checked = 0
    for solution in sorted((mdgp / "solutions_exact").glob("*.txt")):
        name = solution.stem
        instance = next(mdgp.glob(f"*/{name}.txt"))
        problem = read_instance(instance)
        evaluation = evaluate(problem, read_solution(solution, problem.n_units))
        assert evaluation.feasible, (name, evaluation.breaches)
        assert evaluation.objective == pytest.approx(best[name].value, abs=1e-3), name
        assert best[name].proven
        checked += 1
    assert checked == 12


def test_published_tpsdp_assignments_reproduced(shared_benchmarks):
    """The published TPSDP best solutions evaluate to their best-known values (to 1e-3 per pair)."""
    mdgp = shared_benchmarks / "mdgplib"
    best = read_best_known(mdgp / "bks.csv")
    for solution in sorted((mdgp / "solutions_tpsdp").glob("*_n120_*_new.txt"))[:6]:
        name = solution.stem.removesuffix("_new")
        problem = read_instance(next(mdgp.glob(f"*/{name}.txt")))
        evaluation = evaluate(problem, read_solution(solution, problem.n_units))
        assert evaluation.feasible, (name, evaluation.breaches)
        assert evaluation.objective == pytest.approx(best[name].value, abs=0.01), name


def test_ds_header_gives_per_group_bounds(shared_benchmarks):
    """A 'ds' header gives each group its own size interval."""
    problem = read_instance(shared_benchmarks / "mdgplib/Geo/Geo_n010_ds_01.txt")
    assert problem.team_min.tolist() == [5, 4] and problem.team_max.tolist() == [6, 5]
    assert problem.pair_milli[0, 1] == 185882 and problem.pair_milli[1, 0] == 185882


def test_ccp_weights_bound_group_weight(shared_benchmarks):
    """CCP node weights become unit weights; L/U bound the weight of each group."""
    problem = read_instance(shared_benchmarks / "ccplib/RanReal240/RanReal240_01.txt")
    assert problem.n_units == 240 and problem.n_teams == 12
    assert problem.team_min[0] == 75 and problem.team_max[0] == 125
    assert problem.unit_weight[:3].tolist() == [9, 9, 5]


def test_handover_reads(shared_benchmarks):
    """Handover instances: capacity only, weights scaled to integers."""
    problem = read_instance(shared_benchmarks / "ccplib/Handover/20_5_270001")
    assert problem.n_units == 20 and problem.n_teams == 5
    assert (problem.team_min == 0).all() and np.array_equal(
        problem.pair_milli, problem.pair_milli.T
    )


def test_broken_instance_is_invalid_input(tmp_path):
    """A truncated instance file is an InvalidInputError naming the file."""
    from clnmatch.errors import InvalidInputError

    path = tmp_path / "bad.txt"
    path.write_text("4 2 ss 2 2 2 2\n0 1 3.5\n", encoding="ascii")
    with pytest.raises(InvalidInputError, match="bad.txt"):
        read_instance(path)
    # size bounds no grouping of the 4 elements can meet: named on the header row
    # and a lower bound of 0, which promised empty groups the model never makes (a
    # researcher's instance: colgen "proved" 1,063.7 where sizes 0/5/5 score 1,255.7)
    cases = (("4 2 ds 1 1 1 1", "2..2"), ("4 2 ds 3 3 3 3", "6..6"), ("4 2 ds 0 4 1 4", "0..4"))
    for header, got in cases:
        path.write_text(f"{header}\n{PAIRS_OF_4}", encoding="ascii")
        with pytest.raises(InvalidInputError, match=rf"bad.txt, row 1.*{got}"):
            read_instance(path)
    path.write_text(f"4 2 ds 3 1 1 3\n{PAIRS_OF_4}", encoding="ascii")
    with pytest.raises(InvalidInputError, match="group 1's bounds 3..1"):
        read_instance(path)
    # 'ss' is same size: unequal bounds were solved as ds without a word
    path.write_text(f"4 2 ss 1 3 1 3\n{PAIRS_OF_4}", encoding="ascii")
    with pytest.raises(InvalidInputError, match="row 1: expected type ss .* the type is ds"):
        read_instance(path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1 3 x12", "row 5: expected three numbers 'i j d'"),  # not numpy's own row number
        ("1 3", "row 5: expected three numbers"),
        ("1 3 1.0 7", "row 5: expected three numbers"),
        ("1.5 3 1.0", "row 5: expected element numbers as whole numbers"),
        ("1 4 1.0", "row 5: expected element numbers 0..3"),
        ("1 3 1e16", "row 5: .* at most 1e\\+09 in size"),  # int64 milli-points overflowed
        ("0 1 2.0", "row 5: expected each pair of elements once"),
    ],
)
def test_a_bad_pair_line_is_named_by_its_line_in_the_file(tmp_path, line, expected):
    """The first bad 'i j d' line is named by its line in the file (a blank line counted),
    with its text; a weight too large for exact sums is refused, not wrapped around."""
    from clnmatch.errors import InvalidInputError

    lines = ["0 1 1.0", "0 2 1.0", "", "1 3 1.0", "0 3 1.0", "1 2 1.0", "2 3 1.0"]
    lines[3] = line  # the file's line 5 (after the header and a blank line)
    path = tmp_path / "bad.txt"
    path.write_text("4 2 ss 2 2 2 2\n" + "\n".join(lines) + "\n", encoding="ascii")
    with pytest.raises(InvalidInputError, match=rf"bad.txt, {expected}"):
        read_instance(path)
    path.write_text("4 2 ss 2 2 2 2 9\n" + "\n".join(["0 1 1.0", "0 2 1.0", "0 3 1.0",
                    "1 2 1.0", "1 3 1.0", "2 3 1.0"]) + "\n", encoding="ascii")  # fmt: skip
    with pytest.raises(InvalidInputError, match="row 1: expected type ss or ds and exactly"):
        read_instance(path)


def test_a_weighted_instance_is_bounded_without_size_class_lps(shared_benchmarks):
    """CCPLIB Handover capacities in thousandths give ~270,000 team weights: the size-class
    LPs are left out (they exhausted 24 GB) and column generation proves the optimum."""
    from clnmatch.bounds import certified_bound

    problem = read_instance(shared_benchmarks / "ccplib" / "Handover" / "20_5_270001")
    proved = certified_bound(problem, 10)
    assert set(proved.bounds_milli) <= {"relaxation", "columns"}
    assert proved.method == "columns" and proved.bound_milli == 1_786_000


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ("7 7 7", "exactly n=4 node weights"),  # one too few: the search never ended
        ("7 7 7 7 7", "exactly n=4 node weights"),  # one too many: every weight shifted
        ("7 7.9 7 7", "whole numbers"),  # was read as 7
        ("7 -7 7 7", "0 or more"),
    ],
)
def test_a_ccp_header_with_the_wrong_node_weights_is_refused(tmp_path, weights, expected):
    from clnmatch.errors import InvalidInputError

    path = tmp_path / "ccp.txt"
    path.write_text(f"4 2 ds 7 21 7 21 W {weights}\n{PAIRS_OF_4}", encoding="ascii")
    with pytest.raises(InvalidInputError, match=rf"ccp.txt, row 1.*{expected}"):
        read_instance(path)
    path.write_text(f"4 2 zz 7 21 7 21 W 7 7 7 7\n{PAIRS_OF_4}", encoding="ascii")
    with pytest.raises(InvalidInputError, match="type 'zz'"):
        read_instance(path)


def test_handover_weights_round_so_that_answers_keep_the_real_capacity(tmp_path):
    """Weights of 0.5004 rounded to the nearest thousandth fitted two to a capacity of
    1.0: rounded up (and the capacity down) no scaled answer passes the real capacity.
    Numbers left over after the matrix are refused."""
    from clnmatch.errors import InvalidInputError

    path = tmp_path / "4_2_1"
    matrix = "0 50 1 1\n50 0 1 1\n1 1 0 1\n1 1 1 0\n"
    path.write_text(f"4\n2\n1.0\n0.5004\n0.5004\n0.1\n0.1\n{matrix}", encoding="ascii")
    problem = read_instance(path)
    assert problem.unit_weight[:2].tolist() == [501, 501] and problem.team_max[0] == 1000
    path.write_text(f"4\n2\n1.0\n0.5\n0.5\n0.1\n0.1\n{matrix}", encoding="ascii")
    assert read_instance(path).unit_weight[:2].tolist() == [500, 500]  # exact: unchanged
    path.write_text(f"4\n2\n1.0\n0.5\n0.5\n0.1\n0.1\n{matrix}7\n", encoding="ascii")
    with pytest.raises(InvalidInputError, match="nothing after"):
        read_instance(path)


def test_one_element_has_no_pair_lines_and_reads(tmp_path):
    """'1 1 ss 1 1' is a whole instance (0 pair lines): it was refused, after numpy's
    'input contained no data' warning on the terminal."""
    import warnings

    path = tmp_path / "one.txt"
    path.write_text("1 1 ss 1 1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problem = read_instance(path)
    assert problem.n_units == 1 and int(problem.pair_milli.sum()) == 0
