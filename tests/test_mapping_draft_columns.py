"""Tests of ``clnmatch map`` drafts choosing columns: which header holds which survey
column, read from its words and confirmed or overruled by its answers (Forms grids,
account columns of "anonymous", comments, repeated headers, a second question on the
same themes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_mapping_draft import _four_people

from clnmatch.errors import InvalidInputError
from clnmatch.io.draft import draft_mapping
from clnmatch.io.draft_toml import render_draft
from clnmatch.io.survey import read_survey


def test_a_microsoft_forms_grid_gives_the_statements_as_themes(tmp_path: Path) -> None:
    """Forms heads a grid question's columns 'Question?.Statement': the themes are the
    statements, not 'theme?.Literacy'."""
    question = "How interested are you in each theme?"
    path = tmp_path / "export.csv"
    path.write_text(
        f"Name,School,Local authority,Sector,Role,{question}.Literacy,{question}.Racial equality\n"
        "Ann,Hillhead,Inverclyde,primary,HT,Very interested,Not at all interested\n"
        "Bob,Hillhead,Inverclyde,primary,teacher,Slightly interested,Very interested\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(render_draft(draft_mapping(path)), encoding="utf-8")
    assert read_survey(path, mapping=mapping).cohort.themes == ("Literacy", "Racial equality")


def test_a_columns_answers_overrule_its_words() -> None:
    """An account 'Email' of 'anonymous' loses to the question holding the addresses; a
    'Type of establishment' of sector words is the sector, not the establishment's name."""
    frame = pd.DataFrame(
        {
            "Email": ["anonymous", "anonymous"],
            "Name": ["Ann", "Bob"],
            "School": ["Hillhead", "Hillhead"],
            "Local authority": ["Inverclyde"] * 2,
            "Type of establishment": ["Primary", "Primary school"],
            "Role": ["HT", "teacher"],
            "Your work email address": ["ann@example.org", "bob@example.org"],
            "theme:A": [1, 2],
            "theme:B": [3, 4],
        }
    )
    draft = draft_mapping(frame)
    assert draft.columns["email"][0] == "Your work email address"
    # nor is it offered as a CHECK: no answer of it is an address (a tester's export)
    assert "'Email'" not in draft.columns["email"][1]
    assert draft.columns["sector"][0] == "Type of establishment"
    assert draft.columns["establishment_name"][0] == "School"


def test_a_comment_holding_an_address_is_not_the_email_column() -> None:
    """One free-text comment quoting an address made "Anything else?" the email column
    over the question of addresses (80 of 81 people then had none in the rosters); an
    empty Forms "Name" was offered as a CHECK for the name."""
    n = 20
    frame = pd.DataFrame(
        {
            "Name": [""] * n,
            "Your full name": [f"Person {i}" for i in range(n)],
            "School": [f"School {i // 2}" for i in range(n)],
            "Local authority": ["Inverclyde"] * n,
            "Sector": ["primary"] * n,
            "Role": ["teacher"] * n,
            "Your work email address": [f"p{i}@school.example.org" for i in range(n)],
            "theme:A": [1] * n,
            "theme:B": [3] * n,
            "Anything else?": [""] * (n - 1) + ["Please copy in my depute, j.smith@example.org"],
        }
    )
    draft = draft_mapping(frame)
    assert draft.columns["email"][0] == "Your work email address"
    assert draft.columns["name"] == ("Your full name", "")
    # an anonymous export (no question of addresses): a comment that is just an address
    # is no e-mail column either
    anonymous = frame.drop(columns=["Your work email address"]).assign(Email="anonymous")
    anonymous.loc[n - 1, "Anything else?"] = "j.smith@example.org"
    assert draft_mapping(anonymous).columns["email"][0] == "Email"  # Forms' own, read as none


