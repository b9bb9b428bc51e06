"""Tests of clnmatch.io.safe: formula neutralisation and whole-or-nothing writing."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from clnmatch.errors import InvalidInputError
from clnmatch.io.digests import table_digest, workbook_digest
from clnmatch.io.safe import (
    FORMULA_TRIGGERS,
    atomic_write_bytes,
    atomic_write_text,
    neutralise,
    output_folder_problem,
    overwrite_conflicts,
    refuse_overwriting,
    set_xlsx_value,
    staged_output_dir,
    unneutralise,
    write_csv,
    write_xlsx,
    xlsx_bytes,
)


@pytest.mark.parametrize("text", ["=SUM(A1)", "+cmd", "-2+3", "@SUM(1)", "\tx", "\rx", "-", "=="])
def test_formula_like_text_gets_one_apostrophe(text: str) -> None:
    """Text a spreadsheet could run starts with one added apostrophe."""
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["-4.25", "+44", "1e-3", "-0", "Glasgow", "", "'Tis", " =x"])
def test_numbers_and_plain_text_are_left_alone(text: str) -> None:
    """Numbers (a longitude of -4.25) and harmless text are written as they are."""
    assert neutralise(text) == text


def test_a_real_leading_apostrophe_survives() -> None:
    """ "'=x" (apostrophe typed by a person) is written "''=x" and read back "'=x"."""
    assert neutralise("'=x") == "''=x"
    assert unneutralise("''=x") == "'=x"
    assert unneutralise("'Tis") == "'Tis"


@given(st.text(max_size=20))
def test_unneutralise_undoes_neutralise(text: str) -> None:
    """unneutralise(neutralise(t)) == t for every text, and neutralise never lets a
    formula through."""
    guarded = neutralise(text)
    assert unneutralise(guarded) == text
    if guarded[:1] in FORMULA_TRIGGERS:  # only a plain number may start so
        float(guarded.replace(",", "."))


def test_write_csv_has_bom_neutralised_text_and_plain_numbers(tmp_path: Path) -> None:
    """write_csv: UTF-8 with BOM, formula text guarded, numeric columns untouched."""
    df = pd.DataFrame(
        {
            "name": ["=SUM(A1)", "Zoë", None],
            "longitude": [-4.25, np.nan, 1.0],
            "count": pd.array([3, None, -1], dtype="Int64"),
        }
    )
    path = tmp_path / "out.csv"
    write_csv(df, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "name,longitude,count",
        "'=SUM(A1),-4.25,3",
        "Zoë,,",
        ",1.0,-1",
    ]


def test_write_xlsx_never_writes_a_formula(tmp_path: Path) -> None:
    """write_xlsx stores formula-like text as text, marked with Excel's quote prefix and
    shown as written (an added apostrophe showed: "'-x"), and numbers as numbers."""
    df = pd.DataFrame({"name": ["=1+1", "-x", "bell\x07"], "lat": [55.86, -4.25, np.nan]})
    path = tmp_path / "out.xlsx"
    write_xlsx({"people": df}, path)
    sheet = load_workbook(path)["people"]
    cells = [[c for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for row in cells for c in row] == ["s", "n", "s", "n", "s", "n"]
    assert [row[0].value for row in cells] == ["=1+1", "-x", "bell"]
    assert [row[0].quotePrefix for row in cells] == [True, True, False]
    assert [row[1].value for row in cells] == [55.86, -4.25, None]


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    """atomic_write_text replaces the file and leaves nothing else in the folder."""
    path = tmp_path / "a.txt"
    path.write_text("old")
    atomic_write_text(path, "new\r\nline")
    assert path.read_bytes() == b"new\r\nline"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_atomic_write_keeps_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final rename fails, the old file is intact and the temp file is gone."""
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_atomic_write_gives_ordinary_permissions(tmp_path: Path) -> None:
    """A new file gets the umask's permissions, not mkstemp's owner-only 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "p.txt"
    atomic_write_text(path, "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_staged_output_dir_moves_files_in_on_success(tmp_path: Path) -> None:
    """On success the files land in out_dir (made with its parents); others stay."""
    out = tmp_path / "runs" / "one"
    with staged_output_dir(out) as stage:
        assert stage.parent == tmp_path and not out.exists()
        (stage / "teams.csv").write_text("a")
        (stage / "sub").mkdir()
        (stage / "sub" / "x.txt").write_text("b")
    assert (out / "teams.csv").read_text() == "a"
    assert (out / "sub" / "x.txt").read_text() == "b"
    assert sorted(os.listdir(tmp_path)) == ["runs"]

    (out / "keep.txt").write_text("mine")
    with staged_output_dir(out) as stage:
        (stage / "teams.csv").write_text("new")
    assert (out / "teams.csv").read_text() == "new"
    assert (out / "keep.txt").read_text() == "mine"


def test_an_output_folder_made_here_is_its_owners_only(tmp_path: Path) -> None:
    """The outputs hold names and e-mails: a folder staged_output_dir makes is mode 0700
    (the parents it makes are ordinary); a folder the user made keeps its own mode, and
    the new files in it are 0600."""
    mask = os.umask(0o022)
    try:
        made = tmp_path / "runs" / "new"
        with staged_output_dir(made) as stage:
            (stage / "teams.csv").write_text("a")
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
        assert stat.S_IMODE(made.parent.stat().st_mode) == 0o755
        theirs = tmp_path / "shared"
        theirs.mkdir(mode=0o755)
        with staged_output_dir(theirs) as stage:
            (stage / "teams.csv").write_text("a")
        assert stat.S_IMODE(theirs.stat().st_mode) == 0o755
        # but the files written into it are the owner's (mailmerge.csv was 0644 there: a
        # privacy tester); one replaced keeps its mode (the next test)
        assert stat.S_IMODE((theirs / "teams.csv").stat().st_mode) == 0o600
    finally:
        os.umask(mask)


def test_a_file_another_program_holds_open_is_named_and_nothing_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file Excel has open: the run says which file to close
    and leaves the folder as it was (it moved the others in, then failed: half old, half
    new, with "PermissionError"). Simulated: this test's ``held_open``."""
    import clnmatch.io.safe as safe

    out = tmp_path / "out"
    out.mkdir()
    for name in ("teams.csv", "teams.xlsx"):
        (out / name).write_text("run A")
    monkeypatch.setattr(safe, "held_open", lambda path: path.name == "teams.xlsx")
    refused = pytest.raises(InvalidInputError, match="has it open: close it")
    with refused as caught, staged_output_dir(out) as stage:
        for name in ("teams.csv", "teams.xlsx"):
            (stage / name).write_text("run B")
    assert [Path(str(p.file)).name for p in caught.value.problems] == ["teams.xlsx"]
    assert {p.read_text() for p in out.iterdir()} == {"run A"}
    assert sorted(os.listdir(tmp_path)) == ["out"]  # no staging folder left


