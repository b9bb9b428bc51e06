"""Which column of a survey table is which (contract sections 1 and 10).

Without a mapping, a column is found by its contract name (case, spaces and '_'
aside) and a theme by its ``theme:`` prefix. A ``SurveyMapping`` names the export's
own header for each column and its theme columns (a pattern or a list). ``practitioner_id``
and ``establishment_id`` may be missing as a whole (ids are then derived), and ``role``
when a ``job_title`` column gives it.
"""

from __future__ import annotations

from dataclasses import replace

from clnmatch.errors import InputProblem
from clnmatch.io.headers import DERIVABLE_COLUMNS, SURVEY_OPTIONAL, SURVEY_REQUIRED, flat_header
from clnmatch.io.layout import column_label
from clnmatch.io.mapping import SurveyMapping
from clnmatch.io.tables import (
    Table,
    headed,
    normalise_header,
    resolve_columns,
    theme_name,
)
from clnmatch.wording import first_few

__all__ = ["survey_columns"]

_MAP_HINT = (
    "; for a form's export, `clnmatch map SURVEY --out map.toml` drafts a mapping of its "
    "headers to use with --map"
)


def _mapped_columns(
    table: Table, mapping: SurveyMapping, problems: list[InputProblem]
) -> dict[str, int]:
    """Column index of each survey column the mapping names; a header not found is a problem."""
    index: dict[str, int] = {}
    for column, named in mapping.columns.items():
        # several headers: the first, which ``SurveyMapping.applied_to`` joined them into
        header = named if isinstance(named, str) else named[0]
        hits = headed(table.headers, header)
        if len(hits) == 1:
            index[column] = hits[0]
            continue
        if hits:
            where = " and ".join(column_label(i) for i in hits)
            numbered = " or ".join(f'"{header} #{k}"' for k in range(1, len(hits) + 1))
            expected = (
                f"the header '{header}' once; it appears {len(hits)} times ({where}): write "
                f"{numbered} to say which"
            )
        else:
            found = first_few([f"'{h}'" for h in table.headers if h], 15)
            expected = f"a column headed '{header}'; columns found: {found}"
        problems.append(
            table.problem(
                f"{expected} (key 'columns.{column}' of {mapping.source})", row=table.header_row
            )
        )
    return index


def _no_header_named(table: Table, mapping: SurveyMapping) -> InputProblem | None:
    """One problem when the header row holds none of the mapping's headers (a wrong
    ``header_row``, or another export), instead of one per header; a row the mapping
    named is not quoted, since it is then somebody's answers."""
    named = [h if isinstance(h, str) else h[0] for h in mapping.columns.values()]
    if len(named) < 2 or any(headed(table.headers, h) for h in named):
        return None
    shown = ", ".join(f"'{h}'" for h in named[:3])
    if mapping.header_row is not None:
        expected = (
            f"the headers {mapping.source} names ({shown}, ...) on this row, as its "
            f"header_row = {mapping.header_row} says, but none of its {len(named)} is there: "
            "set header_row to the row that holds them, or delete that line to let clnmatch "
            "find the header"
        )
    else:
        found = first_few([f"'{h}'" for h in table.headers if h], 15)
        where = f"the header of sheet '{table.sheet}'" if table.sheet else "this file's header"
        sheets = ""
        if table.other_sheets:  # a cover sheet first, the answers on another
            listed = ", ".join(f"'{n}'" for n in table.other_sheets[:5])
            sheets = (
                f"; the workbook also has sheet(s) {listed}: pick one with --sheet (sheet= in "
                "Python), or write "
                f'sheet = "..." at the top of {mapping.source}'
            )
        expected = (
            f"the headers {mapping.source} names ({shown}, ...), but none of its {len(named)} "
            f"is in {where} (columns found: {found}){sheets}: is this the export the "
            "mapping was drafted from? `clnmatch map SURVEY --out map.toml` drafts one for it"
        )
    return table.problem(expected, row=table.header_row)


def _theme_columns(
    table: Table, mapping: SurveyMapping | None, used: set[int], problems: list[InputProblem]
) -> list[tuple[int, str]]:
    columns: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    listed: set[int] = set()  # the columns themes.columns names ("Literacy #2": the second)
    source = "" if mapping is None else mapping.source
    for header in () if mapping is None else mapping.themes.columns:
        hits = headed(table.headers, header)
        listed.update(hits)
        if not hits:
            problems.append(
                table.problem(
                    f"a column headed '{header}' (listed in themes.columns of {source})",
                    row=table.header_row,
                )
            )
    for i, header in enumerate(table.headers):
        if i in used:
            continue
        theme = theme_name(header)
        if theme is None and mapping is not None:
            theme = flat_header(header) if i in listed else mapping.themes.pattern_theme(header)
        if theme is None:
            continue
        if not theme:
            problems.append(
                table.problem("a theme name after 'theme:'", row=table.header_row, column=i)
            )
            continue
        key = normalise_header(theme)
        if key in seen:
            again = normalise_header(table.headers[seen[key]]) == normalise_header(header)
            hint = (  # a form's second question rating the same themes
                f"; to read one question, list '{flat_header(header)} #1' (or #2) in the "
                "themes.columns of a mapping (`clnmatch map` drafts one)"
                if again
                else ""
            )
            problems.append(
                table.problem(
                    f"each theme once; '{theme}' repeats {column_label(seen[key])} "
                    f"('{table.headers[seen[key]]}'){hint}",
                    row=table.header_row,
                    column=i,
                )
            )
            continue
        seen[key] = i
        columns.append((i, theme))
    if len(columns) < 2:
        hint = ""
        if mapping is not None and mapping.themes.pattern:
            hint = f"; the themes.pattern of {mapping.source} matches {len(columns)} header(s)"
        problems.append(
            table.problem(
                "at least 2 theme columns, headed 'theme:<Theme name>' (e.g. 'theme:Literacy') "
                f"or named by a mapping's [themes]; found {len(columns)}{hint}",
                row=table.header_row,
            )
        )
    return columns


def survey_columns(
    table: Table, mapping: SurveyMapping | None, problems: list[InputProblem]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Column index of each survey column found, and the theme columns (index, name).

    Problems (a missing required column, a header the mapping names but the table
    lacks, fewer than two themes) are added to ``problems``.
    """
    if mapping is not None and (wrong_row := _no_header_named(table, mapping)) is not None:
        problems.append(wrong_row)
        return {}, []
    index = _mapped_columns(table, mapping, problems) if mapping is not None else {}
    mapped = set(mapping.columns) if mapping is not None else set()
    has_job_title = "job_title" in mapped or bool(table.columns("job_title"))
    required = [
        c
        for c in SURVEY_REQUIRED
        if c not in mapped and c not in DERIVABLE_COLUMNS and not (c == "role" and has_job_title)
    ]
    optional = [
        c for c in (*SURVEY_REQUIRED, *SURVEY_OPTIONAL) if c not in mapped and c not in required
    ]
    found, missing = resolve_columns(table, required, optional)
    taken = set(index.values())
    index.update({c: i for c, i in found.items() if i not in taken})
    hint = _MAP_HINT if mapping is None else f"; name its header in [columns] of {mapping.source}"
    problems.extend(replace(m, expected=m.expected + hint) for m in missing)
    return index, _theme_columns(table, mapping, set(index.values()), problems)
