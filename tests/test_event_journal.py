"""The event's journal after a write that failed (a full disk): nothing of it is left for
the next entry to follow, so every acknowledged decision is read back after a restart."""

from __future__ import annotations

import errno
import os
import warnings
from pathlib import Path

import pytest

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