def test_held_open_is_false_where_open_files_are_replaced(tmp_path: Path) -> None:
    """On Linux and macOS an open file is replaced: never reported as held."""
    from clnmatch.io.safe import held_open

    path = tmp_path / "teams.xlsx"
    path.write_text("x")
    with open(path, "rb"):
        assert held_open(path) is (os.name == "nt")


def test_staged_output_dir_removes_an_earlier_runs_files_it_owns(tmp_path: Path) -> None:
    """A file the run may write but did not (an old handouts.pdf) goes; others stay; on
    an error nothing is removed."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("handouts.pdf", "teams.csv", "keep.txt"):
        (out / name).write_text("old")
    with pytest.raises(RuntimeError), staged_output_dir(out, replaces=["handouts.pdf"]) as stage:
        raise RuntimeError("solver failed")
    assert (out / "handouts.pdf").exists()
    with staged_output_dir(out, replaces=["teams.csv", "handouts.pdf"]) as stage:
        (stage / "teams.csv").write_text("new")
    assert sorted(os.listdir(out)) == ["keep.txt", "teams.csv"]
    assert (out / "teams.csv").read_text() == "new"


def test_staged_output_dir_leaves_out_dir_untouched_on_error(tmp_path: Path) -> None:
    """On an exception nothing is written: out_dir keeps its files, the stage is removed."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "teams.csv").write_text("old")
    with pytest.raises(RuntimeError), staged_output_dir(out) as stage:
        (stage / "teams.csv").write_text("half")
        raise RuntimeError("solver failed")
    assert (out / "teams.csv").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out"]

    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt), staged_output_dir(fresh) as stage:
        (stage / "a.csv").write_text("x")
        raise KeyboardInterrupt
    assert not fresh.exists()
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_staged_output_dir_refuses_a_file(tmp_path: Path) -> None:
    """An out_dir that is a file is an InvalidInputError before any work starts."""
    path = tmp_path / "taken"
    path.write_text("x")
    with pytest.raises(InvalidInputError, match="output folder"), staged_output_dir(path):
        pass


