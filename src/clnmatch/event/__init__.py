"""The matching event as a library: a cohort, its rules and a journal of decisions.

``Event`` (``engine``) keeps everything in one folder and replays its journal
(``journal``) through ``Timeline.apply`` (``state``); ``export`` writes the present state
as the files of contract section 5; ``analysis`` suggests moves, explains placements and
compares assignments. The web page (``clnmatch.web``) and ``clnmatch diff`` use it.

The names below load with their module on first use (as ``clnmatch``'s do): the
re-optimise's solver process imports ``clnmatch.event.optimise`` alone, not the exports'
report and workbook writers (1.2 s of CPU for every solver process started).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clnmatch.lazy import lazy_names

if TYPE_CHECKING:
    from clnmatch.event.analysis import (
        Side,
        diff,
        diff_lines,
        folder_side,
        state_side,
        suggest,
        why_here,
    )
    from clnmatch.event.engine import Event
    from clnmatch.event.export import change_record, export_bytes, result_of, write_folder
    from clnmatch.event.journal import Journal, JournalWarning
    from clnmatch.event.state import EventError, EventState, Timeline
    from clnmatch.event.view import EventView

_LAZY = {
    **dict.fromkeys(
        ("Side", "diff", "diff_lines", "folder_side", "state_side", "suggest", "why_here"),
        "clnmatch.event.analysis",
    ),
    "Event": "clnmatch.event.engine",
    **dict.fromkeys(
        ("change_record", "export_bytes", "result_of", "write_folder"), "clnmatch.event.export"
    ),
    **dict.fromkeys(("Journal", "JournalWarning"), "clnmatch.event.journal"),
    **dict.fromkeys(("EventError", "EventState", "Timeline"), "clnmatch.event.state"),
    "EventView": "clnmatch.event.view",
}

__all__ = [
    "Event",
    "EventError",
    "EventState",
    "EventView",
    "Journal",
    "JournalWarning",
    "Side",
    "Timeline",
    "change_record",
    "diff",
    "diff_lines",
    "export_bytes",
    "folder_side",
    "result_of",
    "state_side",
    "suggest",
    "why_here",
    "write_folder",
]


__getattr__ = lazy_names(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
