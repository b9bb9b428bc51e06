"""The command line: every command, its files, and the contract's exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from clnmatch.cli import app, sample_paths

runner = CliRunner()
SURVEY, FACILITATORS = sample_paths()
OUTPUTS = {"teams.csv", "facilitators.csv", "summary.json", "teams.xlsx", "report.html"}
ROSTERS = {"mailmerge.csv", "handouts.html"}  # and handouts.pdf where Chromium is installed


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """One greedy solve of the sample cohort, shared by the tests that read its outputs."""
    out = tmp_path_factory.mktemp("solved") / "out"
    result = run(
        "solve",
        SURVEY,
        "--facilitators",
        FACILITATORS,
        "--strategy",
        "greedy",
        "--time-limit",
        "5",
        "--out",
        out,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    return out


def test_solve_writes_every_contract_file(solved):
    """solve writes teams.csv, facilitators.csv, summary.json, teams.xlsx and report.html."""
    assert (
        OUTPUTS | ROSTERS
        <= {p.name for p in solved.iterdir()}
        <= OUTPUTS | ROSTERS | {"handouts.pdf"}
    )
    summary = json.loads((solved / "summary.json").read_text(encoding="utf-8"))
    for key in (
        "status",
        "objective",
        "bound",
        "gap",
        "runtime_s",
        "seed",
        "strategy",
        "rules",
        "teams",
    ):
        assert key in summary
    assert summary["status"] in ("optimal", "feasible")
    assert {"size", "establishments", "sectors", "authorities", "focus", "facilitators"} <= set(
        summary["teams"][0]
    )


def test_check_accepts_own_output_and_flags_edits(solved, tmp_path):
    """check exits 0 on a solve's own output and 4 (listing the breach) after a bad hand edit."""
    ok = run(
        "check",
        SURVEY,
        solved / "teams.csv",
        "--facilitators",
        FACILITATORS,
        "--links",
        solved / "facilitators.csv",
    )
    assert ok.exit_code == 0, ok.output
    lines = (solved / "teams.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    team_col = header.index("team")
    first = lines[1].split(",")
    first[team_col] = str(int(first[team_col]) % 8 + 1)  # move one person away from their colleague
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]), encoding="utf-8")
    bad = run("check", SURVEY, edited)
    assert bad.exit_code == 4
    assert "nominees_together" in bad.output


def test_check_of_a_result_folder_uses_the_rules_it_was_made_with(tmp_path):
    """Teams made with --teams 7 and checked from their folder without the flag: the
    rules of its summary.json (10 breaches of the default 8 teams were reported); a flag
    still overrides them."""
    out = tmp_path / "seven"
    made = run("solve", SURVEY, "--facilitators", FACILITATORS, "--teams", "7",
               "--strategy", "greedy", "--time-limit", "5", "--out", out, "--quiet", "--no-pdf")  # fmt: skip
    assert made.exit_code == 0, made.output
    checked = run("check", SURVEY, out, "--facilitators", FACILITATORS)
    assert checked.exit_code == 0, checked.output
    assert f"Using the rules of {out / 'summary.json'}\n" in checked.output  # whole, to copy
    said = run("check", SURVEY, out, "--facilitators", FACILITATORS, "--json")
    assert json.loads(said.output)["rules"]["teams"] == 7  # --json says which rules too
    eight = run("check", SURVEY, out, "--facilitators", FACILITATORS, "--teams", "8")
    assert eight.exit_code == 4 and "BREACH teams" in eight.output