def test_output_folder_problem_names_files_and_unwritable_places(tmp_path: Path) -> None:
    """A file, a path under a file, and a place no one may write are found before any work."""
    taken = tmp_path / "taken.csv"
    taken.write_text("x")
    assert output_folder_problem(taken) == "is a file, not a folder"
    assert "is a file" in str(output_folder_problem(taken / "out"))
    assert output_folder_problem(tmp_path / "new" / "deeper") is None
    assert not (tmp_path / "new").exists()  # checking makes nothing
    assert sorted(os.listdir(tmp_path)) == ["taken.csv"]
    if Path("/proc/self").is_dir():  # not even root may make a folder in /proc
        assert "cannot be written" in str(output_folder_problem("/proc/clnmatch-out"))


def test_overwrite_conflicts_name_the_output_and_the_input(tmp_path: Path) -> None:
    """An output that would replace an input (by name, link or folder) is named with its input."""
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "facilitators.csv").write_text("facilitator_id,name,authority\n")
    (cohort / "survey.csv").write_text("x")
    names = ("teams.csv", "facilitators.csv", "report.html")
    found = overwrite_conflicts(cohort, names, {"--facilitators": cohort / "facilitators.csv"})
    assert found == [
        f"--out {cohort} would replace {cohort / 'facilitators.csv'} (--facilitators) "
        "with the output facilitators.csv"
    ]
    assert (
        overwrite_conflicts(tmp_path / "elsewhere", names, {"x": cohort / "facilitators.csv"}) == []
    )
    link = tmp_path / "link"
    link.symlink_to(cohort, target_is_directory=True)  # the same folder under another name
    assert overwrite_conflicts(link, names, {"--facilitators": cohort / "facilitators.csv"})
    previous = overwrite_conflicts(cohort, names, {"the previous result": cohort})
    assert len(previous) == 1 and "facilitators.csv" in previous[0]
    with pytest.raises(InvalidInputError, match="would replace"):
        refuse_overwriting(cohort, names, {"--facilitators": cohort / "facilitators.csv"})


def test_stale_staging_of_a_killed_run_is_removed(tmp_path: Path) -> None:
    """A staging folder left by a process that no longer runs (kill -9) goes at the next write."""
    dead = tmp_path / ".out.staging-4194311-abc"  # above Linux's largest pid: never alive
    dead.mkdir()
    (dead / "teams.csv").write_text("Laura Brown")
    alive = tmp_path / f".out.staging-{os.getppid()}-def"  # our parent runs: left alone
    alive.mkdir()
    other = tmp_path / ".other.staging-4194311-abc"  # another output's: left alone
    other.mkdir()
    with staged_output_dir(tmp_path / "out") as stage:
        (stage / "teams.csv").write_text("x")
    assert not dead.exists() and alive.exists() and other.exists()


