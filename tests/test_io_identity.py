"""Tests of clnmatch.io.identity, and of the survey reader without id columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clnmatch.io.identity import (
    WEST_PARTNERSHIP,
    EstablishmentIds,
    closest_authority,
    name_key,
    practitioner_row_id,
)
from clnmatch.io.survey import read_survey

HEADER = "name,establishment_name,authority,sector,role,theme:A,theme:B"


def _survey(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("typed", "known"),
    [
        ("Glasgow", "Glasgow City"),
        ("Glasgow City Council", "Glasgow City"),
        ("N Lanarkshire", "North Lanarkshire"),
        ("East Dunbartonshire Council", "East Dunbartonshire"),
        ("Renfrewshire Council", "Renfrewshire"),
        ("W. Dunbartonshire Council", "West Dunbartonshire"),  # a compass point cut short
        ("E Renfrewshire", "East Renfrewshire"),  # not Renfrewshire, nearer in letters
        ("glasgow city", None),  # the same name (case aside) is not a look-alike
        ("Fife", None),
    ],
)
def test_closest_authority(typed: str, known: str | None) -> None:
    """A spelling near one of the eight authorities names it; the name itself or another
    council does not."""
    assert closest_authority(typed) == known


def test_names_fold_case_punctuation_and_spaces() -> None:
    """'St. Mary's  Primary' and 'st marys primary' are one name; '&' is 'and'."""
    assert name_key("St. Mary's  Primary") == name_key("st marys primary")
    assert name_key("Smith & Jones ELC") == name_key("Smith and Jones ELC")
    assert name_key("St Mary's PS") != name_key("St Mary's Primary")


@given(
    places=st.lists(
        st.tuples(
            st.sampled_from(WEST_PARTNERSHIP), st.text(min_size=1, max_size=40).map(str.strip)
        ),
        min_size=1,
        max_size=30,
    )
)
@settings(max_examples=60, deadline=None)
def test_derived_ids_are_stable_and_never_shared(places: list[tuple[str, str]]) -> None:
    """The same authority and name give the same id (in any order of reading); different
    ones never share an id."""
    first, second = EstablishmentIds(), EstablishmentIds()
    ids = [first.id_for(a, n) for a, n in places]
    again = [second.id_for(a, n) for a, n in reversed(places)][::-1]
    assert ids == again
    keys = {(a.casefold(), name_key(n)) for a, n in places}
    assert len(set(ids)) == len(keys)


def test_row_ids_are_padded_for_sorting() -> None:
    """R007 is row 7; a long file pads to its last row's width."""
    assert practitioner_row_id(7, 50) == "R007"
    assert practitioner_row_id(7, 12000) == "R00007"


def test_without_ids_establishments_come_from_authority_and_name(tmp_path: Path) -> None:
    """Nominees of one school group together whatever their punctuation; rows are numbered;
    a warning says so for each missing id column."""
    reading = read_survey(
        _survey(
            tmp_path,
            "Ann,St Mary's Primary,Inverclyde,primary,HT,1,2",
            "Bob,St. Marys primary,Inverclyde,primary,teacher,3,4",
            "Cat,Busby Nursery,East Renfrewshire,ELC,EYP,5,0",
        )
    )
    cohort = reading.cohort
    assert [p.id for p in cohort.practitioners] == ["R002", "R003", "R004"]
    assert len(cohort.establishments) == 2
    assert cohort.establishments[0].name == "St Mary's Primary"
    assert cohort.practitioners[0].establishment_id == cohort.practitioners[1].establishment_id
    assert cohort.establishments[0].id.startswith("I-st-marys-primary-")
    missing = [w.expected for w in reading.warnings if "there is none" in w.expected]
    assert len(missing) == 2
    assert not any("establishment name" in w.expected for w in reading.warnings)


