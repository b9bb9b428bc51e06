"""Build hook: compile clnmatch's numba kernels when the package is built (``pip install``).

Everything else about the package is in pyproject.toml. After ``build_py`` has laid the
package out (in ``build_lib``, or for an editable install in ``src``), this runs
``python -m clnmatch.precompile`` against that copy, so the compiled kernels
(``__pycache__/*.nbi``, ``*.nbc``) travel in the wheel and the user's first match loads
them instead of compiling for 20-60 s. Never fails the install: without numba, with
``CLNMATCH_PRECOMPILE=0`` or on any error it says so and the kernels compile at first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithKernels(build_py):
    """``build_py``, then the kernels compiled into the package just built."""

    def run(self) -> None:
        super().run()
        if os.environ.get("CLNMATCH_PRECOMPILE", "1").strip() in ("0", "no", "false"):
            print("clnmatch: CLNMATCH_PRECOMPILE=0, kernels compile at first use")
            return
        root = HERE / "src" if getattr(self, "editable_mode", False) else Path(self.build_lib)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
        print(f"clnmatch: compiling the numba kernels into {root} (once, about a minute)")
        try:
            done = subprocess.run(
                [sys.executable, "-m", "clnmatch.precompile"],
                env=env,
                cwd=str(root),
                capture_output=True,
                text=True,
                timeout=1800,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            _remove_caches(root)
            print(f"clnmatch: kernels not compiled ahead ({exc}); they compile at first use")
            return
        if done.returncode != 0:
            _remove_caches(root)
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            print(
                "clnmatch: kernels not compiled ahead; they compile at first use: "
                + " | ".join(tail)
            )
            return
        print("clnmatch: " + done.stdout.strip())


def _remove_caches(root: Path) -> None:
    """A half-written kernel cache must not ship (see clnmatch.precompile)."""
    for pattern in ("*.nbi", "*.nbc"):
        for path in (root / "clnmatch").rglob(pattern):
            path.unlink(missing_ok=True)


setup(cmdclass={"build_py": BuildPyWithKernels})
