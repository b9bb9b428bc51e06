"""The kernels' disk cache: one key over every kernel file, and reused by a new process.

Compilation is seen through numba's own dispatcher statistics (signatures loaded from the
cache vs compiled), in fresh processes, so a test cannot pass by finding the kernels
already in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clnmatch import jit
from clnmatch.jit import KERNEL_FILES, PACKAGE, kernel_source_hash
from clnmatch.precompile import kernel_dispatchers, load_kernels

pytestmark = pytest.mark.skipif(not jit.HAVE_NUMBA, reason="numba is not installed")

CALLER = """
from numba import njit
from {pkg}.callee import step

@njit(cache=True)
def run(n):
    total = 0
    for i in range(n):
        total += step(i)
    return total
"""
CALLEE = """
from numba import njit

@njit(cache=True)
def step(i):
    return {body}
"""
# jit.py alone (importing the clnmatch package would cost seconds per process)
PROBE = """
import importlib.util, json, sys
sys.path.insert(0, {root!r})
from pathlib import Path
spec = importlib.util.spec_from_file_location("cljit", {jit!r})
cljit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cljit)
cljit.install_cache_key(Path({root!r}) / {pkg!r}, ("caller.py", "callee.py"))
from {pkg}.caller import run
value = run(10)
stats = run.stats
print(json.dumps({{"value": value, "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values())}}))
"""


def test_every_module_with_a_kernel_is_a_kernel_file() -> None:
    """KERNEL_FILES lists every module that decorates a kernel (so every one is keyed)."""
    # the decorators, by their names or imported under others (``kernel as _jit``)
    decorated = re.compile(
        r"^from clnmatch\.jit import [^\n]*\b(kernel|inline|allocating)\b", re.MULTILINE
    )
    found = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if decorated.search(path.read_text(encoding="utf-8"))
    }
    assert found == set(KERNEL_FILES)


def test_the_key_covers_the_decorators_and_every_kernel_file(tmp_path: Path) -> None:
    """The key hashes jit.py (the decorators' options) and every kernel file's content."""
    expected = hashlib.sha256(Path(jit.__file__).read_bytes())
    for name in KERNEL_FILES:
        expected.update(name.encode())
        expected.update((PACKAGE / name).read_bytes())
    assert kernel_source_hash() == expected.digest()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    before = kernel_source_hash(tmp_path, ("a.py", "b.py"))
    (tmp_path / "b.py").write_text("y = 3\n")
    assert kernel_source_hash(tmp_path, ("a.py", "b.py")) != before


def _probe(root: Path, pkg: str, env: dict[str, str] | None = None) -> dict[str, int]:
    code = PROBE.format(root=str(root), pkg=pkg, jit=jit.__file__)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _package(root: Path, pkg: str, body: str) -> Path:
    folder = root / pkg
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    (folder / "caller.py").write_text(textwrap.dedent(CALLER.format(pkg=pkg)))
    (folder / "callee.py").write_text(textwrap.dedent(CALLEE.format(body=body)))
    return folder


def test_a_new_process_loads_and_an_edited_callee_recompiles_its_caller(tmp_path: Path) -> None:
    """Compiled once, a new process loads (no compile); after the callee's file changes the
    caller (whose own file did not) compiles again and runs the new callee."""
    folder = _package(tmp_path, "kpkg", "i")
    first = _probe(tmp_path, "kpkg")
    assert first == {"value": 45, "hits": 0, "misses": 1}
    assert list((folder / "__pycache__").glob("caller.run-*.nbi"))
    second = _probe(tmp_path, "kpkg")
    assert second == {"value": 45, "hits": 1, "misses": 0}
    (folder / "callee.py").write_text(textwrap.dedent(CALLEE.format(body="2 * i")))
    third = _probe(tmp_path, "kpkg")
    assert third == {"value": 90, "hits": 0, "misses": 1}


def test_numba_cache_dir_is_honoured(tmp_path: Path) -> None:
    """With NUMBA_CACHE_DIR set, the keyed cache is written there, not beside the source."""
    folder = _package(tmp_path / "src", "kdir", "i + 1")
    cache = tmp_path / "cache"
    env = {"NUMBA_CACHE_DIR": str(cache)}
    assert _probe(tmp_path / "src", "kdir", env)["misses"] == 1
    assert list(cache.rglob("caller.run-*.nbi")) and not (folder / "__pycache__").exists()
    assert _probe(tmp_path / "src", "kdir", env) == {"value": 55, "hits": 1, "misses": 0}


def test_clnmatch_kernels_are_loaded_not_compiled_by_a_new_process() -> None:
    """After one load (compiling if the cache was empty), a new process loads every kernel
    the strategies and the breakout rooms use from the cache and compiles none (numba's
    dispatcher statistics)."""
    load_kernels()  # fills the cache if it is empty (e.g. an install that skipped it)
    assert kernel_dispatchers()
    code = (
        "import json; from clnmatch.precompile import load_kernels; "
        "k = load_kernels(); from clnmatch.breakouts import search; "
        "rooms = [v for v in vars(search).values() if getattr(v, 'signatures', None)]; "
        "print(json.dumps([k.loaded, k.compiled, len(rooms)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, compiled, rooms = json.loads(done.stdout.strip().splitlines()[-1])
    assert compiled == 0
    assert loaded >= 10  # the search, repair and pricing kernels
    assert rooms >= 1  # and the breakout rooms' (a first plan compiled them: 107 s)


def test_the_breakout_warm_up_calls_every_kernel_the_planner_calls() -> None:
    """The install compiles what ``warm_up`` runs; a kernel the planner calls that it never
    ran (``relabel_steps``: its design always kept the rules) compiled in a user's first
    plan of 99 people in rooms of 4 (10 s, time limit 2 s). A new process, so that no
    other test's plan has run them."""
    code = (
        "import inspect, json, re; from clnmatch.breakouts import search, solver; "
        "solver.warm_up(); "
        "called = set(re.findall(r'search\\.(\\w+)\\(', inspect.getsource(solver))); "
        "print(json.dumps([sorted(called), sorted(n for n in called "
        "if hasattr(getattr(search, n), 'signatures') and not getattr(search, n).signatures)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    called, never_run = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"build", "run_steps", "relabel_steps"} <= set(called) and never_run == []


def test_the_build_can_import_clnmatch_to_compile_the_kernels() -> None:
    """setup.py compiles the kernels at build time by importing clnmatch, so the build
    requirements name every runtime dependency (pip installs them into the build)."""
    import tomllib

    project = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    build = set(project["build-system"]["requires"])
    assert set(project["project"]["dependencies"]) <= build
    assert "BuildPyWithKernels" in (PACKAGE.parents[1] / "setup.py").read_text(encoding="utf-8")


def test_a_failing_load_clears_the_cache_and_compiles_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A half-written cache (an interrupted first compile) made every later load fail with
    a numba error: load_kernels then clears the cache, compiles in a new process and loads."""
    from numba.core.errors import TypingError

    from clnmatch import precompile

    calls: list[str] = []

    def prepare_all(rooms: bool) -> None:
        calls.append("prepare")
        if calls.count("prepare") == 1:
            raise TypingError("Only accept returning of array passed into the function")

    monkeypatch.setattr(precompile, "_prepare_all", prepare_all)
    monkeypatch.setattr(precompile, "clear_kernel_caches", lambda: calls.append("clear") or 3)
    monkeypatch.setattr(precompile, "compile_afresh", lambda: calls.append("fresh"))
    precompile.load_kernels()
    assert calls == ["prepare", "clear", "fresh", "prepare"]
    calls.clear()
    with pytest.raises(TypingError):  # the build's own compile reports, never loops
        precompile.load_kernels(recover=False)
    assert calls == ["prepare"]


def test_clearing_removes_only_kernel_cache_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """clear_kernel_caches deletes a kernel module's .nbi/.nbc where numba keeps them, and
    nothing else there."""
    from types import SimpleNamespace

    from clnmatch import precompile

    def run() -> None:  # stands for a kernel defined in state.py
        pass

    run.__code__ = run.__code__.replace(co_filename=str(tmp_path / "state.py"))
    fake = SimpleNamespace(stats=SimpleNamespace(cache_path=str(tmp_path)), py_func=run)
    monkeypatch.setattr(precompile, "kernel_dispatchers", lambda: [fake])
    names = ["state.place-156.py311.nbi", "state.place-156.py311.1.nbc", "tabu.run-9.py311.nbi"]
    for name in [*names, "state.cpython-311.pyc"]:
        (tmp_path / name).write_text("x")
    assert precompile.clear_kernel_caches() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.cpython-311.pyc", names[2]]


@pytest.mark.parametrize("cache", ["home", "private", "NUMBA_CACHE_DIR"])
def test_a_read_only_install_loads_the_shipped_kernels(tmp_path: Path, cache: str) -> None:
    """A container's install: the package folder read-only (numba would not even load its
    compiled kernels there), and perhaps the home too (numba then refused to import the
    kernels at all: "no locator available"). The shipped kernels are copied to a cache
    that can be written (NUMBA_CACHE_DIR, the user's, or a private temporary folder) and
    loaded: none is compiled (an app's first solve took 125 s on a busy machine).
    Read-only is simulated: the tests run as root, whom a read-only folder does not stop."""
    load_kernels()  # the package's own cache filled, as pip install leaves it
    refuse = "InTreeCacheLocator" + (", UserWideCacheLocator" if cache == "private" else "")
    code = textwrap.dedent(f"""
        import json
        from numba.core import caching
        def read_only(self):
            raise PermissionError(30, "Read-only file system")
        for name in "{refuse}".split(", "):
            getattr(caching, name).ensure_cache_path = read_only
        from clnmatch.precompile import load_kernels
        k = load_kernels()
        print(json.dumps([k.loaded, k.compiled]))
    """)
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("NUMBA_CACHE_DIR", None)
    if cache == "NUMBA_CACHE_DIR":
        env["NUMBA_CACHE_DIR"] = str(tmp_path / "chosen")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    loaded, compiled = json.loads(done.stdout.strip().splitlines()[-1])
    assert compiled == 0 and loaded >= 10, done.stderr[-2000:]
    where = {"home": tmp_path / "cache", "NUMBA_CACHE_DIR": tmp_path / "chosen"}
    for name, folder in where.items():  # else in this process's own folder, removed at exit
        assert bool(list(folder.rglob("*.nbi"))) == (name == cache), name
    assert not list(tmp_path.rglob("*.part"))  # written aside, then renamed into place
