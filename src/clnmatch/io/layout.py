"""How the rows of a sheet become a Table: where the header is, and what is data.

Row numbers are those a spreadsheet shows: the header is row 1 (or the first non-blank
row), the first data row row 2; blank rows are skipped but still counted.

The header row: given a ``header_score`` (how many cells of a row look like the
expected headers), the best-scoring of the first 30 filled rows is the header, so a
title row or a merged group header above it is passed over, with a warning naming the
row taken. A row just below the header that only holds sub-headers under the header's
labels (a form's question over its parts, a merged cell over its columns) is read into
the header; so is the row above, when the sub-headers score higher (many theme names
under one question) and that row holds headers of its own over them. ``Table.groups`` keeps, per column, the label above its header: the row just
above it, a label running on over the blank cells after it as a merged cell's label
spans its columns.

Control characters (NUL, escape, ...) are removed from cells with a warning naming the
row and column; a vertical tab, which some spreadsheets export for a line break, becomes
one. A CSV row with fewer cells than the header is an error naming the missing columns:
a cut row is never padded (blank ratings would silently count as 0). Workbook rows are
padded: a spreadsheet stores no empty trailing cells.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, NoReturn, TypeAlias

from clnmatch.errors import InputProblem, InvalidInputError, visible
from clnmatch.io.cells import SPREADSHEET_ERRORS, garbled_parts, repaired
from clnmatch.io.safe import unneutralise
from clnmatch.wording import first_few

if TYPE_CHECKING:
    import os

    import pandas as pd

#: What a table is read from: a path, a DataFrame, or an app's upload (bytes, a file object)
TableSource: TypeAlias = "str | os.PathLike[str] | pd.DataFrame | bytes | IO[bytes] | IO[str]"

__all__ = [
    "HeaderScore",
    "Row",
    "Table",
    "TableSource",
    "build_table",
    "header_label",
    "normalise_header",
    "refuse",
]


@dataclass(frozen=True)
class Row:
    """One non-blank data row: its spreadsheet row number and one text per header."""

    number: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table read as text.

    ``problems``: faults found while loading that make the table unusable, reported with
    the reader's own (so every problem is listed at once). ``warnings``: what was
    changed or assumed (the header row taken, control characters removed). ``groups``:
    per column, the label above its header ("" when none).
    """

    file: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    sheet: str | None = None
    header_row: int = 1
    problems: tuple[InputProblem, ...] = field(default=())
    warnings: tuple[InputProblem, ...] = field(default=())
    groups: tuple[str, ...] = field(default=())
    title_rows: tuple[int, ...] = field(default=())  # filled rows above the header, skipped
    # (column, rows) of formula cells with no stored result (see tables.load_table)
    uncalculated: tuple[tuple[int, tuple[int, ...]], ...] = field(default=())
    # (row, column, text) of data cells garbled by a wrong encoding (clnmatch.io.cells)
    garbled: tuple[tuple[int, int, str], ...] = field(default=())
    other_sheets: tuple[str, ...] = field(default=())  # a workbook's sheets not read

    def columns(self, name: str) -> list[int]:
        """Indexes of the headers that match ``name`` (case, spaces and ``_`` ignored)."""
        key = normalise_header(name)
        return [i for i, h in enumerate(self.headers) if normalise_header(h) == key]

    def problem(
        self,
        expected: str,
        row: int | None = None,
        column: int | str | None = None,
        value: str | None = None,
    ) -> InputProblem:
        """An InputProblem in this table; ``column`` may be a header index."""
        name = self.headers[column] if isinstance(column, int) else column
        return InputProblem(expected=expected, file=self.file, row=row, column=name, value=value)

    def ignored_columns(self, used: Iterable[int], columns_of: str) -> list[InputProblem]:
        """One warning listing the columns not in ``used`` that have a header or a value
        (``columns_of``: whose columns are read, e.g. "the survey's columns")."""
        taken, labels = set(used), header_labels(self.headers)
        unused = [
            f"'{labels[i]}'" if h else f"{column_label(i)} (no header)"
            for i, h in enumerate(self.headers)
            if i not in taken and (h or any(row.values[i] for row in self.rows))
        ]
        if not unused:
            return []
        listed = ", ".join(unused[:10])
        more = f" and {len(unused) - 10} more" if len(unused) > 10 else ""
        expected = f"only {columns_of}; these are ignored: {listed}{more}"
        return [self.problem(expected, row=self.header_row)]

    def formula_problems(self, columns: Iterable[int] | None = None) -> list[InputProblem]:
        """The uncalculated formula cells of ``columns`` (default: every column)."""
        wanted = None if columns is None else set(columns)
        return [
            self.problem(
                f"values, but {len(rows)} cell(s) from this row down hold formulas no "
                "spreadsheet has calculated yet; open the file in Excel or LibreOffice and save it",
                row=rows[0],
                column=self.headers[i]
                if i < len(self.headers) and self.headers[i]
                else column_label(i),
            )
            for i, rows in self.uncalculated
            if wanted is None or i in wanted
        ]

    def spreadsheet_errors(self, columns: Iterable[int]) -> dict[tuple[int, int], InputProblem]:
        """(row, column) -> problem, for each cell of ``columns`` holding a spreadsheet's
        error value (#N/A, #REF!, ...): a lookup that found nothing is not an id."""
        errors = {}
        for column in sorted(set(columns)):
            for row in self.rows:
                meaning = SPREADSHEET_ERRORS.get(row.values[column].upper())
                if meaning is not None:
                    errors[row.number, column] = self.problem(
                        f"a value, not the spreadsheet error {row.values[column].upper()} "
                        f"({meaning}); correct the formula or type the value, and save",
                        row=row.number,
                        column=column,
                    )
        return errors

    def garbled_problems(
        self, columns: Iterable[int], private: Iterable[int] = ()
    ) -> list[InputProblem]:
        """The first cell of ``columns`` garbled by a wrong encoding, with what it should
        read; in ``private`` columns (names, emails) only the garbled signs are shown."""
        wanted, hidden = set(columns), set(private)
        cells = [(r, i, text) for r, i, text in self.garbled if i in wanted]
        if not cells:
            return []
        row, column, text = cells[0]
        if column in hidden:
            parts = garbled_parts(text)
            shown = ", ".join(f"'{good}' where it holds '{visible(bad)}'" for bad, good in parts)
            reads = f"it most likely should read {shown}"
        else:
            reads = f"it most likely should read '{repaired(text)}'"
        more = f" (and {len(cells) - 1} more cell(s))" if len(cells) > 1 else ""
        return [
            self.problem(
                f"text as it was typed, but this cell looks garbled by a wrong encoding: "
                f"{reads}{more}. The export was opened as Windows-1252 and saved again: "
                "download it again, or open it in Excel with Data > From Text/CSV and File "
                "origin 'Unicode (UTF-8)', then save it as 'CSV UTF-8'",
                row=row,
                column=column,
                value=None if column in hidden else text,
            )
        ]


