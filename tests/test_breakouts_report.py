"""The breakout rooms' report as a lead officer reads it: the verdict and the rooms first,
the planner's status, seed, lower bound formulas and meeting matrix after the rooms under
Technical details (they stood under the title and in sections of their own: a
plain-language reviewer; folded away, a printed report promised details it did not print:
the organiser of breakout rooms), and charts that say what their axes count."""

from __future__ import annotations

import re

import pytest
from test_breakouts_search import _roster

from clnmatch.breakouts import BreakoutRules, plan_breakouts
from clnmatch.breakouts.report import render_report


@pytest.mark.parametrize("rounds", [3, 12])  # none repeated; repeats proven fewest
def test_the_technical_parts_come_after_the_rooms(rounds: int) -> None:
    plan = plan_breakouts(_roster(30), BreakoutRules(rounds=rounds, room_size=5), time_limit=10)
    page = render_report(plan)
    assert "<details" not in page  # printed as shown: a round a page, then the details
    head, details = page.split('<section class="technical"><h2>Technical details</h2>', 1)
    assert "Nobody meets anyone twice" in head or "repeated meeting" in head
    for technical in ("Status:", "lower bound", "seed", "Formula", "Meeting matrix"):
        assert technical not in head, technical
        assert technical in details, technical
    assert "Round 1" in head and "@media print{.round,.technical{break-before:page}}" in page
    assert "history given" not in page  # none was (it spoke of one)
    charts = re.findall(r"<svg[^>]*aria-label=\"(pairs by|new people)[^\"]*\".*?</svg>", page)
    assert len(charts) == 2
    assert "times they shared a room</text>" in page and "pairs of people</text>" in page
    assert "new people met</text>" in page
    # a one-bar chart's axis title was centred under its bar and cut off at the left
    for title in ("times they shared a room", "new people met"):
        x = float(re.findall(rf'<text x="([0-9.]+)"[^>]*>{title}</text>', page)[0])
        assert x - 3.2 * len(title) >= 0, title
