"""Blank answers that may not mean "not interested", and one person answering twice.

A lead officer's Microsoft Forms export had a theme added half-way through the survey
window: the first 24 answers left it blank, read as 0, and the teams' focus went to it
with nobody warned. And a person who sent the form twice from another address was not
recognised (the name-and-school check ran only for rows without an e-mail).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clnmatch.io.survey import read_survey

HEADER = "name,establishment_name,authority,sector,role,email,theme:A,theme:Late"


def _write(path: Path, late: list[str], emails: list[str] | None = None) -> Path:
    rows = [HEADER]
    for i, answer in enumerate(late):
        email = emails[i] if emails else f"p{i}@school.org"
        role = "HT" if i % 2 == 0 else "teacher"
        rows.append(f"Person {i},School {i // 2},Inverclyde,primary,{role},{email},3,{answer}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _late(path: Path) -> list[str]:
    return [w.expected for w in read_survey(path).warnings if w.column == "theme:Late"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(12, 60),
    data=st.data(),
)
def test_a_theme_blank_in_the_first_answers_only_is_warned_of(
    tmp_path: Path, n: int, data: st.DataObject
) -> None:
    """Blank in the first k answers and answered below (at least 80%): one warning naming
    the rows; blanks spread through the column (people skipping it) are not warned of."""
    k = data.draw(st.integers(0, n - 1), label="blank at the top")
    below = data.draw(st.lists(st.booleans(), min_size=n - k - 1, max_size=n - k - 1))
    late = [""] * k + ["4"] + ["2" if answered else "" for answered in below]
    path = _write(tmp_path / "survey.csv", late)
    answered_below = (1 + sum(below)) / (n - k)
    expected = k >= max(3, n // 10) and answered_below >= 0.8
    found = _late(path)
    assert len(found) == int(expected), (k, answered_below, found)
    if expected:
        assert f"the first {k} answers (rows 2-{k + 1}) leave 'Late' blank" in found[0]
        assert f"rows from {k + 2} on" in found[0]


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
