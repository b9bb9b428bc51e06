"""Rosters ready to send: teams.csv with job titles and e-mails, mailmerge.csv, handouts.

Built from ``hand_result`` (3 teams of 4 establishments, everyone with an e-mail, three in
four with a job title) so every expected row can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from test_report_html import SCRIPT_NAME, TITLE, hand_result

from clnmatch.io.outputs import OUTPUT_FILES, ROSTER_FILES, teams_frame
from clnmatch.publish import write_result
from clnmatch.report.handouts import CHROMIUM_ENV, find_chromium, print_to_pdf, render_handouts
from clnmatch.report.mailmerge import MAILMERGE_COLUMNS, mailmerge_frame
from clnmatch.report.pseudonymise import pseudonymise
from clnmatch.report.views import Heading
from clnmatch.result import Result

CONTACT = "Jane Doe, Education Officer: jane.doe@example.org"
HEADING = Heading(title=TITLE, date=dt.date(2025, 9, 3), contact=CONTACT)


@pytest.fixture(scope="module")
def result() -> Result:
    return hand_result()


@pytest.fixture(scope="module")
def merge(result: Result) -> pd.DataFrame:
    return mailmerge_frame(result, HEADING)


def test_mailmerge_one_row_per_person(result: Result, merge: pd.DataFrame) -> None:
    """Every practitioner has exactly one row, with the contract of columns, in team order."""
    assert list(merge.columns) == list(MAILMERGE_COLUMNS)
    assert sorted(merge["practitioner_id"]) == sorted(p.id for p in result.cohort.practitioners)
    assert list(merge["team"]) == sorted(merge["team"])
    for row in merge.itertuples():
        p = result.cohort.practitioner_by_id[row.practitioner_id]
        est = result.cohort.establishment_by_id[p.establishment_id]
        assert (row.name, row.email, row.establishment) == (p.name, p.email, est.name)
        assert row.team == result.assignment[p.id]
        assert row.focus == result.team_focus[row.team]
        assert row.job_title == (p.job_title or "")
        assert (row.contact, row.cohort, row.date) == (CONTACT, TITLE, "3 September 2025")


def test_mailmerge_team_mates_and_facilitators(result: Result, merge: pd.DataFrame) -> None:
    """Team mates are everyone else in the team, each with their establishment; facilitators too."""
    row = merge.set_index("practitioner_id").loc["P02"]  # E01, team 2, facilitator F1
    mates = row["team_mates"].split("; ")
    team2 = [p for p in result.cohort.practitioners if result.assignment[p.id] == 2]
    assert len(mates) == len(team2) - 1 and not any("Teacher Person02" in m for m in mates)
    assert "Teacher Person03 (School 1 & Annexe)" in mates
    assert "Teacher Person08 (School 4 & Annexe)" in mates
    assert row["facilitators"] == "Facilitator Name1 (Inverclyde, QIO)"
    # their team mates' e-mails, for a Cc line: their own team's, never another's
    emails = {p.id: p.email for p in result.cohort.practitioners}
    expected = "; ".join(emails[p.id] for p in team2 if p.id != "P02" and emails[p.id])
    assert row["team_emails"] == expected and expected


def test_teams_csv_carries_job_titles_and_emails(result: Result) -> None:
    """teams.csv keeps the contract's columns and adds email and job_title when known."""
    frame = teams_frame(result)
    for column in ("practitioner_id", "establishment_id", "team", "team_focus", "name"):
        assert column in frame.columns
    assert list(frame.columns).index("email") == list(frame.columns).index("name") + 1
    assert list(frame.columns).index("job_title") == list(frame.columns).index("role") + 1
    assert frame.set_index("practitioner_id").loc["P01", "job_title"] == "Child Development Officer"
    anonymous = teams_frame(pseudonymise(result))
    assert "email" not in anonymous.columns and "job_title" not in anonymous.columns


