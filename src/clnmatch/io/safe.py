"""Writers that never leave half a file behind and never let a spreadsheet run a cell.

Formula neutralisation (contract section 6): a text cell whose first character, after
any leading apostrophes, is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
one more leading apostrophe ``'``, so Excel, LibreOffice and Google Sheets show it as text
and never run it. Text that is a plain number (``-4.25``, ``+44``, ``1e-3``) is left
alone: it cannot run and longitudes must stay numbers. The readers of ``clnmatch.io``
undo exactly that one apostrophe (``unneutralise``), so a name written as ``=SUM(A1)``
comes back as ``=SUM(A1)``, and ``'=x`` (a real leading apostrophe) as ``'=x``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import math
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.interrupt import INTERRUPTED, WRITTEN
from clnmatch.io.digests import edited_outputs

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "FORMULA_TRIGGERS",
    "neutralise",
    "unneutralise",
    "atomic_write_text",
    "atomic_write_bytes",
    "staged_output_dir",
    "sweep_stale_staging",
    "output_folder_problem",
    "process_alive",
    "refuse_overwriting",
    "overwrite_conflicts",
    "write_csv",
    "write_xlsx",
    "set_xlsx_value",
    "xlsx_workbook",
    "xlsx_bytes",
    "csv_text",
    "private_scratch",
    "path_for_user",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
# Characters XML 1.0 (and so .xlsx) cannot hold; openpyxl raises on them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _dangerous(core: str) -> bool:
    """Whether a spreadsheet could run ``core`` (text without leading apostrophes)."""
    return core[:1] in FORMULA_TRIGGERS and not _NUMBER.fullmatch(core)


def neutralise(text: str) -> str:
    """``text`` with one leading apostrophe added if a spreadsheet could run it."""
    return "'" + text if _dangerous(text.lstrip("'")) else text


def unneutralise(text: str) -> str:
    """Undo ``neutralise``: drop the one apostrophe it adds, and nothing else."""
    if text.startswith("'") and _dangerous(text.lstrip("'")):
        return text[1:]
    return text


_SCRATCH_LOCK = threading.Lock()
# clnmatch-scratch-<pid>-XXXXXXXX (mkdtemp's 8 characters) and clnmatch-chromium-<pid>-...:
# the process that made it, so that a later run can remove what a killed one left in the
# shared temporary folder; a folder a user named ("clnmatch-2024-spring") never matches
_SCRATCH_NAME = re.compile(r"clnmatch-(?:scratch|chromium)-(?P<pid>\d+)-[a-z0-9_]{8}")


def scratch_prefix(kind: str = "scratch") -> str:
    """The name a temporary folder of this process starts with (``kind``: e.g. "chromium")."""
    return f"clnmatch-{kind}-{os.getpid()}-"


def sweep_stale_scratch(folder: str | None = None) -> None:
    """Remove this user's temporary clnmatch folders (in ``folder``, default the temporary
    folder) whose process no longer runs (kill -9 left openpyxl's drafts of sheets, names
    and all, or a browser profile)."""
    with contextlib.suppress(OSError):
        for entry in Path(folder or tempfile.gettempdir()).iterdir():
            match = _SCRATCH_NAME.fullmatch(entry.name)
            if (
                match
                and entry.is_dir()
                and (not hasattr(os, "getuid") or entry.stat().st_uid == os.getuid())
                and not process_alive(int(match.group("pid")))
            ):
                shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def private_scratch() -> Iterator[None]:
    """While a workbook is saved, the temporary folder is one only this user can open,
    removed afterwards: openpyxl drafts each sheet (names, e-mails) as a file in the
    temporary folder, which other users share, and a killed run left one behind. One
    save at a time, as the setting is the process's."""
    with _SCRATCH_LOCK:
        sweep_stale_scratch()
        folder = tempfile.mkdtemp(prefix=scratch_prefix())  # mode 0700
        was = tempfile.tempdir
        tempfile.tempdir = folder
        try:
            yield
        finally:
            tempfile.tempdir = was
            # openpyxl's drafts only: a file another thread made meanwhile stays its own
            for draft in Path(folder).glob("openpyxl.*"):
                draft.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry so a rename survives a crash (no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@functools.cache
def _umask() -> int:
    """The process umask (read once: reading it means setting it for an instant)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` whole or not at all (temp file in the same folder, rename).

    The file gets ``mode``, else the permissions a plain ``open(path, "w")`` would give
    it (mkstemp's are owner-only), or keeps those of the file it replaces.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            try:
                mode = stat.S_IMODE(target.stat().st_mode)
            except OSError:
                mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` whole or not at all; line endings are kept as given."""
    atomic_write_bytes(path, text.encode(encoding))


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder at or above ``path`` that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()  # pragma: no cover - a relative path always reaches "."


def output_folder_problem(out_dir: str | os.PathLike[str]) -> str | None:
    """Why ``out_dir`` cannot take outputs (a sentence), or None when it can.

    Checked the way ``staged_output_dir`` will use it: the folder (or, when it does not
    exist yet, its nearest existing parent) must be a folder in which a staging folder
    can be made; a trial one is made and removed, so read-only mounts and missing
    permissions are found before any work, whoever runs it (root included).
    """
    target = Path(out_dir).absolute()
    if target.exists() and not target.is_dir():
        return "is a file, not a folder"
    base = _existing_ancestor(target)
    if not base.is_dir():
        return f"cannot be made: {base} is a file, not a folder"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".clnmatch-write-test-", dir=base))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"cannot be written: {base} refuses new files ({reason})"
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.absolute() == b.absolute()


