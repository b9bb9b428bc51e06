"""Shared fixtures; tiny cohorts live in builders.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for a module's browser tests (Debian's, as test_web_browser
    launches it; those modules skip where it is missing)."""
    from test_web_browser import launch, sync_api

    with sync_api.sync_playwright() as playwright:
        opened = launch(playwright)
        yield opened
        opened.close()


@pytest.fixture(autouse=True)
def _events_in_process_listen_on_a_free_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """`clnmatch event` run in this process (its `serve` patched out) still binds its
    socket before printing the address: on a port of its own, not --port's 8765, which two
    test workers would both hold. Events in a subprocess (EventServer) are untouched."""
    import clnmatch.web.server as server

    listen = server.listen
    monkeypatch.setattr(server, "listen", lambda host, port: listen(host, 0))