def test_handouts_one_page_per_team(result: Result) -> None:
    """One section per team with title, date, focus, members, job titles, e-mails, facilitator."""
    html = render_handouts(result, HEADING)
    pages = html.split('<section class="page"')[1:]
    assert len(pages) == 3
    page = pages[1]  # team 2
    assert "CLN cohort 3 &amp; partners" in page and "3 September 2025" in page
    assert f"Focus: {result.team_focus[2]}" in page
    assert "Teacher Person02" in page and "Acting Depute" in page  # P04 -> E02 is team 3
    assert "Child Development Officer" in pages[1] or "Child Development Officer" in pages[0]
    assert "person02@<wbr>example.org" in page  # breaks after the @, never mid-word
    assert "Facilitator Name1 (Inverclyde, QIO)" in page and "jane.doe@example.org" in page
    assert re.search(r"@page\s*\{[^}]*@bottom-center\s*\{[^}]*counter\(page\)", html)
    assert "counter(pages)" in html and "break-after: page" in html
    assert SCRIPT_NAME not in html and "&lt;script&gt;" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_handouts_without_emails_have_no_email_column(result: Result) -> None:
    """A pseudonymised (or e-mail-less) result prints no e-mail column."""
    html = render_handouts(pseudonymise(result), HEADING)
    assert "E-mail" not in html and 'class="email"' not in html
    assert 'class="no-email"' in html and "@example.org" not in html.replace(CONTACT, "")


