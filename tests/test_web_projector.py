"""The projector at a region's scale: a region tester's 64 teams stood in one row, each
column a letter wide ("T/e/a/m/1"), on a 1920 px projector. More than 12 teams wrap into
rows of teams wide enough to read; the 8 teams of a network stay in one row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_web_browser import EventServer, _viewer_url

PROJECTOR = {"width": 1920, "height": 1080}


def _column_widths(browser: Any, server: EventServer) -> tuple[list[float], list[float]]:
    page = browser.new_page(viewport=PROJECTOR)
    page.goto(_viewer_url(server))
    page.wait_for_selector(".board .team")
    boxes = page.eval_on_selector_all(
        ".board .team:not(.unplaced-col)", "ts => ts.map(t => t.getBoundingClientRect())"
    )
    page.close()
    return [b["width"] for b in boxes], [b["top"] for b in boxes]


@pytest.mark.parametrize(("teams", "one_row"), [(16, False), (8, True)])
def test_the_projector_shows_readable_teams_however_many(
    browser: Any, tmp_path: Path, teams: int, one_row: bool
) -> None:
    server = EventServer(tmp_path / "ev", "--teams", str(teams)).start()
    try:
        widths, tops = _column_widths(browser, server)
    finally:
        server.stop()
    assert len(widths) == teams
    assert min(widths) >= 150, widths  # a school's name can be read
    assert (len({round(t) for t in tops}) == 1) == one_row  # a network's teams: one row