def test_a_repeated_header_is_told_apart_by_its_number(tmp_path: Path) -> None:
    """Two columns headed 'Name': the draft writes "Name #1" (CHECK: "Name #2"), "Name #2"
    reads the second, and plain "Name" fails naming both columns and what to write."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Name,School,Local authority,Sector,Role,Name,theme:A,theme:B\n"
        "anonymous,Hillhead,Inverclyde,primary,HT,Ann,1,2\n"
        "anonymous,Hillhead,Inverclyde,primary,teacher,Bob,3,4\n",
        encoding="utf-8",
    )
    draft = draft_mapping(path)
    assert draft.columns["name"] == ("Name #2", "CHECK: 'Name #1' might hold it instead")
    mapping = tmp_path / "map.toml"
    mapping.write_text(render_draft(draft), encoding="utf-8")
    cohort = read_survey(path, mapping=mapping).cohort
    assert [p.name for p in cohort.practitioners] == ["Ann", "Bob"]
    plain = mapping.read_text(encoding="utf-8").replace('name = "Name #2"', 'name = "Name"')
    mapping.write_text(plain, encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_survey(path, mapping=mapping)
    (problem,) = caught.value.problems
    assert 'appears 2 times (column A and column F): write "Name #1" or "Name #2"' in str(problem)


def _forms_frame(n: int, comments: dict[int, str], typed_row: int | None = None):
    """A Google Forms-like export of n people rating three themes on the 6-level scale,
    a comments column answered by a few, and perhaps one row typed in as numbers."""
    words = ["Not interested", "Slightly interested", "Somewhat interested",
             "Moderately interested", "Quite interested", "Very interested"]  # fmt: skip
    themes = ("Literacy", "Numeracy", "Play")
    data: dict[str, list[str]] = {
        "Timestamp": ["2026/11/02 10:00:00"] * n,
        "Name": [f"Person {i}" for i in range(n)],
        "School": [f"School {i // 2}" for i in range(n)],
        "Local authority": ["Inverclyde"] * n,
        "Sector": ["primary"] * n,
        "Role": ["HT" if i % 2 == 0 else "teacher" for i in range(n)],
    }
    for k, theme in enumerate(themes):
        column = [words[(i + 2 * k) % 6] for i in range(n)]
        if typed_row is not None:
            column[typed_row] = str((typed_row + k) % 6)
        data[f"Interest [{theme}]"] = column
    data["Any other comments?"] = [comments.get(i, "") for i in range(n)]
    return pd.DataFrame(data), words


def test_a_comments_column_is_not_a_theme_and_shifts_no_rating() -> None:
    """A few people answer "Any other comments?" with "No", "None", "No thanks" or "Very
    keen!": read alone it looks like ratings, but it is not a theme, and the themes' words
    keep their known scale (taken for a theme it pushed "Very interested" down to 4)."""
    frame, words = _forms_frame(40, {3: "No", 7: "None", 11: "No thanks", 20: "Very keen!"})
    draft = draft_mapping(frame)
    text = render_draft(draft)
    assert "Any other comments?" not in draft.theme_headers
    assert '    "Any other comments?",\n' in text.split("unused_columns = [", 1)[1].split("]")[0]
    for rating, word in enumerate(words):
        assert f'"{word}" = {rating}\n' in text


def test_numbers_typed_among_words_are_read_as_numbers(tmp_path: Path) -> None:
    """One response typed in as numbers 0-5 among words: the words keep their scale, the
    numbers are read as they are, and the draft says so."""
    frame, words = _forms_frame(40, {}, typed_row=5)
    text = render_draft(draft_mapping(frame))
    assert '"Very interested" = 5\n' in text and "read as they are" in text
    survey, mapping = tmp_path / "export.csv", tmp_path / "map.toml"
    frame.to_csv(survey, index=False)
    mapping.write_text(text, encoding="utf-8")
    people = read_survey(survey, mapping=mapping).cohort.practitioners
    assert people[5].interests == (5, 0, 1)
    assert people[0].interests == (0, 2, 4) and people[1].interests == (1, 3, 5)


def test_two_answers_placed_on_one_rating_are_marked() -> None:
    """Words of no known scale placed by their words on the same rating are flagged."""
    frame = _four_people(
        ["Fairly keen", "Somewhat keen", "Not keen", "Not keen"],
        ["Fairly keen", "Not keen", "Somewhat keen", "Not keen"],
    )
    text = render_draft(draft_mapping(frame))
    assert text.count("another answer has rating 2 too") == 2


def test_two_questions_rating_the_same_themes_read_one_of_them(tmp_path: Path) -> None:
    """A Microsoft Forms export of two Likert questions on the same statements (interest,
    then experience) repeats each theme's header: the draft lists the first question's
    columns as "Literacy #1" (its scale from their words alone) and says how to take the
    second; the survey reads either question (it could not be read at all)."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Name,School,Local authority,Sector,Role,Literacy,Numeracy,Literacy,Numeracy\n"
        "Ann,Hillhead,Inverclyde,primary,HT,Very interested,Not interested,A lot,None\n"
        "Bob,Hillhead,Inverclyde,primary,teacher,Slightly interested,Very interested,None,"
        "A little\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match="'Literacy #1' \\(or #2\\)"):
        read_survey(path, mapping={"columns": {"establishment_name": "School"},
                                   "themes": {"columns": ["Literacy", "Numeracy"]}})  # fmt: skip
    text = render_draft(draft_mapping(path))
    assert '"Literacy #1",' in text and '"Numeracy #1",' in text and "write #2" in text
    assert '"A lot"' not in text  # the second question's words are not on the scale
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    first = read_survey(path, mapping=mapping).cohort
    assert first.themes == ("Literacy", "Numeracy")
    ann, bob = (p.interests for p in first.practitioners)
    assert ann == (5, 0) and bob[1] == 5 and bob[0] in (1, 2)  # "Slightly", as drafted
    second = text.replace("#1", "#2").replace("[scale]", "[scale]\n'None' = 0\n'A little' = 1"
                                              "\n'A lot' = 4")  # fmt: skip
    mapping.write_text(second, encoding="utf-8")
    assert [p.interests for p in read_survey(path, mapping=mapping).cohort.practitioners] == [
        (4, 0), (0, 1)
    ]  # fmt: skip


def test_the_columns_a_draft_leaves_unused_are_not_warned_of_on_every_read(
    tmp_path: Path,
) -> None:
    """Every command read with the mapping repeated "these are ignored: 'Start time', ..."
    though the draft had listed them as not used (a lead officer): the draft's
    ``unused_columns`` names them, and a column it does not name is still warned of."""
    path = tmp_path / "export.csv"
    people = _four_people(["Very", "Not at all"] * 2, ["Slightly", "Very"] * 2)
    people.insert(0, "Start time", ["1/9/2026 09:00"] * 4)
    people.to_csv(path, index=False)
    text = render_draft(draft_mapping(path))
    assert 'unused_columns = [\n    "Start time",\n]' in text
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    assert not [w for w in read_survey(path, mapping=mapping).warnings if "ignored" in w.expected]
    people["Comments"] = ["", "a later question", "", ""]  # the form gained a question since
    people.to_csv(path, index=False)
    said = [w.expected for w in read_survey(path, mapping=mapping).warnings]
    assert [w for w in said if "ignored" in w] == [
        "only the survey's columns; these are ignored: 'Comments'"
    ]
    # a slip in the key is named with the file, as leave_out_rows' are (it was pydantic's)
    mapping.write_text(text.replace('"Start time",\n]', "3,\n]"), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="map.toml: expected key 'unused_columns' to be"):
        read_survey(path, mapping=mapping)
