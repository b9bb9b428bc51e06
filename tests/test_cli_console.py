"""The command line's console: output a console cannot show, a reader that has gone, and
Ctrl+C at every moment (exit 130, said once)."""

from __future__ import annotations

import json

import pytest

from clnmatch.cli import sample_paths

SURVEY, _ = sample_paths()


def test_a_console_that_cannot_show_a_character_does_not_fail_the_command(tmp_path):
    """On Windows output redirected to a file is cp1252: a theme named with "≥" made
    inspect (and solve, after writing everything) fail with UnicodeEncodeError."""
    import os
    import subprocess
    import sys

    text = SURVEY.read_text(encoding="utf-8-sig").replace(
        "theme:Numeracy", "theme:Numeracy ≥ basics", 1
    )
    survey = tmp_path / "survey.csv"
    survey.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "clnmatch.cli", "inspect", str(survey)],
                          capture_output=True, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")[-800:]
    assert b"Numeracy ? basics" in done.stdout


def test_stdout_whose_reader_has_gone_drops_the_rest_and_keeps_the_exit_code():
    """`clnmatch breakouts ... | head -1` exited 1 silently (click's answer to a closed
    pipe) though every output was written: the console entry's stdout now drops what is
    left to print, and the command's own exit code stands."""
    import os

    from clnmatch.cli import _StdoutOnceReadersLeave

    read, write = os.pipe()
    os.close(read)  # the reader has gone
    with os.fdopen(write, "w") as raw:
        out = _StdoutOnceReadersLeave(raw)
        assert out.write("x" * 100_000) == 100_000  # EPIPE: dropped, not raised
        out.write("more")
        out.flush()


def test_ctrl_c_says_that_nothing_was_written(capsys):
    """A run stopped with Ctrl+C ended silently (exit 130): it now says so, and --json
    answers with one object, as every other ending does."""
    import typer

    from clnmatch.cli.common import exit_codes

    for json_out in (False, True):
        with pytest.raises(typer.Exit) as stopped, exit_codes(json_out):
            raise KeyboardInterrupt
        assert stopped.value.exit_code == 130
        said = capsys.readouterr()
        assert "Stopped (Ctrl+C): no output was written or changed." in said.err
        assert (json.loads(said.out)["error"] == "interrupted") if json_out else said.out == ""


@pytest.mark.parametrize("early", [KeyboardInterrupt(), SystemExit(130)])
def test_ctrl_c_before_the_command_took_over_says_so_once(monkeypatch, capsys, early):
    """Ctrl+C in the first second (typer still starting: exit 130 with no word, or a
    traceback) says what every other stop says, once."""
    import clnmatch.cli as cli

    def stopped() -> None:
        raise early

    monkeypatch.setattr(cli, "app", stopped)
    monkeypatch.setattr("clnmatch.cli.common._STOP_SAID", [])  # one process, one run
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == 130
    said = capsys.readouterr().err
    assert said.count("Stopped (Ctrl+C): no output was written or changed.") == 1, said


def test_ctrl_c_while_the_command_line_is_imported_says_so(monkeypatch, capsys):
    """The console script imports the command line (half a second): a Ctrl+C then ended
    in a KeyboardInterrupt traceback (the reviewer)."""
    import sys
    import types

    from clnmatch import console

    class Importing(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "clnmatch.cli", Importing("clnmatch.cli"))
    with pytest.raises(SystemExit) as ended:
        console.main()
    assert ended.value.code == 130 and console.STOPPED in capsys.readouterr().err