def test_signal_handlers_restored_after_staging(tmp_path: Path) -> None:
    """Outside a staged write SIGTERM is back to its default (the handler is only for the write)."""
    before = signal.getsignal(signal.SIGTERM)
    with staged_output_dir(tmp_path / "out"):
        assert signal.getsignal(signal.SIGTERM) != before
    assert signal.getsignal(signal.SIGTERM) == before


_MID_WRITE = textwrap.dedent(
    """
    import signal, sys, time
    # Ctrl-C as a terminal gives it, whatever the test run passed down (a background job
    # ignores SIGINT; a test worker's thread may block it)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {{signal.SIGINT, signal.SIGTERM}})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, {tests!r})
    import clnmatch.publish as outputs
    import clnmatch.report.html as html
    from test_report_html import hand_result

    html.report_charts = lambda result: []  # charts are not the point; keep it quick
    html.trace_chart = lambda result: None

    def slow_pdf(source, target, timeout=None):  # also asked why not, without Chromium
        print(source.parent, flush=True)  # the staging folder, full of real names by now
        time.sleep(60)

    outputs.print_to_pdf = slow_pdf
    outputs.write_result(hand_result(), {out!r})
    """
)


def test_signal_mid_write_removes_the_staging_folder(tmp_path: Path) -> None:
    """Runs stopped by SIGTERM or Ctrl-C while writing leave no staging folder and no out.

    Two child processes (started together, to save time) each write a real result and
    stop inside the staged write, with the staging folder full of names; each gets one
    signal.
    """
    children = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        folder = tmp_path / signal.Signals(signum).name
        folder.mkdir()
        script = _MID_WRITE.format(tests=str(Path(__file__).parent), out=str(folder / "out"))
        children[signum] = (
            folder,
            subprocess.Popen(
                [sys.executable, "-c", script],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    try:
        for signum, (_folder, child) in children.items():
            assert child.stdout is not None and child.stderr is not None
            staging = Path(child.stdout.readline().strip())
            assert staging.name.startswith(".out.staging-"), child.stderr.read()
            assert "Teacher Person" in (staging / "teams.csv").read_text(encoding="utf-8-sig")
            child.send_signal(signum)
        for signum, (folder, child) in children.items():
            child.wait(timeout=30)
            expected = 128 + signum if signum != signal.SIGINT else child.returncode
            assert child.returncode == expected and child.returncode != 0
            assert os.listdir(folder) == [], signal.Signals(signum).name  # no stage, no out
    finally:
        for _folder, child in children.values():
            child.kill()


def test_sighup_in_process_removes_the_staging_folder(tmp_path: Path) -> None:
    """SIGHUP (a closed terminal) during a staged write: stage removed, exit status 128 + 1.

    Under ``nohup`` SIGHUP is ignored and the write leaves it so; the test sets the default
    a terminal gives, whatever the test run was started under."""
    out = tmp_path / "out"
    started_with = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        with pytest.raises(SystemExit) as stopped, staged_output_dir(out) as stage:
            (stage / "teams.csv").write_text("Laura Brown")
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(5)  # the handler runs here, interrupting the sleep
            raise AssertionError("the signal handler did not run")
        assert stopped.value.code == 128 + signal.SIGHUP
        assert os.listdir(tmp_path) == []
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, started_with)


def test_an_ignored_sighup_stays_ignored(tmp_path: Path) -> None:
    """Under nohup (SIGHUP ignored) a staged write installs no handler: the user asked the
    run to outlive the terminal, and it does."""
    started_with = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with staged_output_dir(tmp_path / "out") as stage:
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
            (stage / "teams.csv").write_text("Laura Brown")
        assert (tmp_path / "out" / "teams.csv").exists()
    finally:
        signal.signal(signal.SIGHUP, started_with)


def test_process_alive_tells_a_running_process_from_an_ended_one() -> None:
    """Staging folders of ended runs are swept by asking whether their process runs."""
    from clnmatch.io.safe import process_alive

    assert process_alive(os.getpid())
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert not process_alive(ended.pid)


def test_an_interrupt_swallowed_on_the_way_still_stops_the_writing(tmp_path: Path) -> None:
    """Ctrl-C raised inside a C callback is printed as "ignored" and the run went on, 2
    times in 23, to write every output and exit 0: the command line's handler remembers
    it, and the staged outputs are then not moved into place."""
    from clnmatch.interrupt import note_interrupt
    from clnmatch.io import safe

    out = tmp_path / "out"
    safe.INTERRUPTED.set()
    try:
        with pytest.raises(KeyboardInterrupt), safe.staged_output_dir(out) as stage:
            (stage / "teams.csv").write_text("x", encoding="utf-8")
    finally:
        safe.INTERRUPTED.clear()
    assert not out.exists() and not list(tmp_path.iterdir())
    with pytest.raises(KeyboardInterrupt):
        note_interrupt(2, None)
    assert safe.INTERRUPTED.is_set()
    safe.INTERRUPTED.clear()


def test_a_run_killed_while_moving_its_files_in_is_finished_by_the_next(tmp_path: Path) -> None:
    """kill -9 between the moves into --out left old and new files side by side (a later
    run refused the folder: 'changed after clnmatch wrote it'). The next run that looks at
    the folder finishes the moves: every file is the killed run's, none the earlier one's."""
    from clnmatch.io.safe import overwrite_conflicts

    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.csv", "b.csv", "c.csv", "old.pdf"):
        (out / name).write_text("earlier")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import clnmatch.io.safe as safe
        moved = []
        real = os.replace
        def replace(source, dest):
            if Path(dest).parent == Path({str(out)!r}):
                moved.append(dest)
                if len(moved) == 2:  # one file in, the next one not
                    os.kill(os.getpid(), signal.SIGKILL)
            real(source, dest)
        safe.os.replace = replace
        with safe.staged_output_dir({str(out)!r}, replaces=["old.pdf"]) as stage:
            for name in ("a.csv", "b.csv", "c.csv"):
                (stage / name).write_text("new")
        """
    )
    run = subprocess.run([sys.executable, "-c", script], check=False)
    assert run.returncode == -signal.SIGKILL
    assert sorted((out / n).read_text() for n in ("a.csv", "b.csv", "c.csv")) == [
        "earlier", "earlier", "new"
    ]  # fmt: skip
    overwrite_conflicts(out, ["a.csv"], {})
    assert [(out / n).read_text() for n in ("a.csv", "b.csv", "c.csv")] == ["new"] * 3
    assert not (out / "old.pdf").exists()  # the killed run's clean-up done too
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_a_killed_runs_temporary_folders_are_removed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 while a workbook was saved left openpyxl's draft of a sheet (facilitators'
    names) in the shared temporary folder, and a browser profile; nothing removed them."""
    import tempfile

    from clnmatch.io.safe import private_scratch

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "clnmatch-scratch-4194311-abcd1234"  # above Linux's largest pid
    dead.mkdir()
    (dead / "openpyxl.draft").write_text("Susan Mackenzie")
    browser = tmp_path / "clnmatch-chromium-4194311-efgh5678"
    browser.mkdir()
    alive = tmp_path / f"clnmatch-scratch-{os.getppid()}-ijkl9012"  # our parent runs
    alive.mkdir()
    users = tmp_path / "clnmatch-2024-spring-cohort"  # a user's own: never ours
    users.mkdir()
    with private_scratch():
        pass
    assert not dead.exists() and not browser.exists() and alive.exists() and users.exists()


def test_a_staging_note_is_trusted_only_for_its_own_output_folder(tmp_path: Path) -> None:
    """A dead run's note naming another folder, or removals outside its own, is not acted
    on; a move that fails keeps the staging folder for a later run (it was deleted, the
    mix left for good)."""
    import json as json_module

    from clnmatch.io.safe import sweep_stale_staging

    precious = tmp_path / "precious.txt"
    precious.write_text("mine")
    shared = tmp_path / "shared"
    shared.mkdir()
    for target, remove in ((tmp_path / "elsewhere", []), (shared / "out", ["../../precious.txt"])):
        staging = shared / ".out.staging-4194311-zz"
        staging.mkdir(exist_ok=True)
        (staging / "notes.txt").write_text("new")
        note = {"target": str(target), "remove": remove}
        (staging / ".clnmatch-moving.json").write_text(json_module.dumps(note))
        sweep_stale_staging(shared, "out")
        assert precious.read_text() == "mine" and not (tmp_path / "elsewhere").exists()
    assert (shared / "out" / "notes.txt").read_text() == "new"  # its own folder: finished
    blocked = shared / ".out.staging-4194311-yy"
    blocked.mkdir()
    (blocked / "sub").mkdir()
    (blocked / "sub" / "a.csv").write_text("new")
    (shared / "out" / "sub").write_text("a file where the folder should go")
    note = {"target": str(shared / "out"), "remove": []}
    (blocked / ".clnmatch-moving.json").write_text(json_module.dumps(note))
    sweep_stale_staging(shared, "out")
    assert (blocked / "sub" / "a.csv").exists()  # kept to finish later


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.none(),
                st.integers(-(10**12), 10**12),
                st.floats(allow_nan=False, allow_infinity=False, width=32),
                st.text(max_size=12),
            ),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_workbook_digest_as_written_is_the_one_read_back(rows: list[list[object]]) -> None:
    """The digest recorded for teams.xlsx is taken from the workbook in memory (reading it
    back is slow); the next run reads it from the file: the two must agree, or a workbook
    nobody touched would be taken for one edited by hand."""
    import tempfile

    from openpyxl import Workbook

    book = Workbook()
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            set_xlsx_value(book.active.cell(row=r, column=c), value)
    book.create_sheet("Second")["B2"] = "x"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "teams.xlsx"
        path.write_bytes(xlsx_bytes(book))
        assert table_digest(path) == workbook_digest(book, ())


