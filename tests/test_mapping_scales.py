"""The rating scales `clnmatch map` drafts: numbers on other ranges, agree/disagree words,
a stray answer off a known scale, and no advice to run the command being run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from clnmatch.cli import app
from clnmatch.io.draft import draft_mapping
from clnmatch.io.survey import read_survey


def _export(answers: list[str], n: int = 40) -> pd.DataFrame:
    """n people of n/2 schools rating two themes, the answers given in turn."""
    return pd.DataFrame(
        {
            "Name": [f"Person {i}" for i in range(n)],
            "School": [f"School {i // 2}" for i in range(n)],
            "Local authority": ["Inverclyde"] * n,
            "Sector": ["primary"] * n,
            "Role": ["HT" if i % 2 == 0 else "teacher" for i in range(n)],
            "Interest [Literacy]": [answers[i % len(answers)] for i in range(n)],
            "Interest [Numeracy]": [answers[(i + 1) % len(answers)] for i in range(n)],
        }
    )


def _scale(answers: list[str]) -> dict[str, int | None]:
    return {word: rating for word, rating, _ in draft_mapping(_export(answers)).scale}


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        # a 1-7 scale was read as 1-10 (its 7 became 3); 0-10 left out "0"
        (1, 7, {"1": 0, "4": 3, "7": 5}),
        (0, 10, {"0": 0, "5": 3, "10": 5}),
        (1, 10, {"1": 0, "10": 5}),
    ],
)
def test_numbers_on_another_range_are_spread_over_it(
    low: int, high: int, expected: dict[str, int]
) -> None:
    draft = draft_mapping(_export([str(n) for n in range(low, high + 1)]))
    scale = {word: rating for word, rating, _ in draft.scale}
    assert set(scale) == {str(n) for n in range(low, high + 1)}
    assert {k: scale[k] for k in expected} == expected
    assert f"each of {low}-{high} is spread" in draft.scale_note
    assert "read as they are" not in draft.scale_note  # it said so of 0-5 it had spread


def test_a_one_to_five_scale_is_read_as_it_is_and_says_what_a_blank_is() -> None:
    note = draft_mapping(_export(["1", "2", "3", "4", "5"])).scale_note
    assert "numbers 1-5" in note and "a blank as 0" in note and '"1" = 0' in note


@pytest.mark.parametrize("middle", ["Neutral", "Neither agree nor disagree"])
def test_agree_and_disagree_words_are_ordered(middle: str) -> None:
    """ "Strongly disagree" was placed at 4, beside "Agree" and "Strongly agree"."""
    scale = _scale(["Strongly disagree", "Disagree", middle, "Agree", "Strongly agree"])
    assert scale["Strongly disagree"] < scale["Disagree"] < scale[middle]
    assert scale[middle] < scale["Agree"] < scale["Strongly agree"] == 5


def test_a_stray_answer_keeps_the_scale_of_the_rest_and_is_never_guessed(
    tmp_path: Path,
) -> None:
    """One "Very keen" among a known scale's words placed every word "by its words". It is
    left off the draft (a guess taken as an answer would be silent): `map` says the export
    does not read yet, naming its row and column, and with the rating a person gives it
    the export reads."""
    words = ["Not at all interested", "Slightly interested", "Somewhat interested",
             "Moderately interested", "Very interested", "Extremely interested"]  # fmt: skip
    frame = _export(words, n=120)
    frame.loc[7, "Interest [Literacy]"] = "Very keen"
    draft = draft_mapping(frame)
    scale = {word: (rating, note) for word, rating, note in draft.scale}
    assert [scale[w][0] for w in words] == [0, 1, 2, 3, 4, 5]
    assert scale["Very keen"] == (None, "CHECK: 1 answer(s) off the scale (by its words perhaps 4)")
    assert "6-level scale" in draft.scale_note
    survey, mapping = tmp_path / "export.csv", tmp_path / "map.toml"
    frame.to_csv(survey, index=False)
    done = CliRunner().invoke(app, ["map", str(survey), "--out", str(mapping)])
    said = " ".join(f"{done.stdout} {done.stderr}".split())
    assert "does not read yet" in said and "row 9, column 'Interest [Literacy]'" in said
    text = mapping.read_text(encoding="utf-8")
    assert '# "Very keen" = ?  # CHECK' in text
    mapping.write_text(text.replace('# "Very keen" = ?', '"Very keen" = 4'), encoding="utf-8")
    assert read_survey(survey, mapping=mapping).cohort.practitioners[7].interests[0] == 4


def test_map_does_not_tell_the_user_to_run_map(tmp_path: Path) -> None:
    """A problem left after the draft is said without "`clnmatch map` drafts it"."""
    frame = _export(["1", "2", "3"])
    frame.loc[3, "Sector"] = "College"
    survey = tmp_path / "export.csv"
    frame.to_csv(survey, index=False)
    done = CliRunner().invoke(app, ["map", str(survey), "--out", str(tmp_path / "map.toml")])
    said = " ".join(f"{done.stdout} {done.stderr}".split())
    assert "does not read yet" in said and "(got 'College')" in said
    assert "`clnmatch map`" not in said
    text = (tmp_path / "map.toml").read_text(encoding="utf-8")
    assert '# "College"  # CHECK: add it to the list of' in text


def test_map_sends_a_problem_no_draft_mends_to_the_export(tmp_path: Path) -> None:
    """A blank authority is the export's to correct, not the draft's (it said "Edit the
    draft where it says CHECK"); a word the draft lists gets an example of the sector its
    words name (it was always special), and "Super interested" is perhaps 5, not 3."""
    frame = _export(["Not interested", "Slightly interested", "Very interested"])
    frame.loc[5, "Local authority"] = ""
    frame.loc[[6, 7], "Sector"] = "Primary and nursery"
    frame.loc[8, "Interest [Literacy]"] = "Super interested"
    survey, mapping = tmp_path / "export.csv", tmp_path / "map.toml"
    frame.to_csv(survey, index=False)
    done = CliRunner().invoke(app, ["map", str(survey), "--out", str(mapping)])
    said = " ".join(f"{done.stdout} {done.stderr}".split())
    assert "row 7, column 'Local authority': expected a value" in said
    assert "and correct the other problems in a copy of the export" in said
    text = mapping.read_text(encoding="utf-8")
    assert 'e.g. primary = ["Primary and nursery"]' in text
    assert (
        '# "Super interested" = ?  # CHECK: 1 answer(s) off the scale (by its words perhaps 5)'
        in (text)
    )
    frame = _export(["Not interested", "Slightly interested", "Very interested"])
    frame.loc[5, "Local authority"] = ""
    frame.to_csv(survey, index=False)
    done = CliRunner().invoke(app, ["map", str(survey), "--out", str(mapping), "--force"])
    said = " ".join(f"{done.stdout} {done.stderr}".split())
    assert "The export has the problems above: correct them in a copy of the export" in said
    # a row of no one's answers (a totals row) can be left out by the draft instead
    assert (
        "(if row 7 holds no one's answers, such as a totals row, write leave_out_rows = [7]" in said
    )


def test_a_drafted_agree_scale_reads_the_export(tmp_path: Path) -> None:
    frame = _export(["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"])
    survey, mapping = tmp_path / "export.csv", tmp_path / "map.toml"
    frame.to_csv(survey, index=False)
    CliRunner().invoke(app, ["map", str(survey), "--out", str(mapping)])
    people = read_survey(survey, mapping=mapping).cohort.practitioners
    assert people[0].interests == (0, 1) and people[4].interests == (5, 0)


def test_a_forms_own_scale_reaches_five_and_leaves_a_stray_off() -> None:
    """A 4-level scale no known one fits ("A little", "Quite") was placed by its words at
    0, 2, 3 and 4, so nobody could rate 5; its levels are now spread over 0-5 as a known
    scale's are. One "Very keen" among them was drafted on the scale beside "Very
    interested" ("another answer has rating 4 too"); it is left off, as on a known scale."""
    words = ["Not at all interested", "A little interested", "Quite interested",
             "Very interested"]  # fmt: skip
    frame = _export(words, n=120)
    frame.loc[7, "Interest [Literacy]"] = "Very keen"
    draft = draft_mapping(frame)
    scale = {word: (rating, note) for word, rating, note in draft.scale}
    assert [scale[w][0] for w in words] == [0, 2, 3, 5]  # "Very keen" reads as "Very ..."
    assert scale["Very keen"] == (None, "CHECK: 1 answer(s) off the scale (by its words perhaps 5)")
    assert "spread over 0-5" in draft.scale_note and "given only once or twice" in draft.scale_note


def test_a_rare_end_of_a_forms_own_scale_keeps_the_others_in_place() -> None:
    """ "Not a priority" given twice in 100 was left off and the others spread without it,
    so "A little keen" became 0, the rating "Not a priority" means (the reviewer); its
    level by its words now counts in the spread."""
    words = ["A little keen", "Fairly keen", "Quite keen", "Super keen"]
    frame = _export(words, n=100)
    frame.loc[[3, 9], "Interest [Literacy]"] = "Not a priority"
    scale = {word: (rating, note) for word, rating, note in draft_mapping(frame).scale}
    assert scale["A little keen"][0] > 0
    assert scale["Not a priority"] == (
        None,
        "CHECK: 2 answer(s) off the scale (by its words perhaps 0)",
    )


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # 'Very high' and 'High' were both 4, so the top answer was 4 and two answers shared
        # it (a contract auditor: "another scale is never squeezed into this one")
        (["Low", "Medium", "High", "Very high"], {"Low": 0, "Medium": 2, "High": 3, "Very high": 5}),
        (["Very low", "Low", "High", "Very high"], {"Very low": 0, "Low": 2, "High": 3, "Very high": 5}),
        # an answer no word places leaves the words their own ratings: graded there too
        # ('Very low' was 4, by its 'very': a reviewer)
        (["Low", "Medium", "High", "Very high", "Very low", "Don't know yet"],
         {"Very low": 0, "Low": 1, "Medium": 2, "High": 4, "Very high": 5,
          "Don't know yet": None}),
        # a negation is not an intensifier: 'Not very interested' stays below the rest
        (["Not very interested", "Interested", "Very interested"],
         {"Not very interested": 0, "Interested": 3, "Very interested": 5}),
    ],
)  # fmt: skip
def test_an_intensifier_gives_a_word_its_own_level(
    answers: list[str], expected: dict[str, int]
) -> None:
    assert _scale(answers) == expected


