"""The event's append-only journal: one JSON line per decision, on disk before it counts.

Each entry is written, flushed and ``os.fsync``-ed before the decision is acknowledged,
so a crash or ``kill -9`` loses nothing that was acknowledged. A crash in the middle of a
write can leave a torn last line (no closing newline, or text that is not JSON): it is
detected when the journal is opened, set aside in ``journal.torn-N`` for a person to look
at, and cut off with a warning, never touching the entries before it. A bad line that is
not the last one means the file was damaged some other way: the journal refuses to open
rather than guess.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

from clnmatch.errors import InputProblem, InvalidInputError

__all__ = ["Journal", "JournalWarning", "JournalWriteError"]


class JournalWarning(UserWarning):
    """A torn last line was set aside when the journal was opened."""


class JournalWriteError(OSError):
    """An entry could not be written (a full disk): it was cut off again, never counted."""


class Journal:
    """An append-only JSON-lines file; ``entries`` holds every complete entry in order."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.entries: list[dict[str, Any]] = []
        self._load()
        # O_BINARY: Windows would write "\r\n" (and count bytes otherwise)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        self._fd = os.open(self.path, flags, 0o600)
        self._cut_at: int | None = None  # where a failed write began, not yet cut off

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        *complete, tail = data.split(b"\n")
        good = 0  # bytes of the entries read so far
        for number, line in enumerate(complete, 1):
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                if number == len(complete) and not tail:
                    break  # the last line is damaged: torn like a tail
                raise InvalidInputError(
                    [
                        InputProblem(
                            file=str(self.path),
                            row=number,
                            expected=f"one JSON object per line ({exc}); only the last line "
                            "may be torn by a crash",
                        )
                    ]
                ) from exc
            self.entries.append(entry)
            good += len(line) + 1
        if good < len(data):
            self._set_aside(data[good:], len(self.entries) + 1)

    def _set_aside(self, torn: bytes, number: int) -> None:
        """Keep a torn tail in journal.torn-N and cut it from the journal."""
        n = 1
        while (aside := self.path.with_name(f"{self.path.name}.torn-{n}")).exists():
            n += 1
        aside.write_bytes(torn)
        os.chmod(aside, 0o600)
        with open(self.path, "r+b") as handle:
            handle.truncate(self.path.stat().st_size - len(torn))
            handle.flush()
            os.fsync(handle.fileno())
        warnings.warn(
            f"{self.path}: line {number} was torn by a crash mid-write ({len(torn)} bytes); "
            f"it was set aside in {aside.name} and ignored. Every entry before it is intact.",
            JournalWarning,
            stacklevel=3,
        )

    def append(self, entry: dict[str, Any]) -> None:
        """Write ``entry`` as one line and make it durable before returning.

        A write that fails (a full disk) is cut off again before the error is raised: the
        next entry followed its fragment ('{{"seq":83,...'), so a later start lost an
        acknowledged decision or refused the journal (an outside tester's full disk)."""
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        if self._cut_at is not None:  # an earlier failure could not be cut off then
            self._cut(self._cut_at)
        start = os.fstat(self._fd).st_size
        try:
            view = memoryview(line)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # else the next append cuts it first
                self._cut_at = start
                self._cut(start)
            raise JournalWriteError(exc.errno, exc.strerror) from exc
        self.entries.append(entry)

    def _cut(self, size: int) -> None:
        """Cut the file back to ``size`` bytes (what an unacknowledged write left)."""
        os.ftruncate(self._fd, size)
        os.fsync(self._fd)
        self._cut_at = None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __len__(self) -> int:
        return len(self.entries)