def test_check_reads_the_links_beside_teams_csv(solved, tmp_path):
    """Without --links, check takes the facilitators.csv beside teams.csv: a team left
    without its facilitator there is a breach (exit 4), not silently unchecked."""
    shutil.copy(solved / "teams.csv", tmp_path / "teams.csv")
    links = (solved / "facilitators.csv").read_text(encoding="utf-8-sig").splitlines()
    (tmp_path / "facilitators.csv").write_text("\n".join(links[:2]), encoding="utf-8")
    result = run("check", SURVEY, tmp_path / "teams.csv", "--facilitators", FACILITATORS)
    assert result.exit_code == 4, result.output
    assert "facilitator" in result.output.split("BREACH", 1)[1]
    # the header line alone (a result made without facilitators): no links, so every team
    # lacks one (exit 4); it was refused as "expected data rows below the header" (exit 2)
    (tmp_path / "facilitators.csv").write_text(links[0] + "\n", encoding="utf-8")
    result = run("check", SURVEY, tmp_path / "teams.csv", "--facilitators", FACILITATORS)
    assert result.exit_code == 4, result.output
    assert "has no facilitator" in " ".join(result.output.split())


def test_invalid_survey_exits_2_naming_row_and_column(tmp_path):
    """A rating of 7 is reported with the file, the row as a spreadsheet shows it, and the column."""
    lines = SURVEY.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    column = next(i for i, h in enumerate(header) if h.startswith("theme:"))
    row = lines[4].split(",")
    row[column] = "7"
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "\n".join([lines[0], *lines[1:4], ",".join(row), *lines[5:]]), encoding="utf-8"
    )
    out = tmp_path / "out"
    result = run("solve", broken, "--out", out, "--quiet")
    assert result.exit_code == 2
    assert (
        "broken.csv" in result.output
        and "row 5" in result.output
        and header[column] in result.output
    )
    assert not out.exists()  # nothing written on failure


def test_rules_that_cannot_be_met_exit_3(tmp_path):
    """Nine authorities per team cannot be had from eight: exit 3 with the numbers, nothing written."""
    out = tmp_path / "out"
    result = run(
        "solve",
        SURVEY,
        "--facilitators",
        FACILITATORS,
        "--min-authorities",
        "9",
        "--out",
        out,
        "--quiet",
    )
    assert result.exit_code == 3
    assert "authorit" in result.output and "8" in result.output
    assert not out.exists()


def test_bad_rule_value_exits_2(tmp_path):
    """A share above 1 is an invalid setting naming the field."""
    result = run(
        "solve", SURVEY, "--max-authority-share", "1.5", "--out", tmp_path / "o", "--quiet"
    )
    assert result.exit_code == 2
    assert "--max-authority-share" in result.output  # the CLI names its flag


def test_unknown_strategy_lists_choices(tmp_path):
    """An unknown strategy is an error listing the registered ones."""
    result = run("solve", SURVEY, "--strategy", "magic", "--out", tmp_path / "o", "--quiet")
    assert result.exit_code == 2
    assert "'greedy'" in result.output


def test_generate_then_inspect(tmp_path):
    """generate writes a survey and facilitators table that inspect summarises."""
    survey = tmp_path / "survey.xlsx"
    result = run("generate", "--establishments", "30", "--seed", "7", "--out", survey)
    assert result.exit_code == 0, result.output
    assert survey.exists() and (tmp_path / "survey_facilitators.xlsx").exists()
    summary = run(
        "inspect", survey, "--facilitators", tmp_path / "survey_facilitators.xlsx", "--json"
    )
    assert summary.exit_code == 0, summary.output
    data = json.loads(summary.output)
    assert data["establishments"] == 30
    assert any("at least 40" in w for w in data["warnings"])
    assert sum(row["needed"] for row in data["facilitators"]) >= 8