def column_label(index: int) -> str:
    """A 0-based column as spreadsheets name it: "column C"."""
    from openpyxl.utils import get_column_letter  # openpyxl loads only when needed

    return f"column {get_column_letter(index + 1)}"


def header_label(headers: Sequence[str], i: int) -> str:
    """How a mapping names header ``i``: as written, or "Name #2" when the header repeats."""
    return header_labels(headers)[i]


def header_labels(headers: Sequence[str]) -> list[str]:
    """Every header's ``header_label``, in one pass (a wide export has thousands)."""
    keys = [normalise_header(h) for h in headers]
    repeats = Counter(keys)
    seen: Counter[str] = Counter()
    labels = []
    for header, key in zip(headers, keys, strict=True):
        seen[key] += 1
        labels.append(header if repeats[key] == 1 else f"{header} #{seen[key]}")
    return labels


def normalise_header(name: object) -> str:
    """The key headers are matched by: trimmed, case-folded, runs of spaces/_ as one space."""
    return re.sub(r"[\s_]+", " ", str(name)).strip().casefold()


def refuse(file: str, expected: str, row: int | None = None, column: str | None = None) -> NoReturn:
    """Raise InvalidInputError with one problem (a fault that stops reading the file)."""
    raise InvalidInputError([InputProblem(expected=expected, file=file, row=row, column=column)])


# --- cells -----------------------------------------------------------------------------
# C0 and C1 control characters but tab and line breaks (which _clean folds), DEL, and the
# invisible format signs that copying from web pages and e-mails brings (zero-width space,
# word joiner, BOM, soft hyphen, direction marks): "School\u200b" would be another school.
# Zero-width (non-)joiners stay: some scripts spell words with them.
_CONTROL = re.compile(
    r"[\x00-\x08\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u2069\ufeff]"
)