def test_look_alikes_are_warnings_never_merges(tmp_path: Path) -> None:
    """'Glasgow' beside 'Glasgow City', one name in two authorities, two near names in one
    authority, an authority outside the eight: each a warning naming rows; nothing merged."""
    reading = read_survey(
        _survey(
            tmp_path,
            "Ann,St Mary's Primary,Glasgow City,primary,HT,1,2",
            "Bob,St Mary's Primary,North Lanarkshire,primary,teacher,3,4",
            "Cat,Hillhead Primary School,Glasgow,primary,HT,5,0",
            "Dan,Hillhead Primary Schol,Glasgow,primary,teacher,5,0",
            "Eve,Kirkcaldy High,Fife,secondary,PT,1,1",
        )
    )
    cohort = reading.cohort
    assert len(cohort.establishments) == 5
    assert len(cohort.authorities) == 4  # Glasgow is not merged into Glasgow City
    warnings = {w.expected.split(";")[0]: w for w in reading.warnings}
    glasgow = warnings["one of the eight West Partnership authorities as it is spelled"]
    assert (glasgow.row, glasgow.column, glasgow.value) == (4, "authority", "Glasgow")
    assert "looks like 'Glasgow City'" in glasgow.expected
    fife = next(w for w in reading.warnings if w.value == "Fife")
    assert "is not, and is used as typed" in fife.expected
    two_places = warnings["an establishment name in one authority"]
    assert two_places.row == 3 and "Glasgow City (row 2) and in North Lanarkshire (row 3)" in (
        two_places.expected
    )
    alike = warnings["one spelling per establishment"]
    assert alike.row == 5 and "'Hillhead Primary School' (row 4)" in alike.expected


def test_a_mapping_says_which_authority_a_spelling_is(tmp_path: Path) -> None:
    """[authorities] turns 'Glasgow' into 'Glasgow City': one authority, no warning."""
    reading = read_survey(
        _survey(
            tmp_path,
            "Ann,Hillhead,Glasgow City,primary,HT,1,2",
            "Cat,Cranhill,Glasgow,ELC,EYP,5,0",
        ),
        mapping={"authorities": {"Glasgow City": ["Glasgow"]}},
    )
    assert [e.authority for e in reading.cohort.establishments] == ["Glasgow City"] * 2
    assert not any("West Partnership" in w.expected for w in reading.warnings)


def test_a_mapping_says_which_establishment_a_spelling_is(tmp_path: Path) -> None:
    """A school typed two ways was two establishments, whose nominees the rules could split
    (the warning was all): the look-alike warning says how to join them, `map` drafts that
    line, and [establishments] switched on makes them one establishment."""
    from clnmatch.io.draft import draft_mapping
    from clnmatch.io.draft_toml import render_draft

    rows = (
        "Ann,Dargavel Primary School,Renfrewshire,primary,HT,1,2",
        "Bob,Dargavel PS,Renfrewshire,primary,teacher,3,4",
        "Cat,Dargavel PS,Glasgow City,primary,teacher,3,4",
    )
    survey = _survey(tmp_path, *rows)
    apart = read_survey(survey)
    assert len(apart.cohort.establishments) == 3
    alike = next(w for w in apart.warnings if "look alike" in w.expected)
    assert '"Dargavel Primary School" = ["Dargavel PS"]' in alike.expected
    draft = render_draft(draft_mapping(survey))
    # the same name written short and long: drafted switched on
    assert '\n"Dargavel Primary School" = ["Dargavel PS"]  # CHECK: one name written' in draft
    joined = read_survey(
        survey, mapping={"establishments": {"Dargavel Primary School": ["dargavel p.s"]}}
    )
    names = sorted((e.name, e.authority) for e in joined.cohort.establishments)
    assert names == [
        ("Dargavel Primary School", "Glasgow City"),
        ("Dargavel Primary School", "Renfrewshire"),
    ]
    assert len(joined.cohort.nominees[joined.cohort.establishments[0].id]) == 2
    assert not any("look alike" in w.expected for w in joined.warnings)
    slip = read_survey(
        survey, mapping={"establishments": {"Dargavel Primary School": ["Dargavle PS"]}}
    )
    unused = [w.expected for w in slip.warnings if "gives 'Dargavle PS'" in w.expected]
    # a line meant for a late additions file (read with the same mapping) is no slip
    assert len(unused) == 1 and "no row of survey.csv" in unused[0]
    assert "unless a file of late additions gives it" in unused[0]


