"""Load an input table (CSV, .xlsx or DataFrame) as text, with spreadsheet row numbers.

Every cell is read as text, so ids keep their leading zeros; an Excel number that is a
whole number (``1023.0``) becomes ``"1023"``, other numbers keep their shortest text
(``55.8642``). Cells are trimmed, line breaks inside a cell become ``\\n``, and the one
apostrophe ``clnmatch.io.safe.neutralise`` adds before formula-like text is removed
(files only: a DataFrame's values are taken as they are). Where the header is, and
which rows are data, is ``clnmatch.io.layout``'s part.

CSV: UTF-8 with or without BOM (UTF-16 with a BOM is accepted too, as Excel's "Unicode
Text" writes it); the delimiter (comma, semicolon or tab) is read from the header line,
and an Excel ``sep=;`` first line is honoured."""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.file_kinds import binary_kind, not_xlsx, refuse_oversized_workbook
from clnmatch.io.layout import (
    HeaderScore,
    Row,
    Table,
    TableSource,
    build_table,
    column_label,
    header_label,
    header_labels,
    normalise_header,
    refuse,
)
from clnmatch.io.uploads import upload_bytes, upload_name
from clnmatch.wording import first_few

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Row",
    "Table",
    "TEXT_SUFFIXES",
    "EXCEL_SUFFIXES",
    "load_table",
    "table_from_dataframe",
    "normalise_header",
    "header_label",
    "header_labels",
    "theme_name",
    "parse_whole_number",
    "parse_decimal",
    "source_label",
    "resolve_columns",
    "HeaderScore",
]

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
ZIP_MAGIC = b"PK\x03\x04"  # how every .xlsx file begins (a zip archive)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_SAVE_AS_UTF8 = (
    "in Excel use File > Save As and pick 'CSV UTF-8 (Comma delimited) (*.csv)'; "
    "in LibreOffice tick 'Edit filter settings' and choose 'Unicode (UTF-8)'"
)
_THEME = re.compile(r"\s*theme\s*:(.*)", re.IGNORECASE | re.DOTALL)


def theme_name(header: str) -> str | None:
    """The theme a ``theme:<Name>`` header names (trimmed, as written), else None."""
    match = _THEME.fullmatch(header)
    return None if match is None else match.group(1).strip()


_WHOLE = re.compile(r"\+?(\d+)(?:[.,]0*)?")


def parse_whole_number(text: str) -> int | None:
    """``"3"``, ``"3.0"``, ``"+3"`` -> 3; anything else (``"3.5"``, ``"-1"``, ``"x"``) -> None."""
    match = _WHOLE.fullmatch(text.strip().removeprefix("'"))
    return None if match is None else int(match.group(1))


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def parse_decimal(text: str) -> float | None:
    """A finite decimal number (``"55.86"``, ``"-4,25"`` with a decimal comma), else None."""
    text = text.strip().removeprefix("'")
    if not _DECIMAL.fullmatch(text):
        return None
    number = float(text.replace(",", "."))
    return number if math.isfinite(number) else None


