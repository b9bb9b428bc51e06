"""The compiled-kernel cache stays correct when kernels call kernels of other files.

Numba keys a cached function on its own file only: a caller compiled against an old callee
keeps running it. ``clnmatch.jit.install_cache_key`` keys every kernel file on the hash of
all of them. Each case runs two fresh processes over a caller and a callee in two files,
editing the callee in between.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("numba")

CALLEE = "from numba import njit\n\n@njit(cache=True)\ndef value():\n    return {}\n"
CALLER = textwrap.dedent(
    """
    from numba import njit
    from callee import value

    @njit(cache=True)
    def twice():
        return 2 * value()
    """
)
RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    root = Path(sys.argv[1])
    sys.path.insert(0, str(root))
    if sys.argv[2] == "keyed":
        from clnmatch.jit import install_cache_key
        install_cache_key(root, ("callee.py", "caller.py"))
    from caller import twice
    print(twice())
    """
)


def _twice(root: Path, mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(root), mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def _edited_callee_seen(root: Path, mode: str) -> bool:
    (root / "callee.py").write_text(CALLEE.format(1))
    (root / "caller.py").write_text(CALLER)
    assert _twice(root, mode) == 2  # compiled and cached
    (root / "callee.py").write_text(CALLEE.format(5) + "\n# edited\n")
    return _twice(root, mode) == 10


def test_an_edited_callee_in_another_file_recompiles_its_caller(tmp_path: Path) -> None:
    """With the cache keyed on every kernel file, the caller sees the edited callee."""
    assert _edited_callee_seen(tmp_path, "keyed")


def test_plain_numba_would_run_the_stale_callee(tmp_path: Path) -> None:
    """Without it numba runs the old callee (the failure the key prevents; if numba ever
    fixes this, the keying is no longer needed)."""
    assert not _edited_callee_seen(tmp_path, "plain")