def test_names_that_differ_in_their_kind_words_look_alike(tmp_path: Path) -> None:
    """'St Marys PS' and "St Mary's Primary", 'Merrylee Primary School' and 'Merylee
    Primary' (the examples docs/survey.md gives) are warned about; nothing is merged."""
    reading = read_survey(
        _survey(
            tmp_path,
            "Ann,St Mary's Primary,Glasgow City,primary,HT,1,2",
            "Bob,St Marys PS,Glasgow City,primary,teacher,3,4",
            "Cat,Merrylee Primary School,Glasgow City,primary,HT,5,0",
            "Dan,Merylee Primary,Glasgow City,primary,teacher,5,0",
            "Eve,Cairns Primary School,Glasgow City,primary,HT,1,1",
            "Fay,Carstairs Primary School,Glasgow City,primary,HT,1,1",
        )
    )
    assert len(reading.cohort.establishments) == 6
    alike = [w for w in reading.warnings if w.expected.startswith("one spelling per establishment")]
    assert [(w.row, w.column) for w in alike] == [
        (3, "establishment_name"),
        (5, "establishment_name"),
    ]
    assert "'St Marys PS' (row 3) and 'St Mary's Primary' (row 2)" in alike[0].expected
    assert "'Merylee Primary' (row 5) and 'Merrylee Primary School' (row 4)" in alike[1].expected


def test_real_school_names_are_rarely_look_alikes() -> None:
    """Of the 712 real West Partnership schools, few pairs in one authority and sector
    look alike (each a true near-namesake), so a survey of real schools is not flooded."""
    import itertools
    from collections import defaultdict

    from clnmatch.generate.schools import load_schools
    from clnmatch.io.identity import _names_alike

    groups: dict[tuple[str, object], list[str]] = defaultdict(list)
    for school in load_schools():
        groups[(school.authority, school.sector)].append(name_key(school.name))
    flagged = [
        (a, b)
        for names in groups.values()
        for a, b in itertools.combinations(names, 2)
        if _names_alike(a, b)
    ]
    assert 0 < len(flagged) <= 5, flagged


def test_ids_that_differ_only_by_leading_zeros_are_one_school_when_the_rows_say_so(
    tmp_path: Path,
) -> None:
    """'0007919' typed as text and 7919 as a number, with the same school's name and
    authority, were two establishments whose nominees went to different teams (a lead
    officer: Excel stripped the zeros in one row): they are one, the first id kept, with a
    warning. Ids equal but for zeros on rows naming other schools stay two, with a warning
    naming both rows."""
    path = _survey(
        tmp_path,
        "Ann,0007919,Hillhead,Inverclyde,primary,HT,1,2",
        "Bob,7919,Hillhead,inverclyde,primary,teacher,3,4",
        "Cat,0000000,Kirkton,Inverclyde,primary,HT,1,2",
        "Dan,0,Kirkton Nursery,Inverclyde,primary,teacher,3,4",
        "Eve,SC041,Ashcraig,Inverclyde,primary,HT,1,2",
        "Fin,SC41,Ashcraig,Inverclyde,primary,teacher,3,4",
        header="name,establishment_id,establishment_name,authority,sector,role,theme:A,theme:B",
    )
    reading = read_survey(path)
    cohort = reading.cohort
    assert [e.id for e in cohort.establishments] == ["0007919", "0000000", "0", "SC041", "SC41"]
    assert [p.name for p in cohort.nominees["0007919"]] == ["Ann", "Bob"]
    zeros = [w for w in reading.warnings if "leading zeros" in w.expected]
    assert [(w.row, w.column) for w in zeros] == [(3, "establishment_id"), (5, "establishment_id")]
    assert "'7919' is '0007919' of row 2 but for leading zeros" in zeros[0].expected
    assert "read as one establishment, '0007919'" in zeros[0].expected
    assert "'0' (row 5) and '0000000' (row 4)" in zeros[1].expected