def test_a_locked_output_is_named_as_the_user_knows_it() -> None:
    """A report.html made unchangeable (chattr +i) was refused as "Invalid setting: cannot
    use '.../.out.staging-10027-467ybrqg/report.html': Operation not permitted": the staging
    copy's path, with no word that nothing changed. A full disk was "Unexpected error"."""
    import errno

    from clnmatch.cli.common import _failure
    from clnmatch.io.safe import path_for_user

    inside = "/data/out/.out.staging-10027-467ybrqg/report.html"
    beside = "/data/.out.staging-10027-467ybrqg/sub/report.html"
    assert path_for_user(inside) == "/data/out/report.html"
    assert path_for_user(beside) == "/data/out/sub/report.html"
    assert path_for_user("/data/out/report.html") == "/data/out/report.html"
    locked = PermissionError(
        errno.EPERM, "Operation not permitted", inside, None, "/data/out/report.html"
    )
    code, _, text = _failure(locked)
    assert code == 2 and "'/data/out/report.html'" in text and "staging" not in text
    assert "locked" in text and text.endswith("Nothing was written or changed.")
    code, _, text = _failure(OSError(errno.ENOSPC, "No space left on device"))
    assert code == 1 and text.startswith("Error: the disk is full") and "Unexpected" not in text