def source_label(source: object) -> str:
    """How messages name a source: a file's name, or 'DataFrame'."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name or str(source)
    return "DataFrame"


_NUMBERED = re.compile(r"(.*\S)\s*#(\d+)")


def headed(headers: Sequence[str], wanted: str) -> list[int]:
    """Indexes of the headers equal to ``wanted`` (case, spaces and '_' aside). Where a
    header repeats (a form's account "Name" beside a question "Name"), "Name #2" is the
    second of them, as ``header_label`` writes it."""
    key = normalise_header(wanted)
    hits = [i for i, h in enumerate(headers) if normalise_header(h) == key]
    numbered = _NUMBERED.fullmatch(wanted.strip())
    if hits or numbered is None:
        return hits
    base = normalise_header(numbered.group(1))
    repeats = [i for i, h in enumerate(headers) if normalise_header(h) == base]
    k = int(numbered.group(2))
    return [repeats[k - 1]] if 1 <= k <= len(repeats) else []


def resolve_columns(
    table: Table, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[dict[str, int], list[InputProblem]]:
    """Find each named column; report every missing required one (and repeats) at once.

    Returns canonical name -> header index for the columns found, and the problems.
    """
    index: dict[str, int] = {}
    problems: list[InputProblem] = []
    missing: list[str] = []
    for name in (*required, *optional):
        hits = table.columns(name)
        if len(hits) > 1:
            listed = " and ".join(f"'{table.headers[i]}' ({column_label(i)})" for i in hits)
            problems.append(
                table.problem(
                    f"column '{name}' only once; it appears {len(hits)} times: {listed}",
                    row=table.header_row,
                )
            )
        if hits:
            index[name] = hits[0]
        elif name in required:
            missing.append(name)
    if missing:
        named = [h for h in table.headers if h]
        found = first_few([f"'{h}'" for h in named], 15)
        hints = []
        taken = set(index.values())
        spare = {
            normalise_header(h): h
            for i, h in enumerate(table.headers)
            if h and i not in taken and theme_name(h) is None
        }
        for name in missing:
            close = difflib.get_close_matches(normalise_header(name), list(spare), 1, 0.75)
            if close:
                hints.append(f"'{spare[close[0]]}' looks like '{name}'")
        plural = "s" if len(missing) > 1 else ""
        listed = ", ".join(f"'{m}'" for m in missing)
        if table.other_sheets:  # e.g. a cover sheet first, the answers on another
            listed_sheets = ", ".join(f"'{n}'" for n in table.other_sheets[:5])
            hints.append(
                f"the workbook also has sheet(s) {listed_sheets}: pick one with --sheet "
                "(sheet= in Python)"
            )
        hint = f" ({'; '.join(hints)})" if hints else ""
        problems.append(
            table.problem(
                f"column{plural} {listed} (required), but {'they are' if plural else 'it is'} "
                f"missing{hint}; columns found: {found}",
                row=table.header_row,
            )
        )
    return index, problems


# a number format of zeros only (digit places, and quoted or escaped literal zeros):
# Excel shows 7919 as 0007919 under '0000000', as a SEED code is typed
_ZEROS = re.compile(r'(?:0|"0+"|\\0)+')
_ZERO_PART = re.compile(r'0|"0+"|\\0')


def _zero_padded(number: int, number_format: str) -> str | None:
    """A whole number as a zeros-only format shows it, or None for any other format."""
    if number < 0 or not _ZEROS.fullmatch(number_format):
        return None
    parts = _ZERO_PART.findall(number_format)
    places = parts.count("0")
    digits = str(number).rjust(places, "0")
    spill = len(digits) - places  # digits beyond the places go in the first one, as Excel
    shown = []
    for part in parts:
        if part == "0":
            take = 1 + spill if spill >= 0 else 1
            shown.append(digits[:take])
            digits, spill = digits[take:], -1
        else:
            shown.append(part.strip('"\\'))
    return "".join(shown)


def _excel_text(value: Any, number_format: str | None = None) -> str:
    """An openpyxl cell value as the text a person sees."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return (number_format and _zero_padded(value, number_format)) or str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return repr(float(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _frame_text(value: Any) -> str:
    """A DataFrame value as text; missing values (None, NaN, NA) as ''."""
    import pandas as pd

    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        return str(value)
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        with contextlib.suppress(TypeError, ValueError):
            value = item()
    return _excel_text(value)


def _decode(data: bytes, file: str) -> str:
    """Bytes -> text: UTF-8 (BOM optional) or UTF-16 with BOM; else say how to fix it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            refuse(file, "UTF-16 text that decodes; re-save it as 'CSV UTF-8'")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    kind = binary_kind(data)
    if kind is not None:  # its bytes would be quoted as a header, NULs and all
        refuse(file, f"text (CSV), but this is {kind}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row, column = _locate(data[: exc.start].decode("utf-8"))
        raise InvalidInputError(
            [
                InputProblem(
                    file=file,
                    row=row,
                    column=column,
                    expected=f"UTF-8 text, but this file is in another encoding (e.g. Latin-1 or "
                    f"Windows-1252) from this cell on; {_SAVE_AS_UTF8}",
                )
            ]
        ) from None


def _from_windows_1252(data: bytes) -> bytes | None:
    """``data`` as UTF-8 when it is Windows-1252 text and not UTF-8 (or UTF-16), else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined: not that either
        return None


def _delimiter(first_line: str) -> str:
    """The delimiter the header line uses most, outside quotes (',' on a tie)."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _split_sep_line(text: str) -> tuple[str | None, str]:
    """Excel's optional first line ``sep=;``: (delimiter, rest of the text)."""
    match = re.match(r"sep=(.)\r?\n", text)
    return (match.group(1), text[match.end() :]) if match else (None, text)


def _locate(prefix: str) -> tuple[int, str | None]:
    """Row and column (header name) of the cell that starts right after ``prefix``."""
    forced, body = _split_sep_line(prefix)
    delimiter = forced or _delimiter(body.split("\n", 1)[0])
    sentinel = "x"  # stands for the cell the bad byte starts or sits in
    try:
        records = list(csv.reader(io.StringIO(body + sentinel, newline=""), delimiter=delimiter))
    except csv.Error:
        return body.count("\n") + 1, None
    row = len(records)
    header = next((r for r in records if any(c.strip() for c in r)), None)
    if not records or header is records[-1]:
        return row, None
    index = len(records[-1]) - 1
    column = header[index].strip() if header and index < len(header) else None
    return row, column or None


def _load_text(
    data: bytes, file: str, header_score: HeaderScore | None, header_row: int | None
) -> Table:
    text = _decode(data, file)
    forced, text = _split_sep_line(text)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = forced or _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            records.append((len(records) + 1, record))
    except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
        refuse(file, f"a readable CSV row ({exc})", row=len(records) + 1)
    return build_table(
        file,
        records,
        sheet=None,
        from_file=True,
        strict_width=True,
        header_score=header_score,
        header_row=header_row,
    )


def _load_excel(
    data: bytes,
    file: str,
    sheet: str | None,
    header_score: HeaderScore | None,
    header_row: int | None,
    defer_formulas: bool,
) -> Table:
    from openpyxl import load_workbook

    refuse_oversized_workbook(data, file)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged or foreign file
        raise InvalidInputError(
            [InputProblem(file=file, expected="a readable .xlsx workbook; " + not_xlsx(data))]
        ) from None
    try:
        names = [ws.title for ws in workbook.worksheets]
        if not names:
            refuse(file, "a workbook with at least one worksheet")
        hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
        if sheet is None:
            # the first sheet a spreadsheet shows: a hidden one holds old or helper rows
            chosen = next((n for n in names if n not in hidden), names[0])
        else:
            exact = [n for n in names if n == sheet]
            loose = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
            if not (exact or loose):
                listed = ", ".join(f"'{n}'" for n in names)
                refuse(file, f"a sheet named '{sheet}'; the workbook has {listed}")
            chosen = (exact or loose)[0]
        worksheet = workbook[chosen]
        worksheet.reset_dimensions()  # some writers store a wrong size; read every cell
        try:
            records = [
                (number, [_excel_text(c.value, getattr(c, "number_format", None)) for c in cells])
                for number, cells in enumerate(worksheet.iter_rows(), start=1)
            ]
        except Exception as exc:  # a damaged sheet fails only when its cells are parsed
            raise InvalidInputError(
                [
                    InputProblem(
                        file=file,
                        expected=f"a readable sheet '{chosen}' [{type(exc).__name__}]",
                    )
                ]
            ) from None
    finally:
        workbook.close()
    uncalculated = _uncalculated(data, chosen, records)
    if sheet is None and len(names) > 1 and not any(any(c.strip() for c in r) for _, r in records):
        listed = ", ".join(f"'{n}'" for n in names[1:])
        refuse(
            file,
            f"data on the first sheet '{chosen}', but it is empty; the workbook "
            f"also has {listed} (pick one with --sheet, or sheet= in Python)",
        )
    if chosen != names[0]:  # messages name the sheet when it is not the one a file opens on
        file = f"{file} (sheet '{chosen}')"
    others = tuple(n for n in names if n != chosen)
    try:
        table = build_table(
            file,
            records,
            sheet=chosen,
            from_file=True,
            strict_width=False,
            header_score=header_score,
            header_row=header_row,
        )
    except InvalidInputError as exc:
        if sheet is not None or not others:
            raise
        # the first sheet was read for want of --sheet: a cover sheet, say, before the rows
        listed = ", ".join(f"'{n}'" for n in others)
        hint = f"; the workbook also has {listed} (pick one with --sheet, or sheet= in Python)"
        problems = [replace(p, expected=p.expected + hint) for p in exc.problems]
        raise InvalidInputError(problems) from None
    table = replace(table, uncalculated=tuple(sorted(uncalculated.items())), other_sheets=others)
    if sheet is None and chosen != names[0]:  # hidden sheets came first: passed over
        skipped_sheets = names[: names.index(chosen)]
        listed = ", ".join(f"'{n}'" for n in skipped_sheets)
        skipped = InputProblem(
            file=file,
            expected=f"the responses on the first sheet; {listed} "
            f"{'is' if len(skipped_sheets) == 1 else 'are'} hidden, so the first visible sheet, "
            f"'{chosen}', was read (name another with --sheet, or sheet= in Python)",
        )
        table = replace(table, warnings=(skipped, *table.warnings))
    if uncalculated and not defer_formulas:
        raise InvalidInputError(table.formula_problems(uncalculated))
    return table


def _uncalculated(
    data: bytes, sheet: str, records: Sequence[tuple[int, Sequence[str]]]
) -> dict[int, tuple[int, ...]]:
    """Column -> rows of formula cells with no stored result (a tool wrote them, no
    spreadsheet calculated them): their value is unknown, and blank would mislead."""
    import zipfile

    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        if not any(re.search(rb"<(?:\w+:)?f[ >]", archive.read(n)) for n in parts):
            return {}  # no formulas at all: the usual case, one pass is enough
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        by_row = dict(records)
        columns: dict[int, list[int]] = {}
        for cells in workbook[sheet].iter_rows():
            for index, cell in enumerate(cells):
                number = getattr(cell, "row", None)
                if getattr(cell, "data_type", None) != "f" or number is None:
                    continue
                values = by_row.get(number, [])
                if index >= len(values) or not values[index].strip():
                    columns.setdefault(index, []).append(number)
    finally:
        workbook.close()
    return {i: tuple(rows) for i, rows in columns.items()}


def table_from_dataframe(df: pd.DataFrame, label: str = "DataFrame") -> Table:
    """A DataFrame as a Table; rows are numbered as if written to a sheet (header row 1).
    A named index (``set_index("practitioner_id")``) is a column: it was dropped, and the
    ids made up from row numbers."""
    if any(n is not None for n in df.index.names):
        named = [n for n in df.index.names if n is not None and n not in df.columns]
        df = df.reset_index(level=named) if named else df
        df = df.reset_index(drop=True)  # unnamed levels, and those the columns hold too
    headers = [_frame_text(c) for c in df.columns]
    records = [
        (position + 2, [_frame_text(v) for v in values])
        for position, values in enumerate(df.itertuples(index=False, name=None))
    ]
    if not any(h.strip() for h in headers):
        refuse(label, "a DataFrame with named columns")
    return build_table(
        label,
        [(1, headers), *records],
        sheet=None,
        from_file=False,
        strict_width=False,
        what="the DataFrame",
    )


def sheet_names(source: object) -> list[str]:
    """The sheets of an .xlsx workbook, hidden ones last ([] for anything else or a damaged file:
    ``load_table`` then says what is wrong)."""
    if not isinstance(source, str | os.PathLike):
        return []
    path = Path(source)
    if path.suffix.casefold() not in EXCEL_SUFFIXES or not path.is_file():
        return []
    from openpyxl import load_workbook

    try:
        refuse_oversized_workbook(path, str(path))  # its shared strings are read here too
        workbook = load_workbook(path, read_only=True)
    except Exception:  # openpyxl raises many types for a damaged or foreign file
        return []
    try:  # as reading without --sheet takes them: the visible ones first
        sheets = workbook.worksheets
        return [ws.title for ws in sorted(sheets, key=lambda ws: ws.sheet_state != "visible")]
    finally:
        workbook.close()


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False


def load_table(
    source: TableSource,
    *,
    sheet: str | None = None,
    label: str | None = None,
    header_score: HeaderScore | None = None,
    header_row: int | None = None,
    defer_formulas: bool = False,
    windows_1252: bool = False,
) -> Table:
    """Load a CSV / .xlsx file, a DataFrame, or an upload (the file's bytes, or a file
    object: a workbook if it is one, else CSV text) as a text Table. The file is only read.

    Raises InvalidInputError for a missing, unreadable, empty or header-only source, an
    unsupported file type, text that is not UTF-8, or an unknown ``sheet``.
    ``sheet`` applies to workbooks only. ``header_score`` (files only): how header-like a
    row's cells are; the best of the first filled rows is taken as the header.
    ``header_row``: the header's row number, as a spreadsheet shows it (no search).
    Formula cells no spreadsheet has calculated are an error, unless ``defer_formulas``:
    then ``Table.uncalculated`` lists them and the reader reports those of the columns it
    uses (``Table.formula_problems``). ``windows_1252``: a CSV that is not UTF-8 is read as
    Windows-1252 (Excel's "CSV (Comma delimited)"), with a warning, for tables whose
    reader uses only ids and numbers.
    """
    if sheet is not None and not isinstance(sheet, str):  # e.g. pandas' sheet index 0
        raise InvalidParameterError.for_value(
            "sheet", "the file readers", "a sheet's name (text, as its tab shows it)", sheet
        )
    if not isinstance(source, str | os.PathLike):
        import pandas as pd

        if isinstance(source, pd.DataFrame):
            return table_from_dataframe(source, label or "DataFrame")
        file = label or upload_name(source, "upload")
        data = upload_bytes(source, file)
        if data is None:
            refuse(
                file,
                "a path to a .csv or .xlsx file, a pandas DataFrame, or a file's bytes or "
                f"file object (got {type(source).__name__})",
            )
        suffix = EXCEL_SUFFIXES[0] if data.startswith(ZIP_MAGIC) else TEXT_SUFFIXES[0]
        return _load_bytes(
            data, file, suffix, sheet, header_score, header_row, defer_formulas, windows_1252
        )
    if isinstance(source, str) and "\n" in source:  # a file's text given for its path
        refuse(
            "(text given as a path)",
            "a path to a .csv or .xlsx file; this text looks like the file's contents: "
            "give them as bytes or a file object (io.BytesIO, io.StringIO)",
        )
    path = Path(source)
    file = label or source_label(path)
    suffix = path.suffix.casefold()
    if path.is_dir():
        refuse(str(source), "a file, but this is a folder")
    if suffix == ".xls" and _starts_with(path, ZIP_MAGIC):
        refuse(file, "a .csv or .xlsx file; this is an .xlsx workbook named '.xls': rename it")
    if suffix == ".xls":
        refuse(
            file,
            "a .csv or .xlsx file; this is the old .xls format: open it in Excel "
            "and save it as 'Excel Workbook (*.xlsx)' or 'CSV UTF-8'",
        )
    if suffix not in TEXT_SUFFIXES + EXCEL_SUFFIXES:
        accepted = ", ".join(TEXT_SUFFIXES + EXCEL_SUFFIXES)
        refuse(file, f"a file ending in one of {accepted}; got '{path.suffix or '(none)'}'")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(
            [
                InputProblem(
                    file=str(source),
                    expected="an existing file; no file was found at this path",
                )
            ]
        ) from None
    except OSError as exc:
        raise InvalidInputError(
            [
                InputProblem(
                    file=str(source),
                    expected=f"a readable file ({exc.strerror or exc})",
                )
            ]
        ) from None
    return _load_bytes(
        data, file, suffix, sheet, header_score, header_row, defer_formulas, windows_1252
    )


def _load_bytes(
    data: bytes,
    file: str,
    suffix: str,
    sheet: str | None,
    header_score: HeaderScore | None,
    header_row: int | None,
    defer_formulas: bool,
    windows_1252: bool,
) -> Table:
    """``load_table`` once the file's bytes are read: a workbook, else CSV text."""
    if suffix in EXCEL_SUFFIXES:
        return _load_excel(data, file, sheet, header_score, header_row, defer_formulas)
    if data.startswith(ZIP_MAGIC):  # an .xlsx saved or renamed with a text file's ending
        refuse(
            file,
            f"text (CSV), but this is an Excel workbook with a '{suffix}' name: "
            "rename it to end in .xlsx, or save it from Excel as 'CSV UTF-8'",
        )
    recoded = _from_windows_1252(data) if windows_1252 else None
    if recoded is None:
        return _load_text(data, file, header_score, header_row)
    table = _load_text(recoded, file, header_score, header_row)
    note = InputProblem(
        file=file,
        expected="UTF-8 text; this file is in Windows-1252 (as Excel's 'CSV (Comma "
        "delimited)' saves it) and was read as such: right for ids and team numbers; "
        f"accented names may show otherwise. To avoid this, {_SAVE_AS_UTF8}",
    )
    return replace(table, warnings=(note, *table.warnings))