def overwrite_conflicts(
    out_dir: str | os.PathLike[str],
    names: Iterable[str],
    inputs: Mapping[str, str | os.PathLike[str] | None],
) -> list[str]:
    """Sentences naming every input that writing ``names`` into ``out_dir`` would replace.

    ``inputs`` maps how the user named each input (e.g. ``--facilitators``) to its path;
    a folder given as an input protects every file in it. A result's files (``names``
    holding summary.json) replace only an earlier result's: a facilitators.csv kept in a
    folder without a summary.json is the user's own table, not an output. A run killed
    while moving its files into ``out_dir`` has its moves finished first.
    """
    out = Path(out_dir)
    sweep_stale_staging(_existing_ancestor(out.absolute()), out.absolute().name or "out")
    names = list(names)
    found = []
    if "summary.json" in names and out.is_dir() and not (out / "summary.json").exists():
        found += [
            f"--out {out} would replace {out / name}, which no clnmatch run wrote (there is "
            "no summary.json beside it)"
            for name in names
            if (out / name).is_file()
        ]
    else:  # `clnmatch report` rewrites teams.xlsx without replacing summary.json
        found += [
            f"--out {out} would replace {out / name}, which was changed after clnmatch wrote "
            "it (edited by hand?); "
            + ("" if name.endswith(".xlsx") else "check it with `clnmatch check`, or ")
            + "keep it and write to another folder"
            for name in edited_outputs(out)
            if name in names
        ]
    for label, raw in inputs.items():
        if raw is None:
            continue
        given = Path(raw)
        files = sorted(given.iterdir()) if given.is_dir() else [given]
        for path in files:
            found += [
                f"--out {out} would replace {path} ({label}) with the output {name}"
                for name in names
                if _same_file(out / name, path)
            ]
    return found


def refuse_overwriting(
    out_dir: str | os.PathLike[str],
    names: Iterable[str],
    inputs: Mapping[str, str | os.PathLike[str] | None],
) -> None:
    """Raise ``InvalidInputError`` if writing ``names`` into ``out_dir`` would replace an input."""
    conflicts = overwrite_conflicts(out_dir, names, inputs)
    if conflicts:
        raise InvalidInputError(
            [
                InputProblem(file=str(out_dir), expected=f"another output folder: {text}")
                for text in conflicts
            ]
        )


