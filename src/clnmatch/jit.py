"""Numba for the compiled kernels, with a disk cache keyed on the kernels' whole source.

Numba's own cache keys a compiled function on the source of the file that defines it, so
a kernel that calls a kernel of *another* file keeps running the old callee after that
file changes. Here every kernel file of clnmatch (``KERNEL_FILES``) shares one key: a
hash of all of them and of this file (whose decorator options change the compiled code).
A change to any of them recompiles every kernel; nothing stale runs, and kernels may live
in as many files as reads best. ``tests/test_jit.py`` shows it (a caller in one file, its
callee edited in another) and that a new process loads what an earlier one compiled.

Where the cache lives: ``NUMBA_CACHE_DIR`` when set, else ``__pycache__`` beside each
kernel file (the installed package's: ``pip install`` fills it, see
``clnmatch.precompile``), else, where the package is read-only (a container's install),
numba's user-wide cache, else a private temporary folder of this process; both are first
filled with the package's compiled kernels, so a read-only install loads them instead of
compiling every kernel again (minutes on a busy machine), and an unwritable home does not
stop clnmatch from importing (numba refuses to cache where it cannot write).

Decorators:

* ``kernel``: compiled without numba's reference counting (``_nrt=False``): with it,
  every access to an array held in a tuple inside a branchy loop paid atomic
  increments, which made the local search's scans ~100x slower. Such kernels may not
  allocate arrays: every work array is allocated in Python and passed in.
* ``inline``: the same, inlined at every call site (small helpers called on every
  candidate of a scan; a real call passes whole tuples of arrays by value).
* ``allocating``: reference counting on (kernels that sort or allocate, e.g. pricing).

Without numba installed the same functions run as plain Python (slowly).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["HAVE_NUMBA", "KERNEL_FILES", "allocating", "inline", "kernel", "kernel_source_hash"]

PACKAGE = Path(__file__).resolve().parent
# every module that defines a compiled kernel (a test checks the list is complete)
KERNEL_FILES: tuple[str, ...] = (
    "rules/kernels.py",
    "objective/kernels.py",
    "search/rng.py",
    "search/state.py",
    "search/tabu.py",
    "search/repair.py",
    "search/descent.py",
    "search/construct.py",
    "colgen/pricing_kernels.py",
    "colgen/heuristic_kernels.py",
    "colgen/cut_kernels.py",
    "colgen/cover_kernels.py",
    "breakouts/search.py",
)


def kernel_source_hash(root: Path = PACKAGE, files: tuple[str, ...] = KERNEL_FILES) -> bytes:
    """One hash of every kernel file's content and of this file (the key of every kernel)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in files:
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.digest()


def _no_jit(*args: Any, **kwargs: Any) -> Any:
    """Stand-in for numba.njit: the kernels run as plain Python."""
    if args and callable(args[0]):
        return args[0]
    return lambda f: f


def install_cache_key(root: Path, files: tuple[str, ...]) -> None:
    """Key numba's cache of every function defined in ``root / files`` on their joint hash."""
    from numba.core import caching

    members = {str((root / name).resolve()) for name in files}
    stamp = kernel_source_hash(root, files)

    def keyed(base: type) -> type:
        class Keyed(base):  # type: ignore[misc, valid-type]
            def get_source_stamp(self) -> bytes:
                return stamp

            @classmethod
            def from_function(cls, py_func: Any, py_file: str) -> Any:
                if str(Path(py_file).resolve()) not in members:
                    return None
                return super().from_function(py_func, py_file)

        Keyed.__name__ = f"KernelSource{base.__name__}"
        return Keyed

    def seeded(base: type) -> type:
        class Seeded(base):  # type: ignore[misc, valid-type]
            def ensure_cache_path(self) -> None:
                super().ensure_cache_path()  # writable, or OSError: the next locator
                _seed(Path(self._py_file), Path(self.get_cache_path()))

        Seeded.__name__ = f"Seeded{base.__name__}"
        return Seeded

    provided: type = (
        getattr(caching, "UserProvidedCacheLocator", None)  # numba >= 0.61
        or caching._UserProvidedCacheLocator  # type: ignore[attr-defined]
    )

    class PrivateTemporary(provided):  # type: ignore[misc, valid-type]
        """This process's own temporary folder (nobody else's files are loaded)."""

        def __init__(self, py_func: Any, py_file: str) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(_private_folder() / self.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            # past UserProvidedCacheLocator's own, which asks for NUMBA_CACHE_DIR
            return super(provided, cls).from_function(py_func, py_file)  # type: ignore[arg-type]

    # numba's own order, keyed: NUMBA_CACHE_DIR, in-tree, user-wide; then a private folder
    bases = (
        seeded(provided),
        caching.InTreeCacheLocator,
        seeded(caching.UserWideCacheLocator),
        seeded(PrivateTemporary),
    )
    locators: list[Any] = caching.CacheImpl._locator_classes  # type: ignore[assignment]
    locators[:0] = [keyed(base) for base in bases]


@cache
def _private_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="clnmatch-kernels-"))  # this user's only (0700)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


_SEEDED: set[tuple[Path, Path]] = set()


def _seed(py_file: Path, folder: Path) -> None:
    """Copy the package's compiled kernels of ``py_file`` (its ``__pycache__``) into
    ``folder``, once per process, unless the copy there is as new (one numba wrote after
    compiling here is newer: kept). Each file is written aside and renamed into place,
    the data files before their index: a process starting meanwhile loads whole files."""
    if (py_file, folder) in _SEEDED or folder == py_file.parent / "__pycache__":
        return
    _SEEDED.add((py_file, folder))
    shipped = sorted(
        (py_file.parent / "__pycache__").glob(f"{py_file.stem}.*.nb[ic]"),
        key=lambda path: path.suffix == ".nbi",
    )
    try:
        for source in shipped:
            copy = folder / source.name
            if not copy.exists() or copy.stat().st_mtime < source.stat().st_mtime:
                aside = folder / f".{source.name}.{os.getpid()}.part"
                shutil.copy2(source, aside)
                os.replace(aside, copy)
    except OSError:
        pass  # what is not copied is compiled


try:
    import numba

    HAVE_NUMBA = True
    _jit: Any = numba.njit
    install_cache_key(PACKAGE, KERNEL_FILES)
except ImportError:  # pragma: no cover - exercised only where numba is missing
    HAVE_NUMBA = False
    _jit = _no_jit

kernel: Callable[[Any], Any] = _jit(cache=True, _nrt=False)
inline: Callable[[Any], Any] = _jit(cache=True, _nrt=False, inline="always")
allocating: Callable[[Any], Any] = _jit(cache=True, nogil=True)
