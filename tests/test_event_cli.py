"""`clnmatch event` started again on its folder: what is read again, and the event's copy
of its mapping (the server itself is not started: ``serve`` is replaced)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clnmatch.cli import app, sample_paths

SURVEY, FACILITATORS = sample_paths()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An event begun on the sample, with an empty mapping (which reads it as it is)."""
    import clnmatch.web.server as server

    monkeypatch.setattr(server, "serve", lambda event, **kw: None)
    (tmp_path / "good.toml").write_text("", encoding="utf-8")
    _start(tmp_path / "ev", SURVEY, "--facilitators", FACILITATORS, "--map", tmp_path / "good.toml")
    return tmp_path / "ev"


def _start(folder: Path, *args: object) -> str:
    done = CliRunner().invoke(app, ["event", *map(str, args), "--dir", str(folder), "--no-browser"])
    assert done.exit_code == 0, done.output
    return " ".join(done.output.split())


def test_a_map_that_cannot_read_the_survey_does_not_replace_the_events_copy(
    folder: Path, tmp_path: Path
) -> None:
    """A wrong --map given on a restart replaced the event's copy, so every later start
    without --map read pasted rows with it, calling it the one the event began with."""
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("leave_out_rows = [2, 3, 4]\n", encoding="utf-8")
    said = _start(folder, SURVEY, "--facilitators", FACILITATORS, "--map", wrong)
    assert "now differs" in said and f"--map {wrong} not used" in said  # nor for pasted rows
    assert (folder / "mapping.toml").read_text(encoding="utf-8") == ""
    assert (folder / "mapping.toml").stat().st_mode & 0o077 == 0  # the owner's, as event.json
    assert "using the event's copy of its mapping" in _start(folder)


def test_files_given_without_the_survey_are_said_to_be_unread(folder: Path) -> None:
    """--dir alone resumes; --facilitators beside it was neither compared nor named."""
    said = _start(folder, "--facilitators", FACILITATORS)
    assert "--facilitators not read again" in said


