"""Tests of ``clnmatch map`` drafts for a form whose people type their school's name (a
Google Forms export without ids): one name written short and long is joined, two real
schools that look alike are never, and one person answering twice reads once."""

from __future__ import annotations

from pathlib import Path

from clnmatch.io.draft import draft_mapping
from clnmatch.io.draft_toml import render_draft
from clnmatch.io.identity import look_alike_names
from clnmatch.io.survey import read_survey

HEADER = (
    "Timestamp,Email address,Your name,Name of your school,Local authority,Sector,Your role,"
    "How interested are you? [Literacy],How interested are you? [Numeracy]\n"
)
PEOPLE = [  # (school as typed, authority as the form's list gives it, sector)
    ("St Mark's Primary School (Hamilton)", "South Lanarkshire Council", "Primary"),
    ("St. Mark's Primary (Hamilton)", "South Lanarkshire Council", "Primary"),
    ("St Mary's Primary School (Hamilton)", "South Lanarkshire Council", "Primary"),
    ("St Mary's PS (Hamilton)", "South Lanarkshire Council", "Primary"),
    ("Johnstone HS", "Renfrewshire Council", "Secondary"),
    ("Johnstone High School", "Renfrewshire Council", "Secondary"),
    ("Johnstone High School", "Renfrewshire Council", "Secondary"),
    ("Langbank Primary School", "Renfrewshire Council", "Primary"),
    ("Langbnk Primary School", "Renfrewshire Council", "Primary"),
]


def _export(tmp_path: Path, again: bool = True) -> Path:
    lines = [
        f"01/12/2026 09:{k:02d}:00,p{k}@school.example,Person {k},{school},{authority},"
        f"{sector},{'Headteacher' if k % 2 else 'Class Teacher'},Very,Quite"
        for k, (school, authority, sector) in enumerate(PEOPLE)
    ]
    if again:  # person 0 sends the form again, an hour later
        lines.append(lines[0].replace("09:00", "10:00").replace("Very,Quite", "Quite,Very"))
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _drafted(tmp_path: Path, path: Path) -> tuple[str, Path]:
    text = render_draft(draft_mapping(path))
    # the scale's words are drafted as CHECK lines on: fine for these tests
    mapping = tmp_path / "map.toml"
    mapping.write_text(text, encoding="utf-8")
    return text, mapping


def test_one_name_written_short_and_long_is_joined_and_two_real_schools_never(
    tmp_path: Path,
) -> None:
    """St Mark's and St Mary's of Hamilton are two real schools that look alike: a tester's
    draft chained them into one line (switched on, St Mark's staff were rostered as St
    Mary's). Each is joined only with its own short spellings, those lines switched on,
    named as the real school is, and read as four establishments."""
    text, mapping = _drafted(tmp_path, _export(tmp_path))
    on = [line for line in text.splitlines() if "one name written two ways" in line]
    assert on == [
        '"St Mark\'s Primary School (Hamilton)" = ["St. Mark\'s Primary (Hamilton)"]'
        "  # CHECK: one name written two ways",
        '"St Mary\'s Primary School (Hamilton)" = ["St Mary\'s PS (Hamilton)"]'
        "  # CHECK: one name written two ways",
        '"Johnstone High School" = ["Johnstone HS"]  # CHECK: one name written two ways',
    ]
    # a typo is not a short form: offered, left off for the user to decide
    assert (
        '# "Langbank Primary School" = ["Langbnk Primary School"]  # CHECK: one establishment?'
        in text
    )
    reading = read_survey(_export(tmp_path), mapping=mapping)
    names = sorted(e.name for e in reading.cohort.establishments)
    assert names == [
        "Johnstone High School", "Langbank Primary School", "Langbnk Primary School",
        "St Mark's Primary School (Hamilton)", "St Mary's Primary School (Hamilton)",
    ]  # fmt: skip
    # two real schools are not said to look alike; the typo still is
    alike = [w.expected for w in reading.warnings if "look alike" in w.expected]
    assert len(alike) == 1 and "Langbank" in alike[0]


def test_the_name_to_use_is_the_real_schools_else_the_most_given() -> None:
    rows = [("Renfrewshire", "Johnstone HS"), ("Renfrewshire", "Johnstone High School"),
            ("Inverclyde", "Kilmacolm Pri"), ("Inverclyde", "Kilmacolm Primary"),
            ("Inverclyde", "Kilmacolm Primary"),
            ("Glasgow City", "Nowhere Acad"), ("Glasgow City", "Nowhere Academy")]  # fmt: skip
    assert [a[:2] for a in look_alike_names(rows)] == [
        ("Johnstone High School", ["Johnstone HS"]),
        # the real school's name as the bundled list spells it, though no row gives it
        ("Kilmacolm Primary School", ["Kilmacolm Pri", "Kilmacolm Primary"]),
        ("Nowhere Academy", ["Nowhere Acad"]),  # no real school: the longer of a tie
    ]


