"""The event's journal: every decision fsynced before it returns and read back after a
restart; a torn last line set aside, damage before it refused; and after a write that
failed (a full disk) nothing of it is left for the next entry to follow."""

from __future__ import annotations

import errno
import os
import warnings
from pathlib import Path

import pytest
from test_event_engine import new_event, snapshot

from clnmatch.errors import InvalidInputError
from clnmatch.event import Event, JournalWarning
from clnmatch.event import journal as journal_module
from clnmatch.event.journal import Journal


def _failing_after(limit: int):
    """os.write that writes ``limit`` bytes of the next call, then fails as a full disk."""
    real = os.write

    def write(fd: int, data: memoryview) -> int:
        real(fd, bytes(data[:limit]))
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def test_a_failed_write_leaves_no_fragment(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.append({"seq": 1, "op": "move"})
    with monkeypatch.context() as patch:
        patch.setattr(journal_module.os, "write", _failing_after(1))
        with pytest.raises(OSError):
            journal.append({"seq": 2, "op": "move"})
    journal.append({"seq": 2, "op": "move", "again": True})  # acknowledged after space freed
    journal.append({"seq": 3, "op": "move"})
    journal.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no torn line to set aside
        again = Journal(path)
    assert [e["seq"] for e in again.entries] == [1, 2, 3] and again.entries[1]["again"]
    again.close()


def test_a_cut_that_fails_is_made_before_the_next_entry(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.append({"seq": 1})
    with monkeypatch.context() as patch:
        patch.setattr(journal_module.os, "write", _failing_after(5))

        def no_truncate(fd: int, size: int) -> None:
            raise OSError(errno.EIO, "I/O error")

        patch.setattr(journal_module.os, "ftruncate", no_truncate)
        with pytest.raises(OSError):
            journal.append({"seq": 2})
    journal.append({"seq": 2})
    journal.close()
    again = Journal(path)
    assert [e["seq"] for e in again.entries] == [1, 2]
    again.close()


def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    """Decisions written by one Event are all there when the folder is opened again."""
    event = new_event(tmp_path)
    event.move("E5", 1)
    event.set_lock("E0", True)
    event.save_version("first")
    event.undo()
    before = snapshot(event)
    event.close()
    again = Event.open(tmp_path)
    assert snapshot(again) == before
    assert again.version == 4


def test_a_torn_last_line_is_set_aside(tmp_path: Path) -> None:
    """A crash mid-write leaves a torn line: it is ignored with a warning, earlier entries stay."""
    event = new_event(tmp_path)
    event.move("E5", 1)
    event.move("E3", 1)
    before = snapshot(event)
    event.close()
    with open(tmp_path / "journal.jsonl", "ab") as handle:
        handle.write(b'{"seq": 3, "op": "move", "establishment_id": "E')  # no newline: torn
    with pytest.warns(JournalWarning, match="torn"):
        again = Event.open(tmp_path)
    assert snapshot(again) == before
    assert (tmp_path / "journal.jsonl.torn-1").is_file()
    again.move("E4", 1)  # appends on a clean line
    again.close()
    third = Event.open(tmp_path)
    assert third.version == 3 and third.state.teams["E4"] == 1


def test_a_damaged_middle_line_refuses_to_open(tmp_path: Path) -> None:
    """Only the last line may be torn; damage before it is an error naming the line."""
    event = new_event(tmp_path)
    event.move("E5", 1)
    event.move("E3", 1)
    event.close()
    path = tmp_path / "journal.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[0] = b"not json"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InvalidInputError, match="row 1"):
        Event.open(tmp_path)


def test_every_decision_is_fsynced_before_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal calls os.fsync on its file for every decision."""
    import clnmatch.event.journal as journal

    event = new_event(tmp_path)
    calls: list[int] = []
    real = journal.os.fsync
    monkeypatch.setattr(journal.os, "fsync", lambda fd: calls.append(fd) or real(fd))
    event.move("E5", 1)
    event.set_lock("E5", True)
    assert calls == [event.journal._fd, event.journal._fd]