def test_the_exports_are_headed_as_the_result_the_event_began_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event begun --from a result solved with --title and --contact exported every file
    as 'Collaborative learning teams' with no contact (a tester's handouts went out so)."""
    import clnmatch.web.server as server
    from clnmatch.event import Event
    from clnmatch.event.export import export_bytes, write_folder
    from clnmatch.report.handouts import CHROMIUM_ENV

    monkeypatch.setattr(server, "serve", lambda event, **kw: None)
    solved = tmp_path / "teams"
    title, contact = "CLN cohort 7, 2025-26", "Pat Lead, pat@example.org"
    args = ["solve", str(SURVEY), "--facilitators", str(FACILITATORS), "--time-limit", "5"]
    args += ["--strategy", "greedy"]  # any teams: their title is the question
    done = CliRunner().invoke(
        app, [*args, "--title", title, "--contact", contact, "--no-pdf", "-q", "--out", str(solved)]
    )
    assert done.exit_code == 0, done.output
    _start(tmp_path / "ev", SURVEY, "--facilitators", FACILITATORS, "--from", solved)
    event = Event.open(tmp_path / "ev")
    handouts = export_bytes(event, "handouts.html").decode("utf-8")
    assert title in handouts and "pat@example.org" in handouts
    # the page's one-file download too: a rematch from downloaded files keeps the title
    alone = json.loads(export_bytes(event, "summary.json"))
    assert alone["title"] == title and alone["contact"] == contact
    monkeypatch.setenv(CHROMIUM_ENV, "none")  # the handouts' title is checked above, not a PDF
    write_folder(event, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["title"] == title and summary["contact"] == contact
    # the page and the projector are headed with it too (the projector said "Collaborative
    # Learning Network teams" to the room whatever the cohort)
    from fastapi.testclient import TestClient

    from clnmatch.web.app import create_app

    tokens = event.tokens()
    client = TestClient(create_app(event))
    for path, role in (("/", "editor"), ("/projector", "viewer")):
        page = client.get(path, params={"token": tokens[role]})
        assert page.status_code == 200 and title in page.text, path
    assert "--title not read again" in _start(tmp_path / "ev", "--title", "Another")


def test_the_page_answers_from_the_moment_its_address_is_printed(tmp_path: Path) -> None:
    """A script that read the first line (as the contract invites) and connected at once
    was refused: the address was printed 0.2 s before the server listened (the matching
    day's tester). The socket now listens before the address is printed."""
    import subprocess
    import sys
    import urllib.request

    from test_web_browser import FACILITATORS, SURVEY, free_port

    port = free_port()
    command = [sys.executable, "-m", "clnmatch.cli", "event", str(SURVEY), "--facilitators",
               str(FACILITATORS), "--dir", str(tmp_path / "ev"), "--port", str(port),
               "--no-browser"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/state")
        request.add_header("Authorization", f"Bearer {url.split('token=', 1)[1]}")
        with urllib.request.urlopen(request, timeout=60) as answer:  # no retry: at once
            assert json.loads(answer.read())["version"] == 0
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_a_restart_says_the_decisions_are_kept_and_not_that_facilitators_differ(
    folder: Path, tmp_path: Path
) -> None:
    """Started again after a crash, the terminal said nothing of what was kept; started with
    the survey alone it said the facilitators were kept and then that they differed "(no
    --facilitators was given)" (the matching day's tester)."""
    said = _start(folder, SURVEY)
    assert f"resumed the event in {folder}: every decision made before it stopped is kept" in said
    assert "differ" not in said
    fewer = tmp_path / "fewer.csv"  # another facilitators table given: said
    fewer.write_text("".join(FACILITATORS.read_text(encoding="utf-8").splitlines(True)[:-1]))
    assert "the facilitators differ from those it began with" in _start(
        folder, SURVEY, "--facilitators", fewer
    )


def test_deleting_tokens_json_gives_the_event_new_addresses(folder: Path) -> None:
    """An address leaked (photographed on the projector) could not be revoked: deleting
    tokens.json made the event fail to start (a data protection officer). The event makes
    new tokens, readable by its owner only, and says the old addresses no longer open it."""
    old = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
    (folder / "tokens.json").unlink()
    said = _start(folder, SURVEY, "--facilitators", FACILITATORS)
    new = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
    assert set(new) == {"editor", "viewer"} and not set(new.values()) & set(old.values())
    assert new["editor"] in said and old["editor"] not in said
    assert "tokens.json was missing: the event has new addresses (above)" in said
    assert (folder / "tokens.json").stat().st_mode & 0o077 == 0


def test_a_survey_that_is_not_the_results_cohort_gets_its_own_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event --from a result, on the survey downloaded again after a late answer,
    started at the result's bound, which its re-optimise then beat (a first-time lead
    officer): that bound is the result's own cohort's; here one is proved for this one."""
    import clnmatch.web.server as server
    from clnmatch.event import Event

    monkeypatch.setattr(server, "serve", lambda event, **kw: None)
    solved = tmp_path / "teams"
    args = ["solve", str(SURVEY), "--facilitators", str(FACILITATORS), "--time-limit", "10"]
    done = CliRunner().invoke(app, [*args, "--no-pdf", "-q", "--out", str(solved)])
    assert done.exit_code == 0, done.output
    bound = json.loads((solved / "summary.json").read_text(encoding="utf-8"))["bound"]
    said = _start(tmp_path / "same", SURVEY, "--facilitators", FACILITATORS, "--from", solved)
    assert "is proved now" not in said and Event.open(tmp_path / "same").view().bound == bound
    lines = Path(SURVEY).read_text(encoding="utf-8").splitlines()
    late = tmp_path / "again.csv"  # a school left out of the export downloaded again
    late.write_text("\n".join(line for line in lines if ",8410623," not in line) + "\n")
    assert len(late.read_text().splitlines()) < len(lines)
    said = _start(tmp_path / "other", late, "--facilitators", FACILITATORS, "--from", solved)
    assert "its best possible score is not this event's, so one is proved now" in said
    assert Event.open(tmp_path / "other").view().bound != bound
    # the same people, one rating edited since (a reviewer): counted alike, not the same
    edited = tmp_path / "edited.csv"
    header, first, *rest = lines
    cells = first.split(",")
    cells[7] = "0" if cells[7] != "0" else "5"  # theme:Literacy of the first row
    edited.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    said = _start(tmp_path / "edited", edited, "--facilitators", FACILITATORS, "--from", solved)
    assert "not those the result was made from" in said