def test_a_person_answering_twice_is_read_once_from_the_later_answer(tmp_path: Path) -> None:
    """The draft leaves out the earlier of two answers from one e-mail address (a tester's
    rosters mailed one person twice); without a repeat there is no such line."""
    path = _export(tmp_path)
    text, mapping = _drafted(tmp_path, path)
    assert "leave_out_rows = [2]  # CHECK: row 11 repeats row 2" in text
    cohort = read_survey(path, mapping=mapping).cohort
    assert len(cohort.practitioners) == len(PEOPLE)
    first, other = (
        next(p for p in cohort.practitioners if p.email == f"p{k}@school.example") for k in (0, 1)
    )
    assert first.interests == other.interests[::-1]  # "Quite", "Very": the later answer
    single, _ = _drafted(tmp_path, _export(tmp_path, again=False))
    assert "leave_out_rows" not in single


def test_names_typed_without_their_place_and_namesakes_are_never_joined_blind() -> None:
    """The bundled names carry their place ("St Mark's Primary School (Hamilton)"); typed
    without it (a reviewer): St Mark's and St Mary's of South Lanarkshire are still two
    schools, and "St Mary's PS" with "St Mary's Primary School" is left off where several
    real schools have that name. A nursery and a primary of one name (sectors given) are
    two, and do not keep the primary's short form off (a re-tester's split school)."""
    rows = [
        ("South Lanarkshire", "St Mark's Primary School", "Primary"),
        ("South Lanarkshire", "St Mary's Primary School", "Primary"),
        ("South Lanarkshire", "St Mary's PS", "Primary"),
        ("West Dunbartonshire", "Dalreoch Nursery", "ELC"),
        ("West Dunbartonshire", "Dalreoch Primary School", "Primary"),
        ("West Dunbartonshire", "Dalreoch PS", "Primary"),
    ]
    groups = look_alike_names(rows)
    assert [(a.name, a.spellings, a.one_school, a.namesakes) for a in groups] == [
        ("St Mary's Primary School", ["St Mary's PS"], False, 3),
        ("Dalreoch Primary School", ["Dalreoch PS"], True, 1),
    ]


def test_a_draft_for_one_name_in_two_authorities_reads(tmp_path: Path) -> None:
    """St Mary's Primary School typed short and long in two authorities drafted two lines
    of one TOML key: the draft did not read (a re-tester). One line now, on only if both
    are; e-mails that are no address (Forms' "anonymous") are no repeat, and one address
    given with two names is a CHECK, not a row left out (a shared office address)."""
    lines = [
        "01/12/2026 09:00:00,anonymous,Ann Bell,St Mary's Primary School,Glasgow City,Primary,HT,Very,Quite",
        "01/12/2026 09:01:00,anonymous,Bob Carr,St Mary's PS,Glasgow City,Primary,Teacher,Very,Quite",
        "01/12/2026 09:02:00,office@x.sch.uk,Cat Dunn,St Mary's Primary School,Renfrewshire,Primary,HT,Very,Quite",
        "01/12/2026 09:03:00,office@x.sch.uk,Dan Eyre,St Mary's PS,Renfrewshire,Primary,Teacher,Very,Quite",
    ]  # fmt: skip
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    text, mapping = _drafted(tmp_path, path)
    assert text.count('"St Mary\'s Primary School" = ') == 1
    assert '\n"St Mary\'s Primary School" = ["St Mary\'s PS"]  # CHECK: one name' in text
    assert "\nleave_out_rows" not in text and "Same e-mail, other names: rows 4 and 5" in text
    cohort = read_survey(path, mapping=mapping).cohort
    assert len(cohort.practitioners) == 4 and len(cohort.establishments) == 2


def test_a_school_typed_short_under_another_spelling_of_its_authority_is_joined(
    tmp_path: Path,
) -> None:
    """'St Teresa's Primary School' of 'Glasgow City Council' and 'St Teresa's PS' of
    'Glasgow City': the draft joins the authorities, but looked for look-alike schools
    under the spellings as typed, so it drafted no line and the school's two nominees
    were two schools (a first-time lead officer)."""
    path = tmp_path / "responses.csv"
    rows = [
        ("St Teresa's Primary School", "Glasgow City Council"),
        ("St Teresa's PS", "Glasgow City"),
        ("Johnstone High School", "Renfrewshire Council"),
        ("Johnstone High School", "Renfrewshire Council"),
    ]
    lines = [
        f"01/12/2026 09:{k:02d}:00,p{k}@school.example,Person {k},{school},{authority},"
        f"{'Secondary' if 'High' in school else 'Primary'},Headteacher,Very,Quite"
        for k, (school, authority) in enumerate(rows)
    ]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    text, mapping = _drafted(tmp_path, path)
    assert (
        '"St Teresa\'s Primary School" = ["St Teresa\'s PS"]  # CHECK: one name written two ways'
        in text
    )
    cohort = read_survey(path, mapping=mapping).cohort
    assert sorted(e.name for e in cohort.establishments) == [
        "Johnstone High School", "St Teresa's Primary School"
    ]  # fmt: skip