def test_the_eight_authorities_are_spelled_as_they_are(tmp_path: Path) -> None:
    """'GLASGOW CITY' typed by one respondent was the authority's name in every output;
    the eight are now written as they are spelled, the survey's and the facilitators'."""
    survey = _survey(
        tmp_path,
        "Ann,Hillhead Primary,GLASGOW CITY,primary,HT,1,2",
        "Bob,Cranhill Nursery,glasgow city,ELC,EYP,3,4",
        "Cat,Kirkcaldy High,fife,secondary,PT,1,1",
    )
    facilitators = tmp_path / "fac.csv"
    facilitators.write_text("facilitator_id,name,authority\nF1,Fay,  glasgow CITY\n", "utf-8")
    cohort = read_survey(survey, facilitators).cohort
    assert [e.authority for e in cohort.establishments] == ["Glasgow City", "Glasgow City", "fife"]
    assert cohort.facilitators[0].authority == "Glasgow City"


def test_look_alikes_are_grouped_one_line_a_school() -> None:
    """Three spellings of one school gave two draft lines with one key (invalid TOML once
    switched on): each first name now lists every spelling like it, chains included."""
    from clnmatch.io.identity import look_alike_names

    rows = [("Renfrewshire", "St Marys PS"), ("Renfrewshire", "St Mary's Primary School"),
            ("Renfrewshire", "St Mary's Primary"), ("Glasgow City", "St Mary's Primary")]  # fmt: skip
    assert [a[:2] for a in look_alike_names(rows)] == [  # the name to use: the real school's
        ("St Mary's Primary School", ["St Marys PS", "St Mary's Primary"])
    ]


def test_a_school_is_called_by_the_name_most_of_its_rows_give(tmp_path: Path) -> None:
    """Rosters printed the first row's spelling, "kelvindale primary", though the other rows
    wrote "Kelvindale Primary School"; the warnings of such spellings came first and hid
    the ones that matter in the terminal's first ten (a lead officer). The name most rows
    give is used (on a tie, one with capitals, then the longest); spellings are warned last."""
    path = _survey(
        tmp_path,
        "Ann,8414823,kelvindale primary,Glasgow City,primary,HT,1,2",
        "Bob,8414823,Kelvindale Primary School,Glasgow City,primary,teacher,3,4",
        "Cat,8414823,Kelvindale Primary School,Glasgow City,primary,teacher,3,4",
        "Dan,0041,Larkfield Nursery,Inverclyde,ELC,HT,1,2",
        "Eve,41,Larkfield Nursery,Inverclyde,ELC,EYP,3,4",
        "Fin,8415420,Langside PS,Glasgow City,primary,HT,1,2",
        "Gus,8415420,Langside Primary School,Glasgow City,primary,teacher,3,4",
        header="name,establishment_id,establishment_name,authority,sector,role,theme:A,theme:B",
    )
    reading = read_survey(path)
    names = {e.id: e.name for e in reading.cohort.establishments}
    assert names["8414823"] == "Kelvindale Primary School"
    assert names["8415420"] == "Langside Primary School"
    said = [w.expected for w in reading.warnings if "practitioner_id" not in w.expected]
    assert len(said) == 3 and "leading zeros" in said[0]
    kelvindale = "one name for establishment '8414823': row 3 names it 'Kelvindale Primary School'"
    assert kelvindale in said[1] and "row 8 names it 'Langside Primary School'" in said[2]


def test_one_name_in_two_authorities_is_said_unless_both_are_real_schools(
    tmp_path: Path,
) -> None:
    """Hillhead Primary School of Glasgow City and of East Dunbartonshire are two real
    schools: warned on every command, with nothing to correct (a lead officer); a name no
    real school has in both is still said."""
    rows = [
        "Ann,Hillhead Primary School,Glasgow City,primary,HT,1,2",
        "Bob,Hillhead Primary School,East Dunbartonshire,primary,HT,2,1",
        "Cat,Nowhere Academy,Glasgow City,secondary,HT,1,2",
        "Dan,Nowhere Academy,Inverclyde,secondary,HT,2,1",
    ]
    said = [w.expected for w in read_survey(_survey(tmp_path, *rows)).warnings]
    named = [w for w in said if "is given in" in w]
    assert len(named) == 1 and "'Nowhere Academy'" in named[0]