# ------------------------------------------------------------------ staging and signals
# Staging folders of this process, removed by the signal handler below. A staging folder
# holds real names until it is moved into place, so none may outlive its run.
_STAGING: set[Path] = set()
_CLEANED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)  # SIGINT already raises KeyboardInterrupt, which the context manager handles
_STAGING_NAME = re.compile(r"\.(?P<name>.+)\.staging-(?P<pid>\d+)-")


def path_for_user(path: str | os.PathLike[str]) -> str:
    """``path`` as the user knows it: a file of a staging folder (``.out.staging-...``, in
    the output folder or beside it) named as the output folder's own."""
    parts = Path(path).parts
    for i, part in enumerate(parts):
        found = _STAGING_NAME.match(part)
        if found is None:
            continue
        inside = i > 0 and parts[i - 1] == found.group("name")  # staged in the folder itself
        folder = parts[:i] if inside else (*parts[:i], found.group("name"))
        return str(Path(*folder, *parts[i + 1 :]))
    return str(path)


def _on_termination(signum: int, frame: object) -> None:
    """Remove every staging folder, then end the process as the signal would (128 + n)."""
    for path in list(_STAGING):
        shutil.rmtree(path, ignore_errors=True)
    _STAGING.clear()
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _cleanup_on_termination() -> Iterator[None]:
    """While staging, SIGTERM and SIGHUP remove the staging folders before the process ends.

    Only in the main thread (the only one that may set handlers) and only where the
    signal would otherwise kill the process outright (a host application's own handler,
    e.g. a web server's, is left alone: its shutdown unwinds through the ``except``).
    """
    installed: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in _CLEANED_SIGNALS:
            if signal.getsignal(signum) == signal.SIG_DFL:
                installed[signum] = signal.signal(signum, _on_termination)
    try:
        yield
    finally:
        for signum, previous in installed.items():
            signal.signal(signum, previous)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP while the outputs move into place (so all or none)."""
    held = {signal.SIGINT, *_CLEANED_SIGNALS}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (another user's counts as running)."""
    if sys.platform == "win32":  # there os.kill(pid, 0) would send Ctrl+C, not ask
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return not ok or code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def held_open(path: Path) -> bool:
    """Whether another program holds ``path`` open so that it cannot be replaced: Windows
    refuses to replace a file Excel has open (elsewhere an open file is replaced)."""
    if os.name != "nt" or not path.is_file():
        return False
    try:
        with open(path, "r+b"):
            return False
    except PermissionError:
        return True
    except OSError:
        return False


def _refuse_open_files(target: Path, names: Iterable[str]) -> None:
    """Before any output moves into place: a file another program holds open is an error
    naming it (else the folder would be left half old, half new)."""
    held = sorted({n for n in names if held_open(target / n)})
    if held:
        raise InvalidInputError(
            [
                InputProblem(
                    file=str(target / n),
                    expected="a file clnmatch can replace, but another program (e.g. Excel) "
                    "has it open: close it and run again (nothing was written)",
                )
                for n in held
            ]
        )


def sweep_stale_staging(base: Path, name: str | None = None) -> None:
    """Remove staging folders in ``base`` (for ``name``, else for any) left by a process that
    no longer runs (kill -9). One killed while moving its files into place (its
    ``_MOVING`` note written) has its moves finished first: the output folder holds one
    run's files, not a mix of two."""
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            match = _STAGING_NAME.match(entry.name)
            if (
                match
                and name in (None, match.group("name"))
                and entry.is_dir()
                and not process_alive(int(match.group("pid")))
            ):
                moving = (entry / _MOVING).exists()
                if moving and not _finish_moving(entry, base, match.group("name")):
                    continue  # kept: a later run tries again (a file held open, say)
                shutil.rmtree(entry, ignore_errors=True)


_MOVING = ".clnmatch-moving.json"  # in a staging folder: its files are being moved out
_REPLACED = ".clnmatch-replaced"  # in a staging folder: the files its moves replaced


