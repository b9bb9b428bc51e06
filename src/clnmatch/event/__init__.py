"""The matching event as a library: a cohort, its rules and a journal of decisions.

``Event`` (``engine``) keeps everything in one folder and replays its journal
(``journal``) through ``Timeline.apply`` (``state``); ``export`` writes the present state
as the files of contract section 5; ``analysis`` suggests moves, explains placements and
compares assignments. The web page (``clnmatch.web``) and ``clnmatch diff`` use it.
"""

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