def test_a_move_that_fails_puts_back_what_the_moves_before_it_replaced(tmp_path: Path) -> None:
    """The outputs move into place one by one: with report.html a folder (or a locked
    file) the move failed after handouts.html and mailmerge.csv were replaced, and the
    command said "Nothing was written or changed" (the reviewer). The moves made are undone."""
    out = tmp_path / "out"
    (out / "b_report.html").mkdir(parents=True)
    (out / "b_report.html" / "inside.txt").write_text("keep", encoding="utf-8")
    (out / "a_handouts.html").write_text("old", encoding="utf-8")
    with pytest.raises(OSError), staged_output_dir(out) as stage:
        (stage / "a_handouts.html").write_text("new", encoding="utf-8")
        (stage / "b_report.html").write_text("new", encoding="utf-8")
        (stage / "c_new.csv").write_text("new", encoding="utf-8")
    assert (out / "a_handouts.html").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in out.iterdir()) == ["a_handouts.html", "b_report.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_a_replaced_file_keeps_who_may_read_it(tmp_path: Path) -> None:
    """`clnmatch report` into an event's export folder (files 0600: they hold names and
    e-mails) left them readable by everyone (0644: the docs tester)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("old", encoding="utf-8")
    (out / "report.html").chmod(0o600)
    with staged_output_dir(out) as stage:
        (stage / "report.html").write_text("new", encoding="utf-8")
        (stage / "mailmerge.csv").write_text("new", encoding="utf-8")
    assert (out / "report.html").read_text(encoding="utf-8") == "new"
    assert (out / "report.html").stat().st_mode & 0o777 == 0o600


def test_a_stop_after_the_outputs_are_in_place_says_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl+C in the second a run takes to end, after its files moved into place, said
    "no output was written or changed" over a folder holding every e-mail (a privacy
    tester): it now names the folder written, whole; before any is, it says nothing was."""
    import typer

    from clnmatch.cli.common import exit_codes

    written: list[str] = []  # one process, one run
    monkeypatch.setattr("clnmatch.interrupt.WRITTEN", written)
    monkeypatch.setattr("clnmatch.io.safe.WRITTEN", written)
    with pytest.raises(typer.Exit), exit_codes(), staged_output_dir(tmp_path / "out") as stage:
        (stage / "teams.csv").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt
    assert "no output was written or changed" in capsys.readouterr().err
    with pytest.raises(typer.Exit) as stopped, exit_codes():
        with staged_output_dir(tmp_path / "out") as stage:
            (stage / "teams.csv").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt  # while the process ends
    said = " ".join(capsys.readouterr().err.split())
    assert stopped.value.exit_code == 130 and (tmp_path / "out" / "teams.csv").is_file()
    assert f"after every output was written, whole, to {tmp_path / 'out'}" in said, said
    assert "no output was written" not in said
    # a command's own words stay (the event's: everything decided is kept), exports or not
    with pytest.raises(typer.Exit), exit_codes(stopped="Stopped: kept in --dir"):
        with staged_output_dir(tmp_path / "export") as stage:
            (stage / "teams.csv").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt
    assert "Stopped: kept in --dir" in capsys.readouterr().err


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(["a", " ", "\r", "\n", "=", "+", "-", "@", '"', ","])),
        min_size=1,
        max_size=5,
    )
)
def test_csv_cells_keep_their_rows_and_never_start_a_formula(texts: list[str]) -> None:
    """A cell holding a bare carriage return was not quoted: spreadsheets (and csv readers)
    ended the row there, and a formula after it started a row of its own, its apostrophe
    left in the row above (a data protection officer). Every cell stays in its row, and
    reads back as written, its line breaks as '\\n'."""
    import csv
    import io
    import tempfile

    frame = pd.DataFrame({"id": [f"P{i}" for i in range(len(texts))], "name": texts})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.csv"
        write_csv(frame, path)
        text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(texts) + 1 and all(len(row) == 2 for row in rows)
    for row, original in zip(rows[1:], texts, strict=True):
        cell = row[1]
        assert not cell or cell[0] not in FORMULA_TRIGGERS
        assert unneutralise(cell) == original.replace("\r\n", "\n").replace("\r", "\n")