def _finish_moving(staging: Path, base: Path, name: str) -> bool:
    """Finish a killed run's moves into its output folder: one named as its staging folder
    is, inside ``base``; this user's staging only; removals only of names inside it.
    False: left as it is."""
    try:
        if hasattr(os, "getuid") and staging.stat().st_uid != os.getuid():
            return False
        note = json.loads((staging / _MOVING).read_text(encoding="utf-8"))
        target, remove = Path(note["target"]), note["remove"]
        here = base.absolute()  # the staging sits in the output folder or an ancestor
        outside = ".." in target.parts or (target != here and here not in target.parents)
        if target.name != name or outside:
            return False
        inside = [
            str(n) for n in remove
            if not Path(str(n)).is_absolute() and ".." not in Path(str(n)).parts
        ]  # fmt: skip
        _move_into(staging, target, inside)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _move_into(staging: Path, target: Path, remove: Iterable[str]) -> None:
    """Each file of ``staging`` to its place in ``target``, then ``remove`` from it. A
    move that fails (a locked file, a folder where a file goes) puts back the files the
    moves before it replaced, then raises: all or none."""
    kept = staging / _REPLACED  # the replaced files, until every move is made
    done: list[tuple[Path, Path | None]] = []
    try:
        for source in sorted(staging.rglob("*")):
            if source.is_dir() or source.name == _MOVING or kept in source.parents:
                continue
            relative = source.relative_to(staging)
            dest = target / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            backup = None
            if dest.is_file():  # a second name for it (no copy), the folder unchanged
                backup = kept / relative
                backup.parent.mkdir(parents=True, exist_ok=True)
                backup.unlink(missing_ok=True)  # a killed run's, finished here
                try:
                    os.link(dest, backup)
                except OSError:  # a file system without hard links
                    shutil.copy2(dest, backup)
            done.append((dest, backup))
            if backup is not None:  # a replaced file keeps who may read it (0600 in an event's)
                os.chmod(source, stat.S_IMODE(backup.stat().st_mode))
            else:  # a new one is its owner's only, whatever the folder allows (names, e-mails)
                os.chmod(source, 0o600)
            os.replace(source, dest)
    except OSError:
        for dest, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    dest.unlink(missing_ok=True)
                elif backup.exists():
                    os.replace(backup, dest)
        raise
    for stale in remove:
        (target / stale).unlink(missing_ok=True)
    _fsync_dir(target)


@contextlib.contextmanager
def staged_output_dir(
    out_dir: str | os.PathLike[str], *, replaces: Iterable[str] = ()
) -> Iterator[Path]:
    """Yield a staging folder; on success move its files into ``out_dir``, else drop it.

    The staging folder sits in the nearest existing ancestor of ``out_dir`` (same file
    system, so every move is a rename). On an exception, Ctrl-C, SIGTERM or SIGHUP the
    staging folder is removed and nothing in ``out_dir`` changes (``out_dir`` is not even
    created); staging folders left by a killed run (``kill -9``) are removed by the next
    run that writes to the same place. On success each file replaces the one of the same
    name, and the files named in ``replaces`` that this run did not write are removed (an
    earlier run's: a handouts.pdf left beside new teams would hand out the old ones); other
    files already in ``out_dir`` stay. An ``out_dir`` made here is readable by its owner
    only (mode 0700).
    """
    target = Path(out_dir).absolute()
    problem = output_folder_problem(target)
    if problem is not None:
        raise InvalidInputError(
            [InputProblem(file=str(out_dir), expected=f"an output folder, but it {problem}")]
        )
    base = _existing_ancestor(target)
    name = target.name or "out"
    sweep_stale_staging(base, name)
    with _cleanup_on_termination():
        # A dot-name beside the output, so a crash leaves an obvious leftover, not a half DIR.
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.staging-{os.getpid()}-", dir=base))
        _STAGING.add(staging)
        try:
            try:
                yield staging
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            written = {p.relative_to(staging).as_posix() for p in staging.rglob("*")}
            _refuse_open_files(target, [*written, *replaces])
            if INTERRUPTED.is_set():  # a Ctrl-C swallowed on the way (see INTERRUPTED)
                raise KeyboardInterrupt
            with _signals_held():
                target.parent.mkdir(parents=True, exist_ok=True)
                # a folder made here is its owner's only (it holds names and e-mails, as
                # the event's does); one the user made keeps the permissions they gave it
                target.mkdir(mode=0o700, exist_ok=True)
                remove = sorted(set(replaces) - written)
                # killed from here on (kill -9 holds for no signal), the next run that
                # writes here finishes these moves (sweep_stale_staging)
                note = json.dumps({"target": str(target), "remove": remove})
                atomic_write_text(staging / _MOVING, note)
                _move_into(staging, target, remove)
                WRITTEN.append(path_for_user(target))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            _STAGING.discard(staging)


