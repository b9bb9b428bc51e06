"""Tests of clnmatch.io.ratings: scales, and a file's ratings never squeezed silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from clnmatch.errors import InvalidInputError
from clnmatch.io.ratings import RatingScale, rating_stem
from clnmatch.io.survey import read_cohort, read_survey

HEADER = (
    "practitioner_id,name,establishment_id,establishment_name,authority,sector,role,theme:A,theme:B"
)
SIX = (
    "Not at all interested",
    "Slightly interested",
    "Somewhat interested",
    "Moderately interested",
    "Very interested",
    "Extremely interested",
)


def _survey(tmp_path: Path, ratings: list[tuple[str, str]]) -> Path:
    rows = [
        f"{k},P{k},E{k // 2},School {k // 2},Inverclyde,primary,{'HT' if k % 2 == 0 else 'teacher'},"
        f'"{a}","{b}"'
        for k, (a, b) in enumerate(ratings)
    ]
    path = tmp_path / "survey.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _problems(path: Path) -> list[tuple[int | None, str | None, str | None, str]]:
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path)
    return [(p.row, p.column, p.value, p.expected) for p in caught.value.problems]


def test_a_six_level_scale_is_refused_not_squeezed(tmp_path: Path) -> None:
    """'Very' and 'Extremely interested' both read 5 on the built-in scale: the file is
    refused at the first cell of the second word, naming both, pointing to clnmatch map."""
    path = _survey(tmp_path, [(SIX[4], SIX[0]), (SIX[2], SIX[5]), (SIX[5], SIX[1])])
    ((row, column, value, expected),) = _problems(path)
    assert (row, column, value) == (3, "theme:B", "Extremely interested")
    assert "'Very interested' (row 2, column 'theme:A')" in expected
    assert "reads alike as 5" in expected and "clnmatch map" in expected


def test_one_word_in_several_spellings_is_one_level(tmp_path: Path) -> None:
    """'Very', 'very interested' and '5 - Very interested' are one level, not a clash."""
    path = _survey(tmp_path, [("Very", "very interested"), ("5 - Very interested", "none")])
    assert [p.interests for p in read_cohort(path).practitioners] == [(5, 5), (5, 0)]


def test_numbers_above_five_are_one_problem_with_advice(tmp_path: Path) -> None:
    """A 1-10 scale: one problem at the first such cell, with the count and the largest."""
    path = _survey(tmp_path, [("7", "10"), ("3", "9"), ("1", "2")])
    ((row, column, value, expected),) = _problems(path)
    assert (row, column, value) == (2, "theme:A", "7")
    assert "3 cell(s) from here on hold numbers up to 10" in expected
    assert "[scale]" in expected and "clnmatch map" in expected


def test_an_unknown_word_is_reported_once_with_its_count(tmp_path: Path) -> None:
    """Each distinct bad value once, at its first cell, with how many more cells hold it,
    in row order among the other problems."""
    path = _survey(tmp_path, [("keen", "3.5"), ("Keen", "keen"), ("1", "-1")])
    problems = _problems(path)
    assert [(r, c, v) for r, c, v, _ in problems] == [
        (2, "theme:A", "keen"),
        (2, "theme:B", "3.5"),
        (4, "theme:B", "-1"),
    ]
    assert "2 more cell(s) hold the same" in problems[0][3]
    assert "a word of the built-in scale (Not interested 0" in problems[0][3]


def test_a_mapping_scale_replaces_the_built_in_words() -> None:
    """On a mapping's scale only its words (and 0-5 unless it lists numbers) are ratings."""
    scale = RatingScale.of({"Not at all": 0, "Hugely": 5}, "map.toml")
    assert scale.read("  not AT all. ") == 0 and scale.read("Hugely") == 5
    assert scale.read("3") == 3 and scale.read("") == 0
    assert scale.read("Very interested") is None  # a built-in word, not on this scale
    numeric = RatingScale.of({"1": 0, "10": 5})
    assert numeric.read("10") == 5 and numeric.read("3") is None
    assert "'Not at all' 0, 'Hugely' 5" in scale.describe()


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("Very interested", "very"),
        ("very", "very"),
        ("A little interested", "little"),
        ("Not at all interested", "not at all"),
        ("Interested", ""),
        ("No interest", "no"),
    ],
)
def test_rating_stems(word: str, stem: str) -> None:
    """The stem sets 'interested' and a leading 'a' aside, so spellings of a level agree."""
    assert rating_stem(word) == stem


def test_under_a_mapping_a_bad_rating_says_to_add_it_or_correct_it(tmp_path: Path) -> None:
    """With a mapping's [scale], an unknown word says to add it there or correct it (it
    said nothing to do), and a single 7 is a slip to correct, not "another range"; the
    problems come in row order (row 4's before row 5's, whatever the column)."""
    path = _survey(tmp_path, [("1", "2"), ("3", "2"), ("Keen", "1"), ("2", "7")])
    mapping = {"scale": {"Not at all": 0, "Hugely": 5}}
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, mapping=mapping)
    (word, seven) = caught.value.problems
    assert (word.row, word.value, seven.row, seven.value) == (4, "Keen", 5, "7")
    assert "add it to the [scale] of mapping with the rating it means" in word.expected
    assert "this cell holds 7: correct it" in seven.expected
    assert (
        "seems to use another range" not in seven.expected and "clnmatch map" not in seven.expected
    )


def test_each_files_problems_come_in_row_order() -> None:
    """A file's problem of no row (a missing column) stays before its rows' problems, and
    a summary after them, whatever another file's rows (the reviewer)."""
    from clnmatch.errors import InputProblem, in_row_order

    def at(file: str, row: int | None, what: str) -> InputProblem:
        return InputProblem(what, file=file, row=row)

    problems = [at("s.csv", 9, "s9"), at("s.csv", 4, "s4"), at("f.csv", None, "column"),
                at("f.csv", 7, "f7"), at("f.csv", 3, "f3"), at("s.csv", None, "summary")]  # fmt: skip
    assert [p.expected for p in in_row_order(problems)] == [
        "s4", "s9", "summary", "column", "f3", "f7"
    ]  # fmt: skip
