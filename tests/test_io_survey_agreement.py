"""The nominees of one establishment must agree on its authority and sector: the row that
differs from the rest is the one named (the first row read was taken as right, so a slip
on it blamed every correct row after it: an accessibility and plain-language reviewer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clnmatch.errors import InvalidInputError
from clnmatch.io.survey import read_survey

HEADER = (
    "practitioner_id,name,establishment_id,establishment_name,authority,sector,role,theme:A,theme:B"
)


def _problems(tmp_path: Path, *rows: str) -> list[tuple[int | None, str | None, str]]:
    path = tmp_path / "survey.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    return [(p.row, p.column, str(p)) for p in caught.value.problems]


def test_the_row_that_differs_from_the_rest_is_named(tmp_path: Path) -> None:
    found = _problems(
        tmp_path,
        "1,Ann,S1,St Andrew's,Glasgow City,Primary school,HT,3,0",  # the slip, read first
        "2,Bob,S1,St Andrew's,Glasgow City,secondary,teacher,2,0",
        "3,Cat,S1,St Andrew's,Glasgow city,secondary,teacher,1,0",
        "4,Dan,S1,St Andrew's,Inverclyde,secondary,teacher,1,0",  # an authority slip, last
    )
    assert [(row, column) for row, column, _ in found] == [(2, "sector"), (5, "authority")]
    sector, authority = found[0][2], found[1][2]
    assert "the sector rows 3, 4, 5 give establishment 'S1' ('secondary')" in sector
    assert "got 'Primary school'" in sector and "whichever" not in sector
    assert "the authority rows 2, 3, 4 give establishment 'S1' ('Glasgow City')" in authority
    assert "got 'Inverclyde'" in authority


def test_on_a_tie_the_first_given_is_kept(tmp_path: Path) -> None:
    found = _problems(
        tmp_path,
        "1,Ann,S1,St Andrew's,Glasgow City,nursery,HT,3,0",
        "2,Bob,S1,St Andrew's,Glasgow City,primary,teacher,2,0",
    )
    assert [(row, column) for row, column, _ in found] == [(3, "sector")]
    assert "the sector row 2 gives establishment 'S1' ('ELC')" in found[0][2]
    # neither side is known right on a tie (most schools send two: a re-tester)
    assert "correct whichever is wrong" in found[0][2]
