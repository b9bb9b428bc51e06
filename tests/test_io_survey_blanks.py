"""Blank answers that may not mean "not interested", and one person answering twice.

A lead officer's Microsoft Forms export had a theme added half-way through the survey
window: the first 24 answers left it blank, read as 0, and the teams' focus went to it
with nobody warned. And a person who sent the form twice from another address was not
recognised (the name-and-school check ran only for rows without an e-mail).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clnmatch.io.survey import read_survey

HEADER = "name,establishment_name,authority,sector,role,email,theme:A,theme:Late"


def _write(path: Path, late: list[str], sectors: list[str] | None = None) -> Path:
    rows = [HEADER]
    for i, answer in enumerate(late):
        sector = sectors[i] if sectors else "primary"
        role = "HT" if i % 2 == 0 else "teacher"
        rows.append(
            f"Person {i},School {i // 2},Inverclyde,{sector},{role},p{i}@school.org,3,{answer}"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _late(path: Path) -> list[str]:
    return [w.expected for w in read_survey(path).warnings if w.column == "theme:Late"]


BLANK_RUN = [""] * 10 + ["4"] * 30  # 40 answers, the first 10 without the theme


@pytest.mark.parametrize(
    ("answers", "said"),
    [
        (BLANK_RUN, "10 answers (rows 2-11, the first in the file)"),
        (BLANK_RUN[::-1], "10 answers (rows 32-41, the last in the file)"),  # newest first
        ([""] * 4 + ["4"] * 36, None),  # too few to say
        (["" if i % 5 == 0 else "4" for i in range(40)], None),  # skipped here and there
        ([""] * 10 + ["" if i % 3 == 0 else "4" for i in range(30)], None),  # often skipped
    ],
)
def test_a_theme_blank_at_one_end_only_is_warned_of(
    tmp_path: Path, answers: list[str], said: str | None
) -> None:
    found = _late(_write(tmp_path / "survey.csv", answers))
    assert len(found) == (said is not None), found
    if said:
        assert f"{said} leave 'Late' blank" in found[0] and "added after" in found[0]


def test_a_blank_run_one_sector_makes_is_that_sectors_choice(tmp_path: Path) -> None:
    """An export sorted by sector: the nurseries, first, all leave a theme blank that no
    nursery rates: a sector's choice, not a question added later. Nurseries rating it
    further down: the run is a late question again."""
    sectors = ["ELC"] * 10 + ["primary"] * 30
    assert _late(_write(tmp_path / "a.csv", BLANK_RUN, sectors)) == []
    mixed = ["ELC"] * 10 + ["ELC", "ELC", "primary", "primary"] * 7 + ["ELC", "ELC"]
    assert len(_late(_write(tmp_path / "b.csv", BLANK_RUN, mixed))) == 1


def test_a_person_answering_twice_from_another_address_is_warned_of(tmp_path: Path) -> None:
    """The same name at the same school from a second address: a warning, as without an
    e-mail; the same address twice is said once, not twice."""
    emails = ["a@school.org", "b@school.org", "c@school.org", "a.personal@mail.com"]
    path = tmp_path / "twice.csv"
    rows = [HEADER, *(f"Ann Lee,Hillhead,Inverclyde,primary,HT,{e},3,4" for e in emails[::3])]
    rows += ["Bob Roy,Hillhead,Inverclyde,primary,teacher,b@school.org,3,4"] * 2
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    warned = [(w.row, w.column, w.expected) for w in read_survey(path).warnings]
    twice = [(row, column) for row, column, text in warned if "repeats the" in text]
    assert twice == [(3, "name"), (5, "email")], warned
    # typed on a phone: no accent, a curly apostrophe
    rows = [HEADER, "Siobhán O'Neill,Hillhead,Inverclyde,primary,HT,so@school.org,3,4"]
    rows.append("Siobhan O\u2019Neill,Hillhead,Inverclyde,primary,HT,siobhan@gmail.com,3,4")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert [w.row for w in read_survey(path).warnings if "repeats the name" in w.expected] == [3]
