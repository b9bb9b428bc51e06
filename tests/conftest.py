"""Shared fixtures; tiny cohorts live in builders.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCHMARKS = REPO.parent / "shared" / "benchmarks"


@pytest.fixture
def shared_benchmarks() -> Path:
    """The public benchmark instances beside the repo; CI always has them."""
    if not SHARED_BENCHMARKS.is_dir():
        pytest.skip(
            f"benchmark instances not found at {SHARED_BENCHMARKS} (they sit beside the repo in CI)"
        )
    return SHARED_BENCHMARKS