def _three_themes(answers: list[str], n: int = 40) -> pd.DataFrame:
    """A form asking one question of three themes, answered in `answers` in turn."""
    frame = _export(answers, n).drop(columns=["Interest [Literacy]", "Interest [Numeracy]"])
    for k, theme in enumerate(["Literacy", "Numeracy", "Health and wellbeing"]):
        question = f"How much of a priority is {theme} for your school?"
        frame[question] = [answers[(i * (k + 1) + k) % len(answers)] for i in range(n)]
    return frame


def test_a_column_answered_in_the_scales_words_is_a_theme_though_few_are_known() -> None:
    """ "Essential" (a word of no interest vocabulary) given by more than a quarter of a
    column's answers lost that theme column: 1 or 2 of 3 themes were found (a contract
    auditor). A column answered in the words the other theme columns use is one too."""
    words = ["Not a priority", "Low priority", "Medium priority", "Essential", "Essential"]
    draft = draft_mapping(_three_themes(words))
    assert len(draft.theme_headers) == 3
    assert draft.theme_pattern == "How much of a priority is (.+) for your school\\?"
    assert ("Essential", None) in {(w, r) for w, r, _ in draft.scale}


def test_three_questions_in_one_set_of_unknown_words_are_themes(tmp_path: Path) -> None:
    """A scale of words clnmatch does not know ("Essential", "Desirable", "Optional") found
    no theme column at all; three columns of one question answered in one small set of
    words are themes, the words left for the user to rate. `map` says the draft is to be
    edited (it blamed the export, and asked whether rows 2, 3 and 5 were totals rows)."""
    words = ["Essential", "Desirable", "Optional", "Not needed"]
    draft = draft_mapping(_three_themes(words))
    assert len(draft.theme_headers) == 3
    scale = {w: r for w, r, _ in draft.scale}
    assert scale == {"Not needed": 0, "Essential": None, "Desirable": None, "Optional": None}
    survey = tmp_path / "export.csv"
    _three_themes(words).to_csv(survey, index=False)
    result = CliRunner().invoke(app, ["map", str(survey), "--out", str(tmp_path / "m.toml")])
    assert result.exit_code == 0, result.output
    assert "m.toml where it says CHECK, then run" in result.output
    assert "totals row" not in result.output and "correct them in a copy" not in result.output


def test_two_columns_of_other_words_are_not_taken_for_themes() -> None:
    """The family of unknown words needs three columns of one question: two columns of one
    small set of words ("Morning", "Afternoon") under different questions stay unused."""
    frame = _export(["Very interested", "Not interested"])
    frame["Which session suits you?"] = ["Morning", "Afternoon"] * 20
    frame["When can you travel?"] = ["Afternoon", "Morning"] * 20
    draft = draft_mapping(frame)
    assert len(draft.theme_headers) == 2
    assert "Which session suits you?" in draft.unused


def test_a_draft_that_reads_points_to_its_check_lines(tmp_path: Path) -> None:
    """A draft that reads said "0 warning(s). Check it" beside lines marked CHECK (the
    reader's warnings are not the draft's guesses): it names how many lines to check."""
    survey = tmp_path / "export.csv"
    _three_themes(["Low", "Medium", "High", "Very high"]).to_csv(survey, index=False)
    result = CliRunner().invoke(app, ["map", str(survey), "--out", str(tmp_path / "m.toml")])
    checks = (tmp_path / "m.toml").read_text().count("CHECK:")
    assert checks > 0 and "0 warning(s) reading it." in result.output
    assert f"Check the {checks} line(s) of " in result.output
