"""How an InvalidInputError's message lists its problems: one line each, in order, but one
problem in many rows of one column is one line naming the rows (a Forms export read
without its mapping printed 81 lines of "column 'Name': expected a value", which hid the
first line, the one saying to draft a mapping); ``problems`` keeps every one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clnmatch.errors import InputProblem, InvalidInputError


def test_one_problem_in_many_rows_is_one_line() -> None:
    first = InputProblem(expected="a mapping", file="f.xlsx", row=1)
    blank = [
        InputProblem(expected="a value", file="f.xlsx", row=r, column="Name")
        for r in [*range(2, 19), *range(20, 84)]
    ]
    other = InputProblem(expected="a rating", file="f.xlsx", row=5, column="A", value="9")
    error = InvalidInputError([first, *blank[:3], other, *blank[3:]])
    lines = str(error).splitlines()
    assert lines == [
        "83 problems in the input:",
        "  - f.xlsx, row 1: expected a mapping",
        "  - f.xlsx, rows 2-18, 20-83 (81 rows), column 'Name': expected a value",
        "  - f.xlsx, row 5, column 'A': expected a rating (got '9')",
    ]
    assert len(error.problems) == 83


@given(st.lists(st.tuples(st.integers(2, 40), st.sampled_from("ABC")), max_size=30))
def test_every_problem_is_said_once_in_row_order(cells: list[tuple[int, str]]) -> None:
    """Few of a kind: each on its own line, in the order given; many: their rows listed."""
    problems = [InputProblem(expected=f"x{c}", file="f", row=r, column=c) for r, c in cells]
    lines = str(InvalidInputError(problems)).splitlines()[1:]
    rows = {c: sorted({r for r, d in cells if d == c}) for _, c in cells}
    for column, n in {c: sum(1 for _, d in cells if d == c) for c in rows}.items():
        said = [line for line in lines if f"column '{column}'" in line]
        many = len(rows[column]) >= 4  # distinct rows, not problems
        assert len(said) == (1 if many else n)
        if many:
            assert f"({len(rows[column])} rows)" in said[0]
            assert said[0].startswith(f"  - f, rows {rows[column][0]}")
    singles = [str(p) for p in problems if len(rows[p.column or ""]) < 4]
    assert [line[4:] for line in lines if " rows)" not in line] == singles
    # each line where its kind first came
    firsts = list(dict.fromkeys(p.column for p in problems))
    order = [next(c for c in firsts if f"column '{c}'" in line) for line in lines]
    assert list(dict.fromkeys(order)) == firsts


def test_errors_cross_a_process_boundary_whole() -> None:
    """An app running solve in a ProcessPoolExecutor gets the error pickled: its message
    read "1 problem in the input: - 1 problem in the input: - ..." and lost its fields."""
    import pickle

    from clnmatch.errors import InfeasibleError
    from clnmatch.event.state import EventError
    from clnmatch.rematch.changes import AdditionClash

    problem = InputProblem(expected="a rating", file="f.csv", row=6, column="A", value="7")
    errors = [
        InvalidInputError([problem]),
        InfeasibleError({"conflicts": []}, "too few"),
        EventError("no such school", 404),
        AdditionClash(["E1 is in the cohort"]),
    ]
    for error in errors:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)
        assert vars(again) == vars(error)
