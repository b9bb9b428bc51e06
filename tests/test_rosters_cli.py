"""The command line's new promises: --version, --title, and outputs that never replace inputs.

Refusals come before any work: an --out that is a file, cannot be written, or would
replace an input file exits with code 2 naming --out (and the input), and no input
changes by a single byte whatever --out is.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from clnmatch import __version__
from clnmatch.cli import app, sample_paths

runner = CliRunner()
SURVEY, FACILITATORS = sample_paths()
TITLE = "West Partnership CLN cohort 3"
CONTACT = "Jane Doe, jane.doe@example.org"


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def solve_args(survey: Path, facilitators: Path, out: Path, *extra: object) -> list[object]:
    return [
        "solve",
        survey,
        "--facilitators",
        facilitators,
        "--strategy",
        "greedy",
        "--time-limit",
        "5",
        "--no-pdf",
        "--quiet",
        "--out",
        out,
        *extra,
    ]


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One greedy solve of the sample with --title and --contact."""
    out = tmp_path_factory.mktemp("titled") / "out"
    done = run(*solve_args(SURVEY, FACILITATORS, out, "--title", TITLE, "--contact", CONTACT))
    assert done.exit_code == 0, done.output
    return out


def fingerprints(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` -> the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    """A folder holding the user's survey and facilitators table, as they keep them."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    shutil.copy(SURVEY, folder / "survey.csv")
    shutil.copy(FACILITATORS, folder / "facilitators.csv")
    return folder


def test_version() -> None:
    """clnmatch --version prints the package version and exits 0."""
    done = run("--version")
    assert done.exit_code == 0 and done.output.strip() == f"clnmatch {__version__}"


def test_title_heads_every_output(titled: Path) -> None:
    """--title is stored in summary.json and titles the report, workbook and handouts."""
    summary = json.loads((titled / "summary.json").read_text(encoding="utf-8"))
    assert (summary["title"], summary["contact"]) == (TITLE, CONTACT)
    assert f"<title>{TITLE}</title>" in (titled / "report.html").read_text(encoding="utf-8")
    handouts = (titled / "handouts.html").read_text(encoding="utf-8")
    assert handouts.count(f'<span class="cohort">{TITLE}</span>') == 8
    assert "sample_survey" not in (titled / "report.html").read_text(encoding="utf-8")
    assert load_workbook(titled / "teams.xlsx")["Summary"]["A1"].value == TITLE
    assert CONTACT in (titled / "mailmerge.csv").read_text(encoding="utf-8-sig")


def test_report_keeps_the_saved_title(titled: Path, tmp_path: Path) -> None:
    """`clnmatch report` titles the rebuilt outputs as the result was; --title overrides it."""
    out = tmp_path / "rebuilt"
    done = run(
        "report",
        titled,
        "--survey",
        SURVEY,
        "--facilitators",
        FACILITATORS,
        "--out",
        out,
        "--no-pdf",
    )
    assert done.exit_code == 0, done.output
    assert {p.name for p in out.iterdir()} == {
        "report.html",
        "teams.xlsx",
        "mailmerge.csv",
        "handouts.html",
    }
    assert f"<title>{TITLE}</title>" in (out / "report.html").read_text(encoding="utf-8")
    assert CONTACT in (out / "handouts.html").read_text(encoding="utf-8")


def test_out_holding_an_input_is_refused_before_any_work(cohort: Path) -> None:
    """--out cohort, whose facilitators.csv is the --facilitators input: exit 2 naming both."""
    before = fingerprints(cohort)
    done = run(*solve_args(cohort / "survey.csv", cohort / "facilitators.csv", cohort))
    assert done.exit_code == 2
    message = " ".join(done.output.split())
    assert f"--out {cohort}" in message and str(cohort / "facilitators.csv") in message
    assert "(--facilitators)" in message and "Matching" not in message
    assert fingerprints(cohort) == before


def test_a_survey_named_teams_csv_is_never_overwritten(cohort: Path) -> None:
    """A survey called teams.csv inside --out is refused, not replaced by the output teams.csv."""
    (cohort / "survey.csv").rename(cohort / "teams.csv")
    before = fingerprints(cohort)
    done = run(*solve_args(cohort / "teams.csv", cohort / "facilitators.csv", cohort / "."))
    assert done.exit_code == 2 and "(the survey)" in " ".join(done.output.split())
    assert fingerprints(cohort) == before


@pytest.mark.parametrize("where", ["a file", "under a file", "unwritable"])
def test_bad_out_is_found_before_reading_the_survey(tmp_path: Path, where: str) -> None:
    """--out a file / under a file / unwritable: exit 2 naming --out, before the survey is read."""
    taken = tmp_path / "taken.csv"
    taken.write_text("precious")
    out = {"a file": taken, "under a file": taken / "out", "unwritable": Path("/proc/clnmatch")}[
        where
    ]
    if where == "unwritable" and not Path("/proc/self").is_dir():
        pytest.skip("no /proc here to stand for a folder no one may write")
    missing = tmp_path / "no-such-survey.csv"  # reading it would fail: --out is checked first
    done = run("solve", missing, "--out", out, "--quiet")
    message = " ".join(done.output.split())
    assert done.exit_code == 2
    assert message.startswith(f"Invalid --out: {out}") and "no-such-survey" not in message
    assert taken.read_text() == "precious"


def test_pseudonym_key_misuse_is_refused(cohort: Path, tmp_path: Path) -> None:
    """--pseudonym-key inside --out, or without --pseudonymise, exits 2 before any work."""
    out = tmp_path / "shared"
    inside = run(
        *solve_args(
            cohort / "survey.csv",
            cohort / "facilitators.csv",
            out,
            "--pseudonymise",
            "--pseudonym-key",
            out / "k.key",
        )
    )
    assert inside.exit_code == 2 and "inside --out" in inside.output
    alone = run(
        *solve_args(
            cohort / "survey.csv",
            cohort / "facilitators.csv",
            out,
            "--pseudonym-key",
            tmp_path / "k.key",
        )
    )
    assert alone.exit_code == 2 and "needs --pseudonymise" in alone.output
    assert not out.exists() and not (tmp_path / "k.key").exists()
    # through a symbolic link to --out, either way round (the key sat among the outputs)
    out.mkdir()
    (tmp_path / "link").symlink_to(out)
    survey = (cohort / "survey.csv", cohort / "facilitators.csv")
    for folder, key in ((out, tmp_path / "link" / "k.key"), (tmp_path / "link", out / "k.key")):
        linked = run(*solve_args(*survey, folder, "--pseudonymise", "--pseudonym-key", key))
        assert linked.exit_code == 2 and "inside --out" in linked.output, linked.output
    assert not (out / "k.key").exists()


def test_pseudonymised_runs_share_pseudonyms_through_the_key(cohort: Path, tmp_path: Path) -> None:
    """Two --pseudonymise runs with one --pseudonym-key give the same ids; no survey id is kept."""
    key = tmp_path / "private" / "cohort.key"
    ids = []
    for name in ("first", "second"):
        done = run(
            *solve_args(
                cohort / "survey.csv",
                cohort / "facilitators.csv",
                tmp_path / name,
                "--pseudonymise",
                "--pseudonym-key",
                key,
            )
        )
        assert done.exit_code == 0, done.output
        ids.append((tmp_path / name / "teams.csv").read_text(encoding="utf-8-sig"))
    assert ids[0] == ids[1] and key.is_file()
    survey = (cohort / "survey.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    originals = {line.split(",")[0] for line in survey}
    assert originals and not any(pid in ids[0] for pid in originals)


def test_rematch_into_the_previous_result_is_refused(titled: Path, tmp_path: Path) -> None:
    """A rematch whose --out is the previous result's folder would lose it: exit 2."""
    previous = tmp_path / "previous"
    shutil.copytree(titled, previous)
    before = fingerprints(previous)
    done = run(
        "rematch", SURVEY, previous, "--facilitators", FACILITATORS, "--out", previous, "--quiet"
    )
    assert done.exit_code == 2 and "(the previous result)" in " ".join(done.output.split())
    assert fingerprints(previous) == before


def test_no_input_byte_changes_when_out_is_beside_the_inputs(cohort: Path) -> None:
    """A run into a subfolder of the inputs' folder writes there and leaves every input as it was."""
    before = fingerprints(cohort)
    done = run(*solve_args(cohort / "survey.csv", cohort / "facilitators.csv", cohort / "teams"))
    assert done.exit_code == 0, done.output
    after = fingerprints(cohort)
    assert {k: v for k, v in after.items() if not k.startswith("teams/")} == before
    assert "teams/mailmerge.csv" in after


def test_an_earlier_runs_pdf_does_not_stay_beside_new_teams(tmp_path: Path) -> None:
    """Solving again into a folder with --no-pdf removes the old handouts.pdf (it shows the
    earlier teams); a file clnmatch does not write stays. The same for `report`."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}")  # an earlier run's folder
    (out / "handouts.pdf").write_bytes(b"%PDF-1.4 earlier teams")
    (out / "notes.txt").write_text("mine")
    done = run(*solve_args(SURVEY, FACILITATORS, out))
    assert done.exit_code == 0, done.output
    assert not (out / "handouts.pdf").exists() and (out / "notes.txt").exists()
    (out / "handouts.pdf").write_bytes(b"%PDF-1.4 earlier teams")
    done = run("report", out, "--survey", SURVEY, "--facilitators", FACILITATORS, "--no-pdf")
    assert done.exit_code == 0, done.output
    assert not (out / "handouts.pdf").exists() and (out / "teams.csv").exists()


def test_a_solve_into_a_rematch_folder_drops_its_moves_and_changes(tmp_path: Path) -> None:
    """moves.csv and changes.json of an earlier re-match would apply its withdrawals to
    the new teams (report, check, rematch read them): a solve into the folder removes them."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}")  # an earlier re-match's folder
    (out / "moves.csv").write_text("establishment_id\n")
    (out / "changes.json").write_text("{}")
    done = run(*solve_args(SURVEY, FACILITATORS, out))
    assert done.exit_code == 0, done.output
    assert not (out / "moves.csv").exists() and not (out / "changes.json").exists()


def test_check_lists_a_team_past_the_count_as_a_breach(titled: Path, tmp_path: Path) -> None:
    """A hand edit putting a school in team 9 of 8 is a breach (exit 4), not a refusal."""
    out = shutil.copytree(titled, tmp_path / "out")  # a greedy solve of the sample, 8 teams
    teams = out / "teams.csv"
    lines = teams.read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    first = lines[1].split(",")
    first[head.index("team")] = "9"
    teams.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    done = run("check", SURVEY, teams, "--facilitators", FACILITATORS)
    assert done.exit_code == 4, done.output
    assert "teams run 1..8" in " ".join(done.output.split())


def test_a_pseudonymised_report_in_place_says_what_still_names_people(
    titled: Path, tmp_path: Path
) -> None:
    """`report DIR --pseudonymise` into DIR itself: the files it writes name nobody, and it
    says that DIR's teams.csv and facilitators.csv still do; its mailmerge.csv has no
    e-mails because of --pseudonymise, not because the survey gave none."""
    folder = tmp_path / "copy"
    shutil.copytree(titled, folder)
    done = run("report", folder, "--survey", SURVEY, "--facilitators", FACILITATORS,
               "--pseudonymise", "--no-pdf")  # fmt: skip
    said = " ".join(done.output.split())
    assert done.exit_code == 0, done.output
    assert f"teams.csv, facilitators.csv and summary.json in {folder} still name" in said
    assert "anonymous form" not in said
    mailmerge = (folder / "mailmerge.csv").read_text(encoding="utf-8-sig")
    assert "@" not in mailmerge.replace(CONTACT, "")  # the contact is the lead officer's


def test_a_new_title_given_to_report_in_its_folder_stays(titled: Path, tmp_path: Path) -> None:
    """report --title in the result's own folder wrote the title into the files but not into
    summary.json, so the next plain report (or rematch) went back to the old one."""
    import json
    import shutil

    folder = shutil.copytree(titled, tmp_path / "own")
    common = ["--survey", SURVEY, "--facilitators", FACILITATORS, "--no-pdf"]
    assert run("report", folder, *common, "--title", "Cohort 8", "--contact", "Sam").exit_code == 0
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["title"] == "Cohort 8" and summary["contact"] == "Sam"
    assert run("report", folder, *common).exit_code == 0
    assert "<title>Cohort 8</title>" in (folder / "report.html").read_text(encoding="utf-8")


def test_report_after_a_hand_edit_restates_the_summary_and_diff_sees_the_edit(
    titled: Path, tmp_path: Path
) -> None:
    """teams.csv edited by hand (a school moved, breaking the sizes): diff showed the
    folder's saved "0 breach(es)" and report left summary.json saying "optimal, no breach"
    beside a report.html listing the breaches. diff now says the figures are unknown until
    checked; report restates the status, objective and breaches it checked, and a solve
    into the folder still keeps the edited teams.csv."""
    folder = shutil.copytree(titled, tmp_path / "edited")
    lines = (folder / "teams.csv").read_text(encoding="utf-8-sig").splitlines()
    team = lines[0].split(",").index("team")
    cells = [line.split(",") for line in lines[1:]]
    school = lines[0].split(",").index("establishment_id")
    first = cells[0][school]
    for row in cells:  # the first school's nominees into another team
        if row[school] == first:
            row[team] = str(int(row[team]) % 8 + 1)
    edited = "\n".join([lines[0], *(",".join(row) for row in cells)]) + "\n"
    (folder / "teams.csv").write_text(edited, encoding="utf-8")
    said = run("diff", titled, folder)
    assert said.exit_code == 0, said.output
    assert "facilitators.csv was edited after its summary.json was written" in " ".join(
        said.output.split()
    )
    common = ["--survey", SURVEY, "--facilitators", FACILITATORS, "--no-pdf", "--quiet"]
    assert run("report", folder, *common).exit_code == 0
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    checked = run("check", SURVEY, folder, "--facilitators", FACILITATORS, "--json")
    breaches = json.loads(checked.output)["breaches"]
    assert summary["status"] == ("breaches" if breaches else "feasible")
    assert len(summary["breaches"]) == len(breaches)
    assert summary["objective"] == pytest.approx(json.loads(checked.output)["objective"])
    said = run("diff", titled, folder, "--json")
    assert json.loads(said.output)["b"]["edited"] is False
    links = (folder / "facilitators.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "facilitators.csv").write_text("\n".join(links[:-1]) + "\n", encoding="utf-8")
    said = run("diff", titled, folder, "--json")  # a facilitator's link dropped by hand
    assert json.loads(said.output)["b"]["edited"] is True
    refused = run(*solve_args(SURVEY, FACILITATORS, folder))  # the hand edit is kept
    assert refused.exit_code == 2 and (folder / "teams.csv").read_text(encoding="utf-8") == edited


def test_rosters_follow_a_hand_edit_that_moves_one_nominee(titled: Path, tmp_path: Path) -> None:
    """One nominee of a school moved by hand (a breach: the school is split): every roster
    kept them in their colleague's team, beside teams.csv and the rule checks that said
    otherwise (a lead officer). Each is now where teams.csv puts them."""
    folder = shutil.copytree(titled, tmp_path / "split")
    lines = (folder / "teams.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = [line.split(",") for line in lines[1:]]
    team, school, pid = (header.index(c) for c in ("team", "establishment_id", "practitioner_id"))
    schools = [row[school] for row in cells]
    moved = next(row for row in cells if schools.count(row[school]) > 1)
    old, new = int(moved[team]), int(moved[team]) % 8 + 1
    moved[team] = str(new)
    edited = "\n".join([lines[0], *(",".join(row) for row in cells)]) + "\n"
    (folder / "teams.csv").write_text(edited, encoding="utf-8")
    common = ["--survey", SURVEY, "--facilitators", FACILITATORS, "--no-pdf", "--quiet"]
    assert run("report", folder, *common).exit_code == 0
    merged = {row["practitioner_id"]: row for row in csv.DictReader(
        (folder / "mailmerge.csv").open(encoding="utf-8-sig"))}  # fmt: skip
    assert merged[moved[pid]]["team"] == str(new)
    colleague = next(r[pid] for r in cells if r[school] == moved[school] and r[pid] != moved[pid])
    assert merged[colleague]["team"] == str(old)
    name = merged[moved[pid]]["name"]
    mates = {row["team"]: row["team_mates"] for row in merged.values()}
    assert name in mates[str(new)] and name not in mates[str(old)]
    book = load_workbook(folder / "teams.xlsx", read_only=True)
    sheet = [" ".join(str(c) for c in row if c) for row in book[f"Team {new}"].iter_rows(values_only=True)]  # fmt: skip
    assert any(name in line for line in sheet)


def test_report_without_the_facilitators_table_of_a_result_with_links_is_refused(
    titled: Path, tmp_path: Path
) -> None:
    """`report DIR --survey S` on a result made with facilitators wrote letters saying "your
    facilitator is F10" (a lead officer): it asks for the table, as rematch does."""
    out = tmp_path / "rebuilt"
    said = run("report", titled, "--survey", SURVEY, "--no-pdf", "--out", out)
    assert said.exit_code == 2 and not out.exists()
    text = " ".join(said.output.split())
    assert "facilitators.csv: expected the facilitators table this result was made with" in text
    assert "(--facilitators FILE)" in text