def test_json_answers_list_the_readers_warnings(tmp_path):
    """--json prints nothing but the JSON, so the reader's warnings (here: a column it
    ignores) are in it, as the text answer shows them."""
    import pandas as pd

    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    survey["notes"] = ""
    path = tmp_path / "with_notes.csv"
    survey.to_csv(path, index=False)
    data = json.loads(run("inspect", path, "--json").output)
    assert any("these are ignored: 'notes'" in w for w in data["warnings"])
    # solve and check too (a --json answer carried none: warnings were lost with it)
    out = tmp_path / "out"
    quick = ("--strategy", "greedy", "--time-limit", "5", "--no-pdf")  # any teams will do
    solved = json.loads(run("solve", path, *quick, "--json", "--out", out).output)
    assert any("these are ignored: 'notes'" in w for w in solved["warnings"])
    checked = run("check", path, out / "teams.csv", "--json")
    assert any("these are ignored: 'notes'" in w for w in json.loads(checked.output)["warnings"])
    # --quiet turns off the progress and the table, not the warnings (they were lost)
    quiet = run("solve", path, *quick, "-q", "--out", tmp_path / "q")
    assert "these are ignored: 'notes'" in " ".join(quiet.output.split())
    assert "teams (" not in quiet.output  # no result table
    # the cohort's warnings too, as inspect says them (solve said them only in report.html)
    said = [w for w in data["warnings"] if "lone nominee" in w or "nominees (one" in w]
    assert said and all(w in solved["warnings"] for w in said)
    assert said[0] in " ".join(quiet.output.split())


def test_json_failures_are_one_json_object_on_stdout(tmp_path):
    """With --json every outcome is read from stdout alone: invalid input is an object
    with status "error", its exit code and the problems (file, row, column); a breach
    found by check is its one answer, not followed by a second object."""
    import pandas as pd

    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    survey.loc[5, "theme:Literacy"] = "maybe"
    path = tmp_path / "bad.csv"
    survey.to_csv(path, index=False)
    done = runner.invoke(app, ["solve", str(path), "--json", "--out", str(tmp_path / "o")])
    answer = json.loads(done.stdout)
    assert done.exit_code == 2 and answer["status"] == "error" and answer["exit_code"] == 2
    assert answer["problems"][0] | {"row": 7, "column": "theme:Literacy"} == answer["problems"][0]
    teams = tmp_path / "teams.csv"
    teams.write_text("practitioner_id,team\nP0001,9\n", encoding="utf-8")
    checked = runner.invoke(app, ["check", str(SURVEY), str(teams), "--json"])
    assert checked.exit_code == 4 and json.loads(checked.stdout)["breaches"]
    # a command line that cannot be read: click's usage error, answered in JSON too
    for wrong in (["--teams", "eight", "--out", "o"], [], ["--out", "o", "--bogus"]):
        done = runner.invoke(app, ["solve", str(SURVEY), *wrong, "--json"])
        answer = json.loads(done.stdout)
        assert done.exit_code == 2 and answer["exit_code"] == 2
        assert answer["error"] == "invalid_setting" and answer["message"]
    # rules that cannot be met: the summary and its diagnosis, with the exit code
    cannot = ["solve", str(SURVEY), "--max-authority-share", "0.3", "--json"]
    done = runner.invoke(app, [*cannot, "--out", str(tmp_path / "x")])
    answer = json.loads(done.stdout)
    assert done.exit_code == 3 and (answer["status"], answer["exit_code"]) == ("infeasible", 3)
    assert answer["error"] == "infeasible" and answer["diagnosis"]
    # what to try is said with the command's flags, as on the terminal ("lower teams to 16")
    teams30 = ["solve", str(SURVEY), "--teams", "30", "--json", "--out", str(tmp_path / "y")]
    done = runner.invoke(app, teams30)
    tries = [c["suggestion"] for c in json.loads(done.stdout)["diagnosis"]["conflicts"]]
    assert tries and all(t.startswith("lower --teams to") for t in tries), tries


def test_input_file_is_never_modified(tmp_path):
    """Reading and solving leave the survey's bytes untouched."""
    copy = tmp_path / "survey.csv"
    shutil.copy(SURVEY, copy)
    before = copy.read_bytes()
    run("inspect", copy)
    assert copy.read_bytes() == before