def test_write_result_writes_rosters_and_title(
    result: Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Chromium: every contract file, mailmerge.csv and handouts.html, and a note."""
    monkeypatch.setenv(CHROMIUM_ENV, "none")
    written = write_result(result, tmp_path / "out", title=TITLE, contact=CONTACT)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {*OUTPUT_FILES, *ROSTER_FILES}
    assert [p.name for p in written] == [*OUTPUT_FILES, *ROSTER_FILES]
    assert written.notes and "CLNMATCH_CHROMIUM says not to print PDFs" in written.notes[0]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["title"], summary["contact"]) == (TITLE, CONTACT)
    merge = pd.read_csv(tmp_path / "out" / "mailmerge.csv", encoding="utf-8-sig")
    assert len(merge) == result.cohort.n_participants
    assert "<title>CLN cohort 3 &amp; partners</title>" in (
        tmp_path / "out" / "report.html"
    ).read_text(encoding="utf-8")


def test_a_survey_without_e_mails_says_the_mailmerge_has_none(
    result: Result, tmp_path: Path
) -> None:
    """An anonymous form's export gave a mailmerge.csv whose e-mail column was blank, and
    nothing said so: now a note does, in the report too; a survey with e-mails, or outputs
    pseudonymised (which drop e-mails, as documented), get no such note."""
    import dataclasses

    people = tuple(p.model_copy(update={"email": None}) for p in result.cohort.practitioners)
    anonymous = dataclasses.replace(
        result, cohort=result.cohort.model_copy(update={"practitioners": people})
    )
    said = "mailmerge.csv has no e-mail addresses: the survey gives none (an anonymous form?)"
    for case, given, pseudonymised in (
        ("plain", result, False),
        ("anonymous", anonymous, False),
        ("pseudonymised", result, True),
    ):
        out = tmp_path / case
        written = write_result(given, out, pdf=False, pseudonymise=pseudonymised)
        expected = case == "anonymous"
        assert (said in written.notes) == expected, case
        assert (said in (out / "report.html").read_text(encoding="utf-8")) == expected, case
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert not any("e-mail" in item["file"] for item in summary["left_out"])


needs_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="no Chromium installed: the PDF is optional"
)


@needs_chromium
def test_handouts_pdf_has_a_numbered_page_per_team(result: Result, tmp_path: Path) -> None:
    """Chromium prints one A4 page per team, each numbered 'Page n of 3', with its members."""
    pypdf = pytest.importorskip("pypdf")
    html, pdf = tmp_path / "handouts.html", tmp_path / "handouts.pdf"
    html.write_text(render_handouts(result, HEADING), encoding="utf-8")
    assert print_to_pdf(html, pdf, timeout=30) is None
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 3
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {n} of 3" in text and f"Team {n}" in text
        assert round(float(page.mediabox.width)) == 595  # A4: 210 mm = 595 pt
    assert "Teacher Person02" in reader.pages[1].extract_text()


@needs_chromium
def test_a_chromium_stopped_early_leaves_nothing_in_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Chromium ended early (out of time; Ctrl-C ends it the same way) left its
    org.chromium.Chromium.* folders in the user's TMPDIR: they are in its throw-away
    profile now, removed with it. And a TMPDIR with a long path (pytest's) made Chromium
    abort (its socket's path passed 107 characters): the profile goes in /tmp then."""
    import tempfile

    short = Path(tempfile.mkdtemp(prefix="t"))
    request.addfinalizer(lambda: shutil.rmtree(short, ignore_errors=True))
    long = tmp_path / ("a-temporary-folder-with-a-long-name" * 2)
    long.mkdir()
    html = tmp_path / "h.html"
    html.write_text("<p>x</p>" * 2000, encoding="utf-8")
    for tmpdir, limits in ((short, (0.2, 0.5, 30.0)), (long, (30.0,))):
        monkeypatch.setenv("TMPDIR", str(tmpdir))
        monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
        said = [print_to_pdf(html, tmp_path / "h.pdf", timeout=t) for t in limits]
        assert said[-1] is None, said  # the last one printed
        assert list(tmpdir.iterdir()) == []


def test_pdf_failure_is_a_note_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 'browser' that fails leaves no PDF and says why; nothing raises."""
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(CHROMIUM_ENV, str(fake))
    html = tmp_path / "h.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    why = print_to_pdf(html, tmp_path / "h.pdf")
    assert why is not None and "code 3" in why and not (tmp_path / "h.pdf").exists()
    if shutil.which("sh"):
        monkeypatch.setenv(CHROMIUM_ENV, "none")  # said so (it said no browser was found)
        assert print_to_pdf(html, tmp_path / "h.pdf") == (
            f"handouts.pdf was not written: {CHROMIUM_ENV} says not to print PDFs"
        )


def test_the_browser_keeps_out_of_the_users_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Printing wrote Chromium's crash reports and caches into the user's home folder (a
    privacy tester): its home, configuration and cache folders are its throw-away
    profile's now. A browser that ends without a PDF says so (not "exited with code 0")."""
    seen = tmp_path / "seen.txt"
    fake = tmp_path / "fake-chromium"
    fake.write_text(
        f'#!/bin/sh\necho "$HOME|$XDG_CONFIG_HOME|$XDG_CACHE_HOME|$TMPDIR|$*" > "{seen}"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv(CHROMIUM_ENV, str(fake))
    html = tmp_path / "h.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    why = print_to_pdf(html, tmp_path / "h.pdf")
    assert why == "handouts.pdf was not written: Chromium ended without writing it"
    home, config, cache, temp, args = seen.read_text("utf-8").strip().split("|")
    profile = next(a for a in args.split() if a.startswith("--user-data-dir=")).split("=", 1)[1]
    assert home == temp == profile and config.startswith(profile) and cache.startswith(profile)
    assert "--disable-breakpad" in args and not Path(profile).exists()  # removed with it


def test_a_browser_installed_off_the_path_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows installs Edge and Chrome off the PATH (and macOS in /Applications): the
    handouts PDF was never printed there. The install places are tried after the PATH."""
    from clnmatch.report import handouts

    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    edge = tmp_path / "Microsoft" / "Edge" / "msedge.exe"
    edge.parent.mkdir(parents=True)
    edge.write_text("")
    monkeypatch.setenv("PROGRAMFILES_TEST", str(tmp_path))
    monkeypatch.setattr(handouts, "_INSTALLED", (
        "{NOT_SET_HERE}/chrome.exe", "{PROGRAMFILES_TEST}/Microsoft/Edge/msedge.exe"))  # fmt: skip
    assert find_chromium() == str(edge)
    edge.unlink()
    assert find_chromium() is None


def test_a_run_stopped_while_printing_leaves_no_browser_profile(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """SIGTERM while Chromium prints the handouts: the run ends (143), and the browser's
    helper processes end with it, so its profile folder is gone too (a helper went on
    making it again, and a clnmatch-chromium-* folder stayed in the temp folder)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    fake = tmp_path / "slow-chromium"
    fake.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case $a in --user-data-dir=*) d=${a#--user-data-dir=};; esac; done\n'
        '(while true; do mkdir -p "$d"; touch "$d/helper"; sleep 0.05; done) &\n'
        "sleep 60\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    import tempfile

    temp = Path(tempfile.mkdtemp(prefix="t"))  # short: a long one sends the profile to /tmp
    request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))
    env = {**os.environ, CHROMIUM_ENV: str(fake), "TMPDIR": str(temp)}
    survey = Path(__file__).parents[1] / "src" / "clnmatch" / "data" / "sample_survey.csv"
    run = subprocess.Popen(
        [sys.executable, "-m", "clnmatch.cli", "solve", str(survey), "--out", str(tmp_path / "out"),
         "--strategy", "greedy", "--time-limit", "60", "-q"],  # time to print, under load
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not list(temp.glob("clnmatch-chromium-*/helper")) and time.monotonic() < deadline:
        assert run.poll() is None, "the run ended before printing"
        time.sleep(0.1)
    assert list(temp.glob("clnmatch-chromium-*/helper")), "the fake browser never started"
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 128 + signal.SIGTERM
    time.sleep(0.5)  # a helper still alive would have written into it again by now
    assert not list(temp.glob("clnmatch-chromium-*")) and not (tmp_path / "out").exists()


@needs_chromium
def test_a_full_team_with_job_titles_still_prints_on_one_sheet(tmp_path: Path) -> None:
    """The sample's teams of 11-14 with a job title each, their facilitators and the
    contact: one A4 page per team (a team's facilitators spilled onto a sheet of their
    own), and an e-mail copied from the PDF reads as typed (no "fi" ligature)."""
    pypdf = pytest.importorskip("pypdf")
    import clnmatch
    from clnmatch.cli import sample_paths
    from clnmatch.io.survey import read_cohort

    cohort = read_cohort(*sample_paths())
    titles = ("Depute Head Teacher", "Principal Teacher of Literacy", "Class Teacher",
              "Senior Child Development Officer", "Early Years Practitioner")  # fmt: skip
    people = tuple(
        p.model_copy(update={"job_title": titles[k % len(titles)],
                             "email": f"fiona.finlay{k}@school.example.org"})
        for k, p in enumerate(cohort.practitioners)
    )  # fmt: skip
    cohort = cohort.model_copy(update={"practitioners": people})
    solved = clnmatch.solve(cohort, strategy="greedy", time_limit=5, seed=0)
    html, pdf = tmp_path / "handouts.html", tmp_path / "handouts.pdf"
    html.write_text(render_handouts(solved, HEADING), encoding="utf-8")
    assert print_to_pdf(html, pdf, timeout=60) is None
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    assert len(pages) == 8
    for n, text in enumerate(pages, start=1):
        assert f"Team {n}" in text and "jane.doe@example.org" in text
    assert "fiona.finlay0@school.example.org" in "".join("".join(pages).split())


@needs_chromium
@pytest.mark.parametrize("teams", [5, 6])  # teams of 19-21 and 16-18
def test_a_team_of_more_than_fourteen_still_prints_on_one_sheet(tmp_path: Path, teams: int) -> None:
    """Teams of 16-20 with long school names and job titles (a team of 18 ran onto a
    second page, and every later team's page number was one off)."""
    pypdf = pytest.importorskip("pypdf")
    import clnmatch
    from clnmatch.cli import sample_paths
    from clnmatch.io.survey import read_cohort
    from clnmatch.models import Rules

    cohort = read_cohort(*sample_paths())
    schools = tuple(
        e.model_copy(update={"name": f"{e.name} and Early Learning and Childcare Centre"})
        for e in cohort.establishments
    )
    people = tuple(
        p.model_copy(update={"job_title": "Principal Teacher of Health and Wellbeing"})
        for p in cohort.practitioners
    )
    cohort = cohort.model_copy(update={"establishments": schools, "practitioners": people})
    rules = Rules(teams=teams, min_authorities=2, max_authority_share=0.5)
    solved = clnmatch.solve(cohort, rules, strategy="greedy", time_limit=5, seed=0)
    assert solved.feasible and max(Counter(solved.assignment.values()).values()) > 14
    html, pdf = tmp_path / "handouts.html", tmp_path / "handouts.pdf"
    html.write_text(render_handouts(solved, HEADING), encoding="utf-8")
    assert print_to_pdf(html, pdf, timeout=60) is None
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    assert len(pages) == teams
    for n, text in enumerate(pages, start=1):
        assert f"Team {n}" in text


def test_a_cc_line_holds_addresses_only(tmp_path: Path) -> None:
    """An e-mail typed as no address ('not-an-email': a warning when read) went into the Cc
    line of every team mate (a lead officer); one copied as a link ('mailto:...') is its
    address."""
    import clnmatch
    from clnmatch.cli import sample_paths

    survey = pd.read_csv(sample_paths()[0], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    survey.loc[0, "email"] = "not-an-email"
    linked = survey.loc[1, "email"]
    survey.loc[1, "email"] = f"mailto:{linked}"
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    result = clnmatch.solve(clnmatch.Cohort.from_csv(path), strategy="greedy", time_limit=5)
    merge = mailmerge_frame(result)
    cc = " ".join(merge["team_emails"])
    assert "not-an-email" not in cc and "mailto:" not in cc and linked in cc
