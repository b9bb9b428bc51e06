"""``python -m benchmarks ...`` from the repository root: the ``clnmatch bench`` harness."""

from __future__ import annotations

import sys

from clnmatch.research.harness import run_bench

if __name__ == "__main__":
    sys.exit(run_bench())