def _is_missing(value: Any) -> bool:
    """None, NaN, pd.NA or NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other non-scalars
        return False


def _plain(value: Any) -> Any:
    """A numpy / pandas scalar as the Python value it holds."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str | bytes):
        with contextlib.suppress(TypeError, ValueError):
            return item()
    return value


def _csv_text_cell(text: str) -> str:
    """``text`` neutralised, its line breaks written as '\n': the writer quotes a cell
    holding '\n', but not one holding a bare '\r', where spreadsheets end the row too (a
    formula after it would start a row of its own, not neutralised)."""
    return neutralise(text.replace("\r\n", "\n").replace("\r", "\n"))


def _csv_cell(value: Any) -> str:
    if _is_missing(value):
        return ""
    value = _plain(value)
    if isinstance(value, str):
        return _csv_text_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(float(value)) if math.isfinite(value) else ""
    if isinstance(value, int):
        return str(value)
    return _csv_text_cell(str(value))


def csv_text(df: pd.DataFrame) -> str:
    """The CSV text ``write_csv`` writes (no BOM): neutralised text, numbers as numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv_text_cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df`` (no index) as UTF-8 CSV with a BOM, so Excel reads the accents right."""
    atomic_write_text(path, "\ufeff" + csv_text(df))


def set_xlsx_value(cell: Any, value: Any) -> None:
    """Put ``value`` into an openpyxl ``cell``: numbers as numbers, text as text. Text a
    spreadsheet could run is stored as a text cell with Excel's quote prefix: shown as
    written (an added apostrophe, as CSV needs, would show) and never a formula, even
    once edited. Characters XML cannot hold are dropped."""
    if _is_missing(value):
        cell.value = None
        return
    value = _plain(value)
    if isinstance(value, bool | int):
        cell.value = value
    elif isinstance(value, float):
        cell.value = value if math.isfinite(value) else None
    else:
        text = _XML_ILLEGAL.sub("", str(value))
        guard = _dangerous(text.lstrip("'"))
        # text with apostrophes of its own before "=" keeps them when read back (as CSV)
        cell.value = neutralise(text) if guard and text.startswith("'") else text
        if guard:
            cell.data_type = "s"  # openpyxl took "=..." for a formula
            cell.quotePrefix = True


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> None:
    """Write one sheet per DataFrame (bold header, frozen top row), atomically.

    Text cells are text, never formulas (``set_xlsx_value``; control characters XML
    cannot hold are dropped); numbers stay numbers.
    """
    atomic_write_bytes(path, xlsx_bytes(xlsx_workbook(sheets)))


def xlsx_bytes(workbook: Workbook) -> bytes:
    """The saved workbook's bytes."""
    buffer = io.BytesIO()
    with private_scratch():
        workbook.save(buffer)
    return buffer.getvalue()


def xlsx_workbook(sheets: Mapping[str, pd.DataFrame]) -> Workbook:
    """The workbook ``write_xlsx`` writes, for a caller to add settings before saving."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, df in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        rows = [[str(c) for c in df.columns], *df.itertuples(index=False, name=None)]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                set_xlsx_value(sheet.cell(row=r, column=c), value)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(df.columns, start=1):
            longest = max([len(str(column)), *(len(str(v)) for v in df[column].head(200))])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
    if not workbook.worksheets:
        workbook.create_sheet(title="Sheet1")
    return workbook