def _clean(text: str, from_file: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").strip()
    return unneutralise(text).strip() if from_file else text


def _without_controls(text: str) -> tuple[str, bool]:
    """The text without control and invisible characters, and whether there were any."""
    cleaned = _CONTROL.sub("", text)
    return cleaned.strip(), cleaned != text.replace("\ufeff", "")  # a BOM: said nothing


# --- building a Table ------------------------------------------------------------------
HeaderScore = Callable[[Sequence[str]], int]
_HEADER_SEARCH = 30  # filled rows searched for the header


def _listed(names: Sequence[str], most: int = 8) -> str:
    return first_few([f"'{n}'" for n in names], most)


def _pick_header(
    file: str,
    filled: Sequence[tuple[int, list[str]]],
    header_score: HeaderScore | None,
    header_row: int | None,
) -> int:
    """Index (into ``filled``) of the header row."""
    if header_row is not None:
        at = next((k for k, (number, _) in enumerate(filled) if number == header_row), None)
        if at is None:
            refuse(file, f"a header on row {header_row} (the mapping's header_row); it is blank")
        assert at is not None
        return at
    if header_score is None or len(filled) < 2:
        return 0
    scores = [header_score(cells) for _, cells in filled[:_HEADER_SEARCH]]
    best = max(range(len(scores)), key=lambda k: (scores[k], -k))
    return best if scores[best] > scores[0] else 0


def _titles_skipped(file: str, filled: Sequence[tuple[int, list[str]]], top: int) -> InputProblem:
    """The warning for the rows above a header that is not on the first filled row."""
    above = [number for number, _ in filled[:top]]
    rows = (
        f"row {above[0]} above it looks like a title and is"
        if len(above) == 1
        else f"rows {above[0]}-{above[-1]} above it look like titles and are"
    )
    return InputProblem(
        file=file,
        row=filled[top][0],
        expected=f"the header on the first filled row; row {filled[top][0]} looks like the "
        f"header and is used ({rows} skipped; set header_row in a mapping to choose another)",
    )


def _runs(cells: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last) columns of each label followed by blank cells (a merged cell's span)."""
    runs = []
    for i, cell in enumerate(cells):
        if cell and i + 1 < len(cells) and not cells[i + 1]:
            last = i + 1
            while last + 1 < len(cells) and not cells[last + 1]:
                last += 1
            runs.append((i, last))
    return runs


def _under_groups(top: Sequence[str], below: Sequence[str]) -> bool:
    """True when ``below`` holds sub-headers of ``top``'s labels (a two-row header).

    Forms and hand-made sheets put a question over its parts ("How interested are you
    in ...?" over "Literacy", "Numeracy"); a merged cell leaves blanks after its label.
    Every filled cell of ``below`` must sit under such a label, and each label with parts
    must have one under its own first column, so a data row is never taken for one.
    """
    filled = {i for i, cell in enumerate(below) if cell}
    runs = [
        (a, b)
        for a, b in _runs([*top, *[""] * (len(below) - len(top))])
        if filled & set(range(a, b + 1))
    ]
    covered = {i for a, b in runs for i in range(a, b + 1)}
    return (
        len(filled) >= 2 and bool(runs) and filled <= covered and all(a in filled for a, _ in runs)
    )


def _two_rows(top: tuple[int, list[str]], below: tuple[int, list[str]]) -> bool:
    """True when ``below`` directly follows ``top`` and holds sub-headers of its labels."""
    return below[0] == top[0] + 1 and _under_groups(top[1], below[1])


def _joins_above(
    top: tuple[int, list[str]], below: tuple[int, list[str]], score: HeaderScore | None
) -> bool:
    """True when ``top``, directly above a header ``below``, is its first row: it holds the
    labels of ``below``'s parts, and headers of its own over blank cells below ("Full
    name" over nothing, as a cell merged down leaves it), which make the joined header
    look more like one. A title holds no such headers, so it is never read in."""
    width = len(below[1])
    own = [i for i, cell in enumerate(top[1][:width]) if cell and not below[1][i]]
    if not own or not _two_rows(top, below):
        return False
    joined = [below[1][i] or (top[1][i] if i in own else "") for i in range(width)]
    return score is None or score(joined) > score(below[1])


def _group_labels(above: Sequence[str] | None, width: int) -> tuple[str, ...]:
    """Per column, the label of the row above the header; a label runs on over the blank
    cells after it, as a merged cell's label spans its columns."""
    if not above:
        return ()
    labels = []
    current = ""
    for i in range(width):
        current = (above[i] if i < len(above) else "") or current
        labels.append(current)
    return tuple(labels)


def build_table(
    file: str,
    records: Iterable[tuple[int, Sequence[str]]],
    *,
    sheet: str | None,
    from_file: bool,
    strict_width: bool,
    what: str = "the file",
    header_score: HeaderScore | None = None,
    header_row: int | None = None,
) -> Table:
    """Header = the best-scoring filled record (the first without ``header_score``), with
    the record below it when that one holds sub-headers; then every non-blank record below
    it is a row."""
    filled: list[tuple[int, list[str]]] = []
    controls: dict[int, list[int]] = {}  # column -> rows where control characters were removed
    garbled: list[tuple[int, int, str]] = []
    seen: dict[str, tuple[str, str, bool, bool]] = {}  # a survey repeats its ratings and words
    for number, raw in records:
        cells = []
        for i, value in enumerate(raw):
            known = seen.get(value)
            if known is None:
                cleaned = _clean(value, from_file)
                # garbled before its C1 signs count as controls
                bad = not cleaned.isascii() and repaired(cleaned) is not None
                known = seen[value] = (cleaned, *_without_controls(cleaned), bad)
            cleaned, text, had, bad = known
            if bad:
                garbled.append((number, i, cleaned))
            if had:
                controls.setdefault(i, []).append(number)
            cells.append(text)
        if any(cells):
            filled.append((number, cells))
    where = f"sheet '{sheet}'" if sheet else what
    if not filled:
        refuse(file, f"a header row, then one row per entry; {where} is empty")
    at = _pick_header(file, filled, header_score, header_row)
    # a two-row header: the picked row and the sub-headers below it, or the row picked
    # (the sub-headers, theme names say more than the questions) and the labels above it
    top = at
    if header_row is None and at + 1 < len(filled) and _two_rows(filled[at], filled[at + 1]):
        at += 1
    elif at > 0 and _joins_above(filled[at - 1], filled[at], header_score):
        top = at - 1
    warnings = [_titles_skipped(file, filled, top)] if top > 0 and header_row is None else []
    header_number, header_cells = filled[at]
    if top != at:
        above, below = filled[top][1], filled[at][1]
        size = max(len(above), len(below))
        above, below = [*above, *[""] * (size - len(above))], [*below, *[""] * (size - len(below))]
        labels = _group_labels(above, size)
        header_cells = [b or t for t, b in zip(above, below, strict=True)]
        groups = tuple(labels[i] if below[i] else "" for i in range(size))
        warnings.append(
            InputProblem(
                file=file,
                row=header_number,
                expected=f"one header row; rows {header_number - 1} and {header_number} are "
                f"read together as the header (the labels of row {header_number - 1} stand "
                "over the columns below them)",
            )
        )
    else:
        previous = next((c for number, c in filled[:at] if number == header_number - 1), None)
        groups = _group_labels(previous, len(header_cells))
    headers = tuple(c.replace("\ufeff", "").strip() for c in header_cells)
    width = len(headers)
    rows: list[Row] = []
    problems: list[InputProblem] = []
    for number, cells in filled[at + 1 :]:
        extra = [c for c in cells[width:] if c]
        if extra and strict_width:
            problems.append(
                InputProblem(
                    file=file,
                    row=number,
                    expected=f"at most {width} cells, as many as the header has; this row has "
                    f"{width + len(extra)} filled (a value with a comma may need quotes)",
                )
            )
        missing = [h for h in headers[len(cells) :] if h]
        if strict_width and missing:
            problems.append(
                InputProblem(
                    file=file,
                    row=number,
                    expected=f"{width} cells, as many as the header has; this row has "
                    f"{len(cells)}, so {_listed(missing)} {'is' if len(missing) == 1 else 'are'} "
                    "missing (was the row cut short, or split by a line break outside quotes?)",
                )
            )
        cells = (cells + [""] * width)[:width]
        if any(cells):
            rows.append(Row(number, tuple(cells)))
    for i, numbers in sorted(controls.items()):
        numbers = [n for n in numbers if n >= header_number]
        if not numbers:
            continue
        shown = ", ".join(str(n) for n in numbers[:5]) + (" ..." if len(numbers) > 5 else "")
        warnings.append(
            InputProblem(
                file=file,
                row=numbers[0],
                column=headers[i] if i < width and headers[i] else column_label(i),
                expected=f"text without control or invisible characters (such as a "
                f"zero-width space); they were removed from "
                f"{len(numbers)} cell(s) of this column (rows {shown})",
            )
        )
    if not rows:
        refuse(file, f"data rows below the header; {where} has none", row=header_number)
    return Table(
        file=file,
        headers=headers,
        rows=tuple(rows),
        sheet=sheet,
        header_row=header_number,
        problems=tuple(problems),
        warnings=tuple(warnings),
        groups=groups,
        title_rows=tuple(number for number, _ in filled[:top]),
        garbled=tuple(g for g in garbled if g[0] > header_number),
    )
