"""Breakouts from files: the roster and history readers, the outputs and the commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_breakouts_checker import check_schedule
from typer.testing import CliRunner

from clnmatch.breakouts import BreakoutRules, plan_breakouts, warm_up
from clnmatch.breakouts import outputs as outputs_module
from clnmatch.breakouts.io import read_history, read_people
from clnmatch.breakouts.outputs import ZOOM_HEADER, write_plan
from clnmatch.cli import EXIT_INFEASIBLE, EXIT_INVALID, app, sample_paths
from clnmatch.errors import InvalidInputError, InvalidParameterError

runner = CliRunner()
HEADER = [
    "person_id",
    "name",
    "establishment_id",
    "authority",
    "sector",
    "email",
    "theme:Literacy",
    "theme:Play",
]
AUTHORITIES = ["Glasgow City", "Inverclyde", "Renfrewshire", "East Renfrewshire"]


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    """Compile the search kernels once (cached on disk after the first run)."""
    warm_up()


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _roster_rows(n: int) -> list[list[str]]:
    return [
        [
            f"{i:04d}",
            '=HYPERLINK("x")' if i == 3 else f"Person {i}",
            f"E{i // 2}",
            AUTHORITIES[(i // 2) % 4],
            ("nursery", "primary", "S", "ASN")[(i // 2) % 4],
            f"p{i}@school.example" if i != 5 else "",
            str(i % 6),
            "Very interested" if i % 3 else "",
        ]
        for i in range(n)
    ]


def _said(done) -> str:
    """The command's output with the terminal's line wrapping undone."""
    return " ".join(done.output.split())


def _rooms(path: Path) -> list[dict[str, int]]:
    rounds: dict[int, dict[str, int]] = {}
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            rounds.setdefault(int(row["round"]), {})[row["person_id"]] = int(row["room"]) - 1
    return [rounds[r] for r in sorted(rounds)]


def test_roster_reads_ids_as_text_sectors_emails_and_ratings(tmp_path):
    """Leading zeros stay, sector aliases and rating words are read, blank email allowed."""
    roster, warnings = read_people(_write(tmp_path / "r.csv", _roster_rows(8)))
    assert warnings == []
    assert roster.people[0].id == "0000" and roster.people[0].sector == "ELC"
    assert roster.people[2].sector == "primary" and roster.people[6].sector == "special"
    assert roster.themes == ("Literacy", "Play") and roster.people[1].interests == (1, 5)
    assert roster.people[5].email == "" and roster.people[3].name == '=HYPERLINK("x")'


def test_roster_errors_name_file_row_column_and_expectation(tmp_path):
    """Every problem is listed at once, each with its spreadsheet row and column."""
    rows = _roster_rows(4)
    rows[1][0] = rows[0][0]  # duplicate id, row 3
    rows[2][4] = "college"  # unknown sector, row 4
    rows[3][6] = "9"  # rating out of range
    rows[0][3] = "Inverclyde"  # E0 has two authorities (rows 2 and 3)
    with pytest.raises(InvalidInputError) as caught:
        read_people(_write(tmp_path / "bad.csv", rows))
    text = str(caught.value)
    assert "bad.csv, row 3, column 'person_id'" in text and "also on row 2" in text
    assert "row 4, column 'sector'" in text and "'college'" in text
    assert "row 5, column 'theme:Literacy'" in text
    assert "establishment 'E0'" in text
    with pytest.raises(InvalidInputError, match="'person_id' and 'name'"):
        read_people(_write(tmp_path / "x.csv", [["a"]], header=["who"]))


def test_an_email_that_is_none_is_said_not_quoted_and_left_out(tmp_path):
    """As the survey reader: "anonymous" (Microsoft Forms) is no email; a cell that is no
    address ("Ann Other <ann@x.org>") is a warning that quotes nothing, and the person is
    planned without one (left out of the Zoom files)."""
    rows = _roster_rows(6)
    rows[1][5] = "Anonymous"
    rows[2][5] = "Person 2 <p2@school.example>"
    roster, warnings = read_people(_write(tmp_path / "r.csv", rows))
    assert [p.email for p in roster.people[1:3]] == ["", ""]
    (warning,) = warnings
    assert (warning.row, warning.column, warning.value) == (4, "email", None)
    assert "Person 2" not in str(warning) and "left out of the Zoom files" in str(warning)


def test_a_survey_without_practitioner_ids_is_read_as_solve_reads_it(tmp_path):
    """A survey with no practitioner_id column (solve numbers its rows R002, ...) is read
    as people too, rather than refused as neither roster nor survey."""
    import pandas as pd

    survey = pd.read_csv(sample_paths()[0], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    path = tmp_path / "no_ids.csv"
    survey.drop(columns=["practitioner_id"]).to_csv(path, index=False)
    roster, _ = read_people(path)
    assert len(roster) == len(survey) and roster.people[0].id == "R002"
    assert roster.people[0].name == survey["name"][0]


def test_a_survey_is_read_as_people_and_map_is_passed_on(tmp_path, monkeypatch):
    """The sample survey's practitioners become people; --map goes to the survey reader
    when it takes a mapping, and is refused clearly when it does not."""
    survey, _ = sample_paths()
    roster, _ = read_people(survey)
    assert len(roster) > 50 and roster.has_authorities and roster.themes
    from clnmatch.io import survey as survey_module

    real = survey_module.read_survey
    seen = {}

    def with_mapping(source, *, sheet=None, mapping=None):
        seen["mapping"] = mapping
        return real(source, sheet=sheet)

    monkeypatch.setattr(survey_module, "read_survey", with_mapping)
    read_people(survey, mapping=tmp_path / "map.toml")
    assert seen["mapping"] == tmp_path / "map.toml"

    def without_mapping(source, *, sheet=None):
        return real(source, sheet=sheet)

    monkeypatch.setattr(survey_module, "read_survey", without_mapping)
    with pytest.raises(InvalidParameterError, match="survey mappings"):
        read_people(survey, mapping=tmp_path / "map.toml")


HISTORY = ["round", "room", "person_id"]


def test_history_from_rooms_and_teams_files(tmp_path):
    """rooms.csv rounds and a teams.csv (one round) both become history rounds."""
    rooms = _write(
        tmp_path / "rooms.csv",
        [["1", "1", "a"], ["1", "1", "b"], ["2", "1", "a"]],
        ["round", "room", "person_id"],
    )
    teams = _write(tmp_path / "teams.csv", [["a", "3"], ["c", "3"]], ["practitioner_id", "team"])
    history = read_history([rooms, teams])
    assert [dict(r) for r in history.rounds] == [
        {"a": "1", "b": "1"},
        {"a": "1"},
        {"a": "3", "c": "3"},
    ]
    with pytest.raises(InvalidInputError, match="'room' or 'team'"):
        read_history([_write(tmp_path / "h.csv", [["a"]], ["person_id"])])
    # a row given twice is harmless; one person in two rooms of a round is not
    twice = [["1", "1", "a"], ["1", "1", "a"], ["1", "2", "b"]]
    assert [dict(r) for r in read_history([_write(tmp_path / "t.csv", twice, HISTORY)]).rounds] == [
        {"a": "1", "b": "2"}
    ]
    two_rooms = _write(tmp_path / "two.csv", [*twice, ["1", "3", "a"]], HISTORY)
    with pytest.raises(InvalidInputError, match=r"row 5, column 'room'.*row 2 of the same round"):
        read_history([two_rooms])


def test_breakouts_writes_every_output_and_they_agree(tmp_path):
    """One command: rooms, itinerary, workbook, report, summary and Zoom files, all
    consistent with each other and with the rules (checked independently)."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(40))
    out = tmp_path / "rooms"
    done = runner.invoke(
        app,
        [
            "breakouts",
            str(roster),
            "--rounds",
            "3",
            "--room-size",
            "5",
            "--min-authorities",
            "3",
            "--time-limit",
            "20",
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    summary = json.loads((out / "summary.json").read_text())
    assert {"repeats", "lower_bound_repeats", "rounds", "runtime_s", "seed", "checks"} <= set(
        summary
    )
    assert summary["rounds"] == 3 and all(c["ok"] for c in summary["checks"].values())
    assert summary["rooms_per_round"] == [8, 8, 8]
    rounds = _rooms(out / "rooms.csv")
    ids = {f"{i:04d}" for i in range(40)}
    authority = {f"{i:04d}": AUTHORITIES[(i // 2) % 4] for i in range(40)}
    checked = check_schedule(
        rounds,
        expected=[ids] * 3,
        rooms_per_round=[8] * 3,
        authority=authority,
        establishment={f"{i:04d}": f"E{i // 2}" for i in range(40)},
        min_authorities=3,
    )
    assert checked.broken == set() and checked.repeats == summary["repeats"]
    with (out / "zoom_round_2.csv").open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert lines[0] == ",".join(ZOOM_HEADER)
    assert len(lines) == 40  # 39 people with an email, one header
    assert summary["zoom_without_email"] == 1
    book = load_workbook(out / "rooms.xlsx")
    assert book.sheetnames == ["Round 1", "Round 2", "Round 3", "People"]
    sheet = book["Round 1"]
    # headed as a person reads them, as teams.xlsx is (a plain-language reviewer)
    assert [c.value for c in sheet[1]][:3] == ["Room", "Person id", "Name"]
    assert [c.value for c in book["People"][1]][-2:] == ["Round 3", "New people met"]
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.oddHeader.left.text == "&A"  # each printed page names its round
    assert any(  # text, never a formula
        c.value == '=HYPERLINK("x")' and c.data_type == "s" and c.quotePrefix for c in sheet["C"]
    )
    assert "'=HYPERLINK" in (out / "rooms.csv").read_text(encoding="utf-8-sig")
    html = (out / "report.html").read_text()
    assert "<svg" in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "https://" not in html and "Content-Security-Policy" in html
    with (out / "itinerary.csv").open(encoding="utf-8-sig") as handle:
        itinerary = list(csv.DictReader(handle))
    assert len(itinerary) == 40 and itinerary[0]["round_1"] == str(rounds[0]["0000"] + 1)


def test_outputs_are_whole_or_absent(tmp_path, monkeypatch):
    """A failure while writing leaves the output folder as it was: not created at all, or
    with its earlier files untouched."""
    roster, _ = read_people(_write(tmp_path / "roster.csv", _roster_rows(20)))
    plan = plan_breakouts(roster, BreakoutRules(rounds=2, room_size=4), time_limit=10)

    def boom(_plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs_module, "render_report", boom)
    with pytest.raises(RuntimeError):
        write_plan(plan, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    old = tmp_path / "old"
    old.mkdir()
    (old / "rooms.csv").write_text("earlier rooms")
    with pytest.raises(RuntimeError):
        write_plan(plan, old)
    assert [p.name for p in old.iterdir()] == ["rooms.csv"]
    assert (old / "rooms.csv").read_text() == "earlier rooms"


def test_exit_codes_and_nothing_written_on_failure(tmp_path):
    """Impossible rules: exit 3 naming the rule; bad options or input: exit 2."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(20))
    out = tmp_path / "out"
    done = runner.invoke(
        app,
        [
            "breakouts",
            str(roster),
            "--rounds",
            "2",
            "--room-size",
            "4",
            "--min-authorities",
            "5",
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == EXIT_INFEASIBLE and "only 4 authorities" in _said(done)
    done = runner.invoke(app, ["breakouts", str(roster), "--rounds", "2", "--out", str(out)])
    assert done.exit_code == EXIT_INVALID and "exactly one of --room-size" in _said(done)
    bad = _write(tmp_path / "bad.csv", [["1", "", "E", "A", "P", "", "1", "1"]])
    done = runner.invoke(
        app, ["breakouts", str(bad), "--rounds", "2", "--rooms", "2", "--out", str(out)]
    )
    assert done.exit_code == EXIT_INVALID and "row 2, column 'name'" in _said(done)
    assert not out.exists()


def _plan_into(out: Path, args: list[str], *, size: int) -> None:
    """A first plan of 3 rounds in ``out``, which a test then re-plans."""
    done = runner.invoke(app, [*args, "--rounds", "3", "--room-size", str(size), "--out", str(out)])
    assert done.exit_code == 0, done.output


def test_golf_command_prints_json_and_writes_zero_based_lines(tmp_path):
    """clnmatch golf 5 3 7: one JSON object; 105 'round group player' lines, all 0-based."""
    out = tmp_path / "golf.txt"
    done = runner.invoke(app, ["golf", "5", "3", "7", "--time-limit", "5", "--out", str(out)])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["repeats"] == 0 == result["lower_bound_repeats"] and "runtime_s" in result
    lines = [tuple(map(int, line.split())) for line in out.read_text().splitlines()]
    assert len(lines) == 105 and min(min(t) for t in lines) == 0
    assert {w for w, _, _ in lines} == set(range(7)) and {p for _, _, p in lines} == set(range(15))
    for folder in (tmp_path, tmp_path / "missing" / "golf.txt"):  # refused before solving
        done = runner.invoke(app, ["golf", "5", "3", "7", "--out", str(folder)])
        assert done.exit_code == EXIT_INVALID and "names a file to write" in _said(done)
    for args, said in ((["4", "1", "3"], "argument S"), (["1", "3", "2"], "argument G must")):
        done = runner.invoke(app, ["golf", *args, "--out", str(out)])
        assert done.exit_code == EXIT_INVALID and said in _said(done), done.output


def test_pseudonymised_outputs_name_nobody(tmp_path):
    """--pseudonymise: names become Person 001..., emails and Zoom files are gone, every id
    (an email, a name-like one such as scott.smith) is replaced, and the rooms are the same."""
    rows = _roster_rows(20)
    rows[4][0] = "amy@school.example"
    rows[6][0] = "scott.smith"
    roster = _write(tmp_path / "roster.csv", rows)
    plain, hidden = tmp_path / "plain", tmp_path / "hidden"
    args = ["breakouts", str(roster), "--rounds", "2", "--room-size", "4", "--time-limit", "10"]
    assert runner.invoke(app, [*args, "--out", str(plain)]).exit_code == 0
    assert runner.invoke(app, [*args, "--pseudonymise", "--out", str(hidden)]).exit_code == 0
    assert not list(hidden.glob("zoom_*")) and list(plain.glob("zoom_*"))
    text = "".join(p.read_text(encoding="utf-8-sig") for p in hidden.glob("*.csv"))
    text += (hidden / "report.html").read_text() + (hidden / "summary.json").read_text()
    assert "Person 001" in text and "P005" in text
    assert "amy@" not in text and "@school.example" not in text and "Person 7," not in text
    assert "scott" not in text and "0011" not in text  # 0011: a plain id, replaced too
    with (
        (plain / "rooms.csv").open(encoding="utf-8-sig") as a,
        (hidden / "rooms.csv").open(encoding="utf-8-sig") as b,
    ):
        shown, hidden_rows = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert [r["room"] for r in shown] == [r["room"] for r in hidden_rows]

    def schools(listing: list[dict[str, str]]) -> dict[tuple[str, str], list[str]]:
        rooms: dict[tuple[str, str], list[str]] = {}
        for r in listing:
            rooms.setdefault((r["round"], r["room"]), []).append(r["establishment_id"])
        return {k: sorted(v) for k, v in rooms.items()}

    assert schools(shown) == schools(hidden_rows)  # the same rooms, of the same schools
    # numbered in an order drawn at random: in roster order, "P005" was the fifth row (a
    # data protection officer); the roster's schools in pseudonym order by chance: 1 in 20!/2^10
    school_of = {r["person_id"]: r["establishment_id"] for r in hidden_rows}
    assert sorted(school_of) == [f"P{i:03d}" for i in range(1, 21)]
    assert [school_of[p] for p in sorted(school_of)] != [r[2] for r in rows]


def test_breakouts_map_reads_the_sheet_its_mapping_names(tmp_path):
    """A Forms workbook opening on a cover sheet: `breakouts --map` reads the responses from
    the sheet the mapping names, as solve does."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    cover.title = "About"
    cover.append(["CLN webinar sign-ups (exported from Microsoft Forms)"])
    responses = book.create_sheet("Form1")
    responses.append(["Name", "School", "Local authority", "Sector", "Role", "theme:A", "theme:B"])
    for i in range(12):
        school = f"School {i // 2}"
        responses.append([f"P{i}", school, AUTHORITIES[(i // 2) % 4], "primary", "HT", 1, 2])
    path = tmp_path / "export.xlsx"
    book.save(path)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'sheet = "Form1"\n[columns]\nname = "Name"\nestablishment_name = "School"\n'
        'authority = "Local authority"\nsector = "Sector"\nrole = "Role"\n',
        encoding="utf-8",
    )
    out = tmp_path / "rooms"
    done = runner.invoke(
        app,
        ["breakouts", str(path), "--map", str(mapping), "--rounds", "2", "--room-size", "3"]
        + ["--time-limit", "5", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    assert len(_rooms(out / "rooms.csv")[0]) == 12


def test_a_new_plan_removes_the_earlier_plans_zoom_rounds_only(tmp_path):
    """Fewer rounds than the folder's earlier plan: its zoom_round_3.csv goes (it would be
    imported for a round that no longer exists); a user's own zoom_round_2_fixed.csv stays."""
    roster, _ = read_people(_write(tmp_path / "roster.csv", _roster_rows(20)))
    out = tmp_path / "rooms"
    for rounds in (3, 2):
        plan = plan_breakouts(roster, BreakoutRules(rounds=rounds, room_size=4), time_limit=5)
        write_plan(plan, out)
        if rounds == 3:
            assert (out / "zoom_round_3.csv").exists()
            (out / "zoom_round_2_fixed.csv").write_text("mine\n", encoding="utf-8")
    zoom = sorted(p.name for p in out.glob("zoom_round_*.csv"))
    assert zoom == ["zoom_round_1.csv", "zoom_round_2.csv", "zoom_round_2_fixed.csv"]


def test_outputs_never_replace_the_commands_inputs(tmp_path):
    """A roster named rooms.csv in --out, or --from's own folder as --out: refused before
    any work (exit 2), the input untouched."""
    folder = tmp_path / "inout"
    folder.mkdir()
    roster = _write(folder / "rooms.csv", _roster_rows(12))
    before = roster.read_bytes()
    args = ["--rounds", "2", "--room-size", "3", "--time-limit", "5"]
    done = runner.invoke(app, ["breakouts", str(roster), *args, "--out", str(folder)])
    assert done.exit_code == EXIT_INVALID and "never writes over its inputs" in _said(done)
    assert roster.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == [
        "rooms.csv"
    ]
    first = tmp_path / "first"
    other = _write(tmp_path / "roster.csv", _roster_rows(12))
    assert runner.invoke(app, ["breakouts", str(other), *args, "--out", str(first)]).exit_code == 0
    kept = (first / "rooms.csv").read_bytes()
    again = ["--from", str(first), "--replan-round", "2", "--out", str(first)]
    done = runner.invoke(app, ["breakouts", str(other), "--time-limit", "5", *again])
    assert done.exit_code == EXIT_INVALID and (first / "rooms.csv").read_bytes() == kept


def test_json_is_the_summary_written(tmp_path):
    """--json prints summary.json as written, its Zoom files included, and the roster's
    warnings (none here)."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(16))
    out = tmp_path / "rooms"
    done = runner.invoke(
        app,
        ["breakouts", str(roster), "--rounds", "2", "--room-size", "4", "--time-limit", "5"]
        + ["--json", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    printed = json.loads(done.stdout)
    assert printed.pop("warnings") == []
    assert printed == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert printed["zoom_files"] == ["zoom_round_1.csv", "zoom_round_2.csv"]


def test_rules_about_authorities_need_one_on_every_row(tmp_path):
    """--min-authorities with a roster row that has no authority: exit 2 naming the file,
    the row and the column (not the person's email); no output folder."""
    rows = _roster_rows(12)
    rows[6][3] = rows[7][3] = ""  # both people of one establishment
    roster = _write(tmp_path / "roster.csv", rows)
    out = tmp_path / "out"
    args = ["breakouts", str(roster), "--rounds", "2", "--room-size", "4", "--out", str(out)]
    done = runner.invoke(app, [*args, "--min-authorities", "2"])
    said = _said(done)
    assert done.exit_code == EXIT_INVALID, said
    assert "roster.csv, row 8, column 'authority'" in said and "@" not in said
    assert not out.exists()
    assert runner.invoke(app, args).exit_code == 0  # no authority rule: the row is fine


def test_bad_settings_are_named_by_their_options(tmp_path):
    """A bad --rounds or --time-limit is named as the option the user typed, not as a
    Python parameter of BreakoutRules or plan_breakouts."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(12))
    args = ["breakouts", str(roster), "--room-size", "4", "--out", str(tmp_path / "o")]
    for extra, option in ((["--rounds", "0"], "'--rounds' option"),
                          (["--rounds", "2", "--time-limit", "-1"], "'--time-limit' option")):  # fmt: skip
        said = _said(runner.invoke(app, [*args, *extra]))
        assert option in said and "BreakoutRules" not in said and "plan_breakouts" not in said


def test_an_email_given_twice_is_in_one_zoom_room_only(tmp_path):
    """Two rows with one email (a form sent twice, a shared mailbox): a warning names both
    rows (not the address), and each Zoom file lists the email once, for the first row;
    the other is counted among those placed by hand."""
    rows = _roster_rows(12)
    rows[7][5] = rows[2][5]
    roster = _write(tmp_path / "roster.csv", rows)
    out = tmp_path / "out"
    args = ["breakouts", str(roster), "--rounds", "2", "--room-size", "4", "--out", str(out)]
    done = runner.invoke(app, args)
    said = _said(done)
    assert done.exit_code == 0, said
    assert "row 9, column 'email'" in said and "row 4 has the same" in said
    assert rows[2][5] not in said
    for r in (1, 2):
        with (out / f"zoom_round_{r}.csv").open(encoding="utf-8") as handle:
            emails = [line["Email Address"] for line in csv.DictReader(handle)]
        assert emails.count(rows[2][5]) == 1 and len(emails) == 10  # row 7 has no email
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["zoom_without_email"] == 2  # and the second row: by hand (it said 1)


def test_the_planner_keeps_the_limit_when_writing_cannot_fit_in_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The outputs' estimate could exceed the whole limit: 480 people x 40 rounds at 10 s
    left the planner 0.5 s, then half (2,000 x 12 at 3 s failed 4 runs in 7 on a busy
    machine, "try a longer --time-limit"): the run overruns anyway, so it keeps it all."""
    from clnmatch.cli import breakouts as command
    from clnmatch.time_budget import Deadline

    monkeypatch.setattr(command, "breakout_output_seconds", lambda *args: 11.5)
    clock = Deadline.after(10.0)
    assert command._planning_seconds(clock, 480, 40, 10.0) >= 0.95 * 10.0


def test_impossible_room_counts_and_rounds_are_refused_in_the_commands_words(tmp_path):
    """--rooms leaving rooms of one person (5 people, --rooms 10: planned as 5 rooms of
    one, "nobody meets anyone twice"), a one-person roster, and a round the plan in --from
    does not have: exit 2 in the command's words (they named Python parameters of
    plan_breakouts and replan_round)."""
    five = _write(tmp_path / "five.csv", _roster_rows(5))
    out = tmp_path / "out"
    done = runner.invoke(
        app, ["breakouts", str(five), "--rounds", "2", "--rooms", "10", "--out", str(out)]
    )
    assert done.exit_code == EXIT_INVALID
    assert "--rooms 10 for 5 people would leave rooms of one person: give at most 2 rooms" in (
        " ".join(done.output.split())
    )
    one = _write(tmp_path / "one.csv", _roster_rows(1))
    done = runner.invoke(
        app, ["breakouts", str(one), "--rounds", "2", "--room-size", "2", "--out", str(out)]
    )
    assert done.exit_code == EXIT_INVALID and "breakout rooms need two or more" in done.output
    assert "plan_breakouts" not in done.output and not out.exists()
    roster = _write(tmp_path / "roster.csv", _roster_rows(30))
    first = tmp_path / "first"
    _plan_into(first, ["breakouts", str(roster), "--time-limit", "10"], size=5)
    done = runner.invoke(
        app,
        ["breakouts", str(roster), "--from", str(first), "--replan-round", "9", "--out", str(out)],
    )
    assert done.exit_code == EXIT_INVALID
    assert "--replan-round 9: the plan in" in done.output and "has rounds 1 to 3" in done.output
    with pytest.raises(InvalidParameterError, match="at most 2 rooms for 5 people"):
        plan_breakouts(read_people(five)[0], BreakoutRules(rounds=2, rooms=10), time_limit=2)


def test_rooms_of_two_for_an_odd_number_of_people_leave_no_one_alone(tmp_path):
    """9 people in rooms of 2: four rooms, one of 3 (it planned five, one person alone in
    room 5 every round, where --rooms 5 is refused for leaving rooms of one)."""
    nine = _write(tmp_path / "nine.csv", _roster_rows(9))
    out = tmp_path / "out"
    done = runner.invoke(
        app, ["breakouts", str(nine), "--rounds", "2", "--room-size", "2", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["room_sizes_by_round"] == [[2, 3], [2, 3]]
    for rooms in _rooms(out / "rooms.csv"):  # each round: person -> room
        counts = [list(rooms.values()).count(r) for r in sorted(set(rooms.values()))]
        assert sorted(counts) == [2, 2, 2, 3]


def test_a_run_past_its_time_limit_says_so(tmp_path, monkeypatch):
    """Writing a big roster's outputs can outlast --time-limit on its own: the run says
    how long it took, how much of it was writing, and what limit leaves room for it."""
    import time

    real = outputs_module.write_plan

    def slow_write(*args, **kwargs):
        time.sleep(1.5)  # as 3,000 people over 6 rounds take on a busy machine
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs_module, "write_plan", slow_write)
    roster = _write(tmp_path / "roster.csv", _roster_rows(30))
    done = runner.invoke(
        app, ["breakouts", str(roster), "--rounds", "2", "--room-size", "5", "--time-limit", "1",
              "--out", str(tmp_path / "out")],
    )  # fmt: skip
    said = " ".join(done.output.split())
    assert done.exit_code == 0, said
    assert "past --time-limit 1 (writing the outputs for 30 people over 2 rounds took" in said
    assert "s or more leaves room for it" in said


def test_a_history_naming_nobody_on_the_roster_is_refused(tmp_path):
    """--history whose ids are nobody's on the roster (a pseudonymised teams.csv, another
    cohort's rooms) would count for nothing, unsaid: refused with exit 2 and no folder; a
    history naming some strangers is planned, with a warning saying how many."""
    roster = _write(tmp_path / "roster.csv", _roster_rows(20))
    strangers = tmp_path / "teams.csv"
    strangers.write_text(
        "practitioner_id,team\n" + "".join(f"P-X{i},{i % 3 + 1}\n" for i in range(20))
    )
    args = ["breakouts", str(roster), "--rounds", "2", "--room-size", "5", "--time-limit", "5"]
    done = runner.invoke(app, [*args, "--history", str(strangers), "--out", str(tmp_path / "a")])
    assert done.exit_code == EXIT_INVALID and "none of them on the roster" in _said(done)
    assert not (tmp_path / "a").exists()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("practitioner_id,team\n0001,1\n0002,1\nP-X1,1\n")
    done = runner.invoke(app, [*args, "--history", str(mixed), "--out", str(tmp_path / "b")])
    assert done.exit_code == 0, done.output
    assert "1 of the 3 people in --history are not on the roster" in _said(done)