def test_report_rebuilds_from_saved_result(solved, tmp_path):
    """report rebuilds report.html and teams.xlsx from a saved result folder."""
    out = tmp_path / "rebuilt"
    result = run("report", solved, "--survey", SURVEY, "--facilitators", FACILITATORS, "--no-pdf",
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists() and (out / "teams.xlsx").exists()


def test_report_of_a_result_made_without_facilitators(tmp_path):
    """A result solved without --facilitators (its facilitators.csv has a header only) is
    reported on as it is; the empty links file is not an error."""
    out = tmp_path / "plain"
    done = run("solve", SURVEY, "--strategy", "greedy", "--time-limit", "5", "--no-pdf",
               "--quiet", "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    rebuilt = run("report", out, "--survey", SURVEY, "--out", tmp_path / "rebuilt", "--no-pdf")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (tmp_path / "rebuilt" / "report.html").exists()
    # it says what it wrote (it said nothing, and a lead officer could not tell)
    assert f"Wrote {tmp_path / 'rebuilt'}" in rebuilt.output and "report.html" in rebuilt.output
    quiet = run("report", out, "--survey", SURVEY, "--out", tmp_path / "again", "-q", "--no-pdf")
    assert quiet.exit_code == 0 and "report.html" not in quiet.output, quiet.output
    assert (tmp_path / "again" / "report.html").exists()


def test_rematch_after_withdrawal(solved, tmp_path):
    """rematch writes new outputs and moves.csv after one establishment withdraws."""
    first = SURVEY.read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    out = tmp_path / "rematched"
    result = run(
        "rematch",
        SURVEY,
        solved / "teams.csv",
        "--facilitators",
        FACILITATORS,
        "--withdraw",
        first[2],
        "--time-limit",
        "10",
        "--no-pdf",
        "--out",
        out,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert (out / "moves.csv").exists() and (out / "teams.csv").exists()
    assert first[2] not in (out / "teams.csv").read_text(encoding="utf-8-sig")
    # a school's name for an id: the option and the school's id are named (it said "The
    # 'withdrawn' parameter of rematch must name ... ids")
    by_name = ["rematch", SURVEY, solved / "teams.csv", "--facilitators", FACILITATORS]
    done = runner.invoke(app, [str(a) for a in [*by_name, "--withdraw", first[3], "--out", out]])
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and "The '--withdraw' option must name" in said, said
    assert f"is the name of {first[2]}; give the id" in said


def test_rematch_without_the_facilitators_keeps_the_links_or_refuses(solved, tmp_path):
    """A previous result with facilitator links and no --facilitators: exit 2 naming the
    folder's facilitators.csv, nothing written (the links are never dropped silently)."""
    out = tmp_path / "rematched"
    result = run("rematch", SURVEY, solved / "teams.csv", "--time-limit", "10", "--out", out)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "facilitators.csv" in text and "--facilitators FILE" in text
    assert not out.exists()


def test_every_survey_reader_takes_a_worksheet(solved, tmp_path):
    """A workbook whose survey is its second sheet: rematch, report and diff read it with
    --sheet, as solve and check do."""
    import pandas as pd

    book = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"read me": ["the survey is on the next sheet"]}).to_excel(
            writer, sheet_name="Notes", index=False
        )
        pd.read_csv(SURVEY, dtype=str, keep_default_na=False).to_excel(
            writer, sheet_name="Survey", index=False
        )
    common = ["--facilitators", FACILITATORS, "--sheet", "Survey"]
    again = tmp_path / "again"
    done = run("rematch", book, solved, *common, "--time-limit", "3", "--out", again, "--quiet")
    assert done.exit_code == 0, done.output
    report = tmp_path / "report"
    done = run("report", solved, "--survey", book, *common, "--no-pdf", "--out", report)
    assert done.exit_code == 0, done.output
    done = run("diff", solved, again, "--survey", book, *common, "--json")
    assert done.exit_code == 0, done.output
    assert "Notes" not in done.output


def test_mdgp_prints_json_and_writes_solution(shared_benchmarks, tmp_path):
    """mdgp solves an MDGPLIB instance and prints objective, bound, runtime, strategy, seed."""
    instance = shared_benchmarks / "mdgplib/RanReal/RanReal_n010_ss_01.txt"
    out = tmp_path / "sol.txt"
    result = run(
        "mdgp", instance, "--strategy", "greedy", "--time-limit", "2", "--seed", "3", "--out", out
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"objective", "bound", "runtime_s", "strategy", "seed"} <= set(data)
    assert data["seed"] == 3
    assert len(out.read_text().splitlines()) == 10


def test_mdgp_refuses_an_out_in_a_folder_it_cannot_write_before_searching(
    shared_benchmarks, tmp_path, monkeypatch
):
    """A read-only folder failed after the search, exit 1 and a raw PermissionError."""
    import clnmatch.io.safe as safe

    monkeypatch.setattr(safe, "output_folder_problem", lambda folder: "cannot be written")
    instance = shared_benchmarks / "mdgplib/RanReal/RanReal_n010_ss_01.txt"
    result = run("mdgp", instance, "--time-limit", "30", "--out", tmp_path / "sol.txt")
    assert result.exit_code == 2 and "cannot be written" in " ".join(result.output.split())
    assert not (tmp_path / "sol.txt").exists()


def test_help_has_an_example_for_every_command():
    """Every command's --help shows an example."""
    for command in ("solve", "demo", "check", "inspect", "generate", "rematch", "report", "mdgp"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_check_does_not_print_whole_emails(tmp_path):
    """Practitioner ids that are emails: check's breach lines show only the first letter
    and the domain (enough to find the row), never the whole address."""
    import pandas as pd

    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    survey["practitioner_id"] = [f"person.{i}@school.example" for i in range(len(survey))]
    path = tmp_path / "emails.csv"
    survey.to_csv(path, index=False)
    teams = pd.DataFrame({"practitioner_id": survey["practitioner_id"][1:], "team": 1})
    teams.to_csv(tmp_path / "teams.csv", index=False)
    done = run("check", path, tmp_path / "teams.csv")
    assert done.exit_code == 4 and "unassigned" in done.output
    assert "p…@school.example" in done.output and "person.0@" not in done.output


def test_check_reads_a_teams_file_excel_saved_as_windows_1252(solved, tmp_path):
    """The lead officer's hand-edited teams.csv, saved by Excel as 'CSV (Comma delimited)'
    (Windows-1252, an accented name in it): checked, with a warning on how to save UTF-8
    (it was refused for a name column check does not read)."""
    import pandas as pd

    teams = pd.read_csv(solved / "teams.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")  # fmt: skip
    teams.loc[0, "name"] = "Ciarán Ó Briain"
    edited = tmp_path / "teams.csv"
    teams.to_csv(edited, index=False, encoding="cp1252")
    result = run("check", SURVEY, edited, "--facilitators", FACILITATORS,
                 "--links", solved / "facilitators.csv")  # fmt: skip
    assert result.exit_code in (0, 4), result.output
    assert "Windows-1252" in result.output and "expected an existing" not in result.output


def test_a_table_kept_where_the_outputs_go_is_not_replaced(tmp_path):
    """`solve survey.csv --out .` in the folder that also keeps the facilitators table,
    not given this time: refused, the table untouched (it was replaced by the output
    facilitators.csv). A folder holding an earlier result is replaced as before, but not
    once its teams.csv was edited by hand (the edits were lost without a word)."""
    shutil.copy(SURVEY, tmp_path / "survey.csv")
    shutil.copy(FACILITATORS, tmp_path / "facilitators.csv")
    before = (tmp_path / "facilitators.csv").read_bytes()
    refused = run("solve", tmp_path / "survey.csv", "--out", tmp_path, "--time-limit", "5",
                  "--strategy", "greedy", "--no-pdf", "-q")  # fmt: skip
    assert refused.exit_code == 2 and "no summary.json beside it" in refused.output
    assert (tmp_path / "facilitators.csv").read_bytes() == before
    again = tmp_path / "result"
    done = run("solve", tmp_path / "survey.csv", "--out", again, "--time-limit", "5",
               "--strategy", "greedy", "--no-pdf", "-q")  # fmt: skip
    assert done.exit_code == 0, done.output
    # an earlier result, saved again with other line endings: not an edit, replaced as before
    teams = (again / "teams.csv").read_text(encoding="utf-8-sig")
    (again / "teams.csv").write_bytes(teams.replace("\n", "\r\n").encode("utf-8"))
    assert run("solve", tmp_path / "survey.csv", "--out", again, "--time-limit", "5",
               "--strategy", "greedy", "--no-pdf", "-q").exit_code == 0  # fmt: skip
    # a teams.csv (or facilitators.csv) edited by hand is not replaced by the next run
    run("solve", tmp_path / "survey.csv", "--facilitators", FACILITATORS, "--out", again,
        "--time-limit", "5", "--strategy", "greedy", "--no-pdf", "-q")  # fmt: skip
    for name in ("teams.csv", "facilitators.csv"):
        written = (again / name).read_bytes()
        edited = (again / name).read_text(encoding="utf-8-sig").replace(",1,", ",2,", 1)
        (again / name).write_text(edited, encoding="utf-8")
        kept = (again / name).read_bytes()
        refused = run("solve", tmp_path / "survey.csv", "--out", again, "--time-limit", "5",
                      "--strategy", "greedy", "--no-pdf", "-q")  # fmt: skip
        assert refused.exit_code == 2 and "changed after clnmatch wrote it" in refused.output
        assert f"{name}, which was changed" in " ".join(refused.output.split())
        assert (again / name).read_bytes() == kept
        (again / name).write_bytes(written)  # as that run wrote it: the folder is its own


def test_a_workbook_annotated_by_hand_is_not_replaced(tmp_path):
    """The lead officer writes notes into teams.xlsx: the next run into the folder
    replaced it without a word. Now refused, the workbook kept; opening and saving it
    untouched is not an edit. `clnmatch report` rewrites the workbook and restates
    summary.json (its digest, and what was left out this time), so a later run replaces
    the rebuilt workbook as its own."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    out = tmp_path / "result"
    args = ("solve", SURVEY, "--out", out, "--time-limit", "5", "--strategy", "greedy",
            "--no-pdf", "-q")  # fmt: skip
    assert run(*args).exit_code == 0
    # opened and saved again, with a colour far off that widens the sheet: no edit (a save
    # alone, treated as an edit, is refused here too)
    book = load_workbook(out / "teams.xlsx")
    book.worksheets[1]["Z200"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(out / "teams.xlsx")
    assert run(*args).exit_code == 0
    book = load_workbook(out / "teams.xlsx")  # a note (Excel's New Note) is an edit
    book.worksheets[1]["A5"].comment = Comment("Call the head teacher first", "Lead officer")
    book.save(out / "teams.xlsx")
    assert run(*args).exit_code == 2
    (out / "teams.xlsx").unlink()
    assert run(*args).exit_code == 0
    book = load_workbook(out / "teams.xlsx")
    book.worksheets[0]["A1"] = "Notes from the matching event"
    book.save(out / "teams.xlsx")
    kept = (out / "teams.xlsx").read_bytes()
    refused = run(*args)
    assert refused.exit_code == 2
    assert "teams.xlsx, which was changed" in " ".join(refused.output.split())
    assert (out / "teams.xlsx").read_bytes() == kept
    refused = run("report", out, "--survey", SURVEY, "--no-pdf", "-q")
    assert refused.exit_code == 2 and (out / "teams.xlsx").read_bytes() == kept
    (out / "teams.xlsx").unlink()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["left_out"] = ["handouts.pdf"]  # as a run short of time leaves it
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert run("report", out, "--survey", SURVEY, "--no-pdf", "-q").exit_code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["left_out"] == []
    assert run(*args).exit_code == 0


def test_the_demo_carries_the_licence_line_of_its_real_schools(tmp_path):
    """The sample's schools are rows of the West Partnership data, whose licence asks that
    its attribution line travel with them: in summary.json, the report, the workbook and
    the handouts, and on through `report` and `rematch`."""
    import openpyxl

    from clnmatch.generate.schools import SCHOOLS_ATTRIBUTION

    out = tmp_path / "demo"
    done = run("demo", "--out", out, "--time-limit", "10", "--no-pdf", "-q")
    assert done.exit_code == 0, done.output
    for name in ("summary.json", "report.html", "handouts.html"):
        assert SCHOOLS_ATTRIBUTION in (out / name).read_text(encoding="utf-8"), name
    summary = openpyxl.load_workbook(out / "teams.xlsx")["Summary"]
    assert any(SCHOOLS_ATTRIBUTION in str(c.value) for c in summary["A"])
    assert "Open Government" not in (out / "mailmerge.csv").read_text(encoding="utf-8-sig")
    rebuilt = tmp_path / "rebuilt"
    done = run("report", out, "--survey", SURVEY, "--facilitators", FACILITATORS,
               "--out", rebuilt, "--no-pdf", "-q")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert SCHOOLS_ATTRIBUTION in (rebuilt / "report.html").read_text(encoding="utf-8")


def test_a_switch_in_the_help_takes_no_value():
    """'--quiet <bool>' read as if a value must follow it; a switch shows no type now."""
    for command in ("solve", "report", "rematch", "breakouts"):
        shown = CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
        assert "--quiet" in shown and "<bool>" not in shown, command
        assert "<float>" in shown or "<path>" in shown or "<int>" in shown, command


def test_a_bound_time_the_limit_cannot_hold_is_refused(tmp_path):
    """--bound-time 5 of --time-limit 3 took the search's time without a word; and the
    refusal names the flags the user gave, not the limit left for the search."""
    done = run("solve", SURVEY, "--time-limit", "3", "--bound-time", "5", "--out", tmp_path / "o")
    said = " ".join(done.output.split())
    assert done.exit_code == 2 and not (tmp_path / "o").exists()
    assert "--bound-time (5) must be less than --time-limit (3)" in said


def test_a_path_that_cannot_be_used_is_an_invalid_setting(tmp_path: Path) -> None:
    """--dir naming a file, a folder under a file, --out in a read-only folder: exit 2 with
    the path and why (they were 'Unexpected error (FileExistsError)', exit 1)."""
    survey = tmp_path / "survey.csv"
    shutil.copy(SURVEY, survey)
    before = survey.read_bytes()
    for args in (
        ["event", str(survey), "--dir", str(survey), "--no-browser"],
        ["event", str(survey), "--dir", str(survey / "event"), "--no-browser"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "Invalid setting: cannot use" in result.output and "Unexpected" not in result.output
    assert survey.read_bytes() == before


def test_an_unknown_objective_is_named_in_the_command_lines_words(tmp_path: Path) -> None:
    """`--objective fun` said it must be "... or an ObjectiveWeights", a Python type the
    command line cannot take."""
    said = run("solve", SURVEY, "--objective", "fun", "--out", tmp_path / "x", "-q")
    assert said.exit_code == 2
    assert "must be 'focus', 'cohesion' or 'blend'. Got 'fun'" in " ".join(said.output.split())


def test_inspect_names_a_conflicts_rule_and_what_to_try() -> None:
    """inspect said a conflict without its [rule] (taken for markup and dropped) or its
    Try: line, so the troubleshooting tables, keyed by rule, could not be looked up."""
    said = " ".join(run("inspect", SURVEY, "--max-authority-share", "0.3").output.split())
    assert "cannot match: [max_authority_share] Glasgow City has 15 of 50" in said
    assert "Try: raise --max-authority-share to 0.34" in said


def test_generate_makes_a_cohort_for_the_teams_asked(tmp_path: Path) -> None:
    """generate had no teams hint (Python's generate_cohort has): a cohort of 120 made
    for 8 teams could not be matched into 16 (too few facilitators, one authority too
    large). With --teams 16 it has a facilitator for each team."""
    survey = tmp_path / "s.csv"
    done = run("generate", "--establishments", "120", "--synthetic", "--teams", "16",
               "--out", survey)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "(16 facilitators)" in " ".join(done.output.split()) and "note:" not in done.output
    assert run("generate", "--teams", "0", "--out", tmp_path / "t.csv").exit_code == 2
    crowded = run("generate", "--teams", "40", "--out", tmp_path / "c.csv")  # 50 schools
    assert crowded.exit_code == 0 and "may not keep every rule" in crowded.output


def test_a_report_is_not_written_into_another_results_folder(tmp_path: Path) -> None:
    """`report A --out B`, B holding another result: A's workbook, rosters and report went
    beside B's teams.csv, and B's summary.json recorded A's workbook as B's own."""
    args = ("--time-limit", "5", "--strategy", "greedy", "--no-pdf", "-q")
    assert run("solve", SURVEY, "--out", tmp_path / "a", *args).exit_code == 0
    assert run("solve", SURVEY, "--teams", "6", "--out", tmp_path / "b", *args).exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    refused = run("report", tmp_path / "a", "--survey", SURVEY, "--out", tmp_path / "b", "-q")
    assert refused.exit_code == 2 and "holds another result" in refused.output
    assert {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()} == before


def test_a_match_that_found_nothing_says_whose_seconds_ran_out(tmp_path, monkeypatch):
    """At 1,000 establishments `--time-limit 10` left the match 0.78 s (the outputs take the
    rest) and ended "...found within 0.779845 s; try a longer --time-limit", its notes run
    together (a developer): the notes are joined as clauses, and the split is said."""
    import importlib
    import types

    import clnmatch.cli.match as match_module
    from clnmatch.result import Status

    solve_module = importlib.import_module("clnmatch.solve")  # the module, not the function

    notes = ("no rule-abiding start found", "no rule-abiding assignment found within 0.8 s")
    unknown = types.SimpleNamespace(status=Status.UNKNOWN, feasible=False, notes=notes)
    monkeypatch.setattr(solve_module, "solve", lambda *a, **k: unknown)
    monkeypatch.setattr(match_module, "match_seconds", lambda *a: 0.78)
    done = run("solve", SURVEY, "--time-limit", "10", "--out", tmp_path / "o", "-q")
    said = " ".join(done.output.split())
    assert done.exit_code == 1 and not (tmp_path / "o").exists()
    assert "found: no rule-abiding start found; no rule-abiding assignment found within" in said
    assert "The match had 0.8 s of --time-limit 10: writing the outputs" in said


def test_ids_a_spreadsheet_stripped_of_their_zeros_are_read_as_the_surveys(tmp_path):
    """Ids '00001' saved by a spreadsheet as 1: check listed 99 unknown people and said
    they might have withdrawn, report wrote rosters of nobody (a reviewer): the ids are read
    as the survey's, with a warning saying why."""
    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    survey["practitioner_id"] = [f"{i + 1:05d}" for i in range(len(survey))]
    zeros = tmp_path / "survey.csv"
    survey.to_csv(zeros, index=False)
    out = tmp_path / "out"
    made = run("solve", zeros, "--strategy", "greedy", "--time-limit", "5", "--out", out, "-q")
    assert made.exit_code == 0, made.output
    teams = pd.read_csv(out / "teams.csv", dtype=str, keep_default_na=False)
    teams["practitioner_id"] = teams["practitioner_id"].str.lstrip("0")
    teams.to_csv(out / "teams.csv", index=False)  # as a spreadsheet saves it
    said = " ".join(run("check", zeros, out / "teams.csv").output.split())
    assert "99 id(s) are the survey's but for leading zeros ('1' is '00001')" in said
    assert "no breach" in said and "withdrew on the day" not in said
    rebuilt = run("report", out, "--survey", zeros, "--no-pdf", "-q")
    assert rebuilt.exit_code == 0, rebuilt.output
    letters = pd.read_csv(out / "mailmerge.csv", dtype=str, keep_default_na=False)
    assert len(letters) == 99 and set(letters["practitioner_id"]) == set(survey["practitioner_id"])
