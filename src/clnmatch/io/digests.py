"""Digests of the results a user may edit by hand (teams.csv, facilitators.csv, teams.xlsx):
recorded in summary.json when written, so that a later run into the folder can tell an
edited one and keep it (``clnmatch.io.safe.overwrite_conflicts``), and a reader of the
summary can tell whether its status and objective describe the teams.csv beside it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "CHECKED_TABLES",
    "DIGESTS",
    "EDITABLE",
    "checked_digests",
    "describes_tables",
    "edited_outputs",
    "table_digest",
    "workbook_digest",
]


EDITABLE = ("teams.csv", "facilitators.csv", "teams.xlsx")  # results a user may edit by hand
DIGESTS = "edited_if_changed"  # summary.json's key: each one's digest as written
# summary.json's key: the digests of the teams.csv and facilitators.csv its status,
# objective and breaches were checked on, when they are not those written (`clnmatch
# report` after a hand edit)
CHECKED_TABLES = "tables_checked"
_CHECKED = ("teams.csv", "facilitators.csv")  # the tables the rule checks read


def checked_digests(folder: str | os.PathLike[str]) -> dict[str, str]:
    """The digests of a result folder's tables its summary's figures are checked on."""
    return {n: table_digest(Path(folder) / n) for n in _CHECKED if (Path(folder) / n).is_file()}


def describes_tables(summary: Mapping[str, object], folder: str | os.PathLike[str]) -> bool | None:
    """Whether a result folder's summary.json (``summary``) was checked on its teams.csv
    and facilitators.csv as they are now (False: one edited since; None: the summary
    records no digest to tell)."""
    written, checked = summary.get(DIGESTS), summary.get(CHECKED_TABLES)
    recorded = checked if isinstance(checked, dict) else written
    if not isinstance(recorded, dict):
        return None
    now = checked_digests(folder)
    compared = [n for n in _CHECKED if isinstance(recorded.get(n), str) and n in now]
    if not compared:
        return None
    return all(now[n] == recorded[n] for n in compared)


def table_digest(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a table's cells, in hex: a CSV's (so that line endings, a BOM or
    quoting changed by saving it again are not an edit) or every sheet of a workbook's
    (``workbook_digest``: opening and saving it in Excel is not an edit either)."""
    if Path(path).suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
            with zipfile.ZipFile(path) as archive:
                parts = archive.namelist()
        except OSError:
            raise
        except Exception as error:  # not a workbook any more: surely edited
            return f"unreadable: {type(error).__name__}"
        try:
            return workbook_digest(book, parts)
        finally:
            book.close()
    text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    return hashlib.sha256(json.dumps([r for r in rows if any(r)]).encode()).hexdigest()


# parts of a workbook that hold what a person adds beside the cells: notes, charts, pictures
_ADDED_PARTS = re.compile(r"comments|threadedcomments|chart|drawing|pivot|media", re.IGNORECASE)


def workbook_digest(book: Workbook, parts: Iterable[str]) -> str:
    """``table_digest`` of a workbook in memory (as written: reading it back costs about
    a second per 5,000 rows) or read from a file, with its zip archive's ``parts``: the
    cells of every sheet (trailing blanks aside: a coloured empty cell widens a sheet) and
    the parts holding notes, charts or pictures (none when clnmatch writes it)."""
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells = [_cell_text(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append([sheet.title, *cells])
    added = sorted(p for p in parts if _ADDED_PARTS.search(p))
    return hashlib.sha256(json.dumps([rows, added]).encode()).hexdigest()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # as openpyxl writes it (16 digits; 0.0 is read back as 0), then as Excel keeps it
        return f"{float(f'{value:.16g}') + 0.0:.15g}"  # + 0.0: -0.0 is read back as 0
    return " ".join(str(value).split())  # XML reads a carriage return as a line feed


def edited_outputs(folder: Path) -> list[str]:
    """The files of ``EDITABLE`` in a result folder that differ from the ones its
    summary.json records (a folder written before the record was kept: none)."""
    try:
        recorded = json.loads((folder / "summary.json").read_text(encoding="utf-8"))[DIGESTS]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    edited = []
    for name, digest in recorded.items() if isinstance(recorded, dict) else ():
        try:
            if table_digest(folder / name) != digest:
                edited.append(name)
        except OSError:
            continue  # gone: nothing to lose
    return edited
