"""Read and write the facilitators table (contract section 2).

Columns: ``facilitator_id``, ``name``, ``authority`` (required), ``role`` (optional free
text: QIO, educational psychologist, ...), ``email`` (optional: shown on the rosters of
the facilitator's teams), and optional ``theme:<Name>`` expertise
columns holding an integer 0-5; a blank expertise cell means "not stated" and is left
out of ``Facilitator.expertise``. Every problem in the table is collected before one
``InvalidInputError`` is raised.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.identity import (
    EMAIL,
    SAME_ID_HINT,
    WEST_PARTNERSHIP,
    closest_authority,
    standard_authority,
)
from clnmatch.io.layout import column_label
from clnmatch.io.safe import write_csv, write_xlsx
from clnmatch.io.tables import (
    Table,
    load_table,
    normalise_header,
    parse_whole_number,
    resolve_columns,
    theme_name,
)
from clnmatch.models import Facilitator, authority_key

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FACILITATOR_REQUIRED",
    "FACILITATOR_OPTIONAL",
    "FacilitatorReading",
    "facilitator_header_score",
    "read_facilitator_table",
    "read_facilitators",
    "facilitators_dataframe",
    "write_facilitators",
]

FACILITATOR_REQUIRED = ("facilitator_id", "name", "authority")
FACILITATOR_OPTIONAL = ("role", "email")


@dataclass(frozen=True)
class FacilitatorReading:
    """The facilitators read, and the warnings (not errors) found on the way."""

    facilitators: tuple[Facilitator, ...]
    warnings: list[InputProblem] = field(default_factory=list)


# bodies outside the authorities whose staff facilitate (the docs' example among them):
# a facilitator of one counts for no authority, as meant, so it is not a spelling to check
NATIONAL_BODIES = frozenset(authority_key(b) for b in ("Education Scotland",))


def _theme_key(name: str) -> str:
    return normalise_header(name)


_HEADERS = {normalise_header(c) for c in (*FACILITATOR_REQUIRED, *FACILITATOR_OPTIONAL)}


def facilitator_header_score(cells: Sequence[str]) -> int:
    """How many cells of a row are facilitator headers (to pass over title rows)."""
    return sum(1 for c in cells if normalise_header(c) in _HEADERS or theme_name(c) is not None)


def parse_facilitator_table(
    table: Table,
    *,
    themes: Sequence[str] | None = None,
    authorities: Iterable[str] | None = None,
    authority_names: Mapping[str, str] | None = None,
) -> tuple[list[Facilitator], list[InputProblem], list[InputProblem]]:
    """(facilitators, problems, warnings) of a loaded table; facilitators only if no problem.

    ``themes``: the survey's themes; expertise in other themes is dropped with a
    warning and names are spelled as the survey spells them. ``authorities``: the
    survey's authorities; a facilitator from another body gets a warning only.
    ``authority_names``: a survey mapping's [authorities] (authority key of a spelling
    -> the name to use), applied here too so a facilitator counts for their authority.
    """
    problems: list[InputProblem] = list(table.problems)
    warnings: list[InputProblem] = list(table.warnings)
    index, missing = resolve_columns(table, FACILITATOR_REQUIRED, FACILITATOR_OPTIONAL)
    problems.extend(missing)

    known = None if themes is None else {_theme_key(t): t for t in themes}
    expertise_columns: list[tuple[int, str]] = []
    seen_themes: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        theme = theme_name(header)
        if theme is None:
            continue
        if not theme:
            problems.append(
                table.problem("a theme name after 'theme:'", row=table.header_row, column=i)
            )
            continue
        key = _theme_key(theme)
        if key in seen_themes:
            problems.append(
                table.problem(
                    f"each theme once; '{theme}' repeats {column_label(seen_themes[key])}",
                    row=table.header_row,
                    column=i,
                )
            )
            continue
        seen_themes[key] = i
        if known is not None:
            if key not in known:
                warnings.append(
                    table.problem(
                        f"a theme of the survey; expertise in '{theme}' is ignored",
                        row=table.header_row,
                        column=i,
                    )
                )
                continue
            theme = known[key]
        expertise_columns.append((i, theme))

    # the survey's checks of cells: formulas never calculated, text garbled by a wrong
    # encoding (names shown only by their garbled signs), spreadsheet error values
    used = set(index.values()) | {i for i, _ in expertise_columns}
    # a phone number or notes: said, not silently dropped (expertise in another theme is
    # said above)
    themes_read = used | {i for i, h in enumerate(table.headers) if theme_name(h) is not None}
    warnings += table.ignored_columns(
        themes_read,
        "the facilitators table's columns (facilitator_id, name, authority, role, email, "
        "theme:...)",
    )
    problems += table.formula_problems(used)
    problems += table.garbled_problems(used, [index[c] for c in ("name",) if c in index])
    errors = table.spreadsheet_errors(used)  # such cells are read as blank, reported once
    problems += errors.values()

    survey_authorities = None if authorities is None else {authority_key(a) for a in authorities}
    warned_authorities: set[str] = set()
    first_row_of: dict[str, int] = {}
    facilitators: list[Facilitator] = []
    for row in table.rows:
        values = {
            name: "" if (row.number, i) in errors else row.values[i] for name, i in index.items()
        }
        ok = True
        for name in FACILITATOR_REQUIRED:
            if name in index and not values[name] and (row.number, index[name]) not in errors:
                ok = False
                problems.append(
                    table.problem(
                        "a value (this column is required)", row=row.number, column=index[name]
                    )
                )
        fid = values.get("facilitator_id", "")
        if fid:
            if fid in first_row_of:
                ok = False
                # the id may be an email: name the rows, not the value
                problems.append(
                    table.problem(
                        f"a facilitator_id used once, but this row repeats the id of row "
                        f"{first_row_of[fid]} ({SAME_ID_HINT})",
                        row=row.number,
                        column=index["facilitator_id"],
                    )
                )
            else:
                first_row_of[fid] = row.number
        authority = values.get("authority", "")
        if authority and authority_names:
            authority = authority_names.get(authority_key(authority), authority)
        authority = standard_authority(authority)  # "GLASGOW CITY": "Glasgow City"
        if (
            authority
            and survey_authorities is not None
            and authority_key(authority) not in survey_authorities
            and authority_key(authority) not in warned_authorities
            and authority_key(authority) not in NATIONAL_BODIES  # expected: no warning
        ):
            warned_authorities.add(authority_key(authority))
            near = closest_authority(authority)
            expected = (
                "an authority of the survey; fine for a body such as Education Scotland, "
                "otherwise check the spelling" + (f" ({near}?)" if near else "")
            )
            if authority in WEST_PARTNERSHIP:  # spelt right: no school of it yet (a late one?)
                expected = (
                    "an authority of the survey; none of its schools is in it, so this "
                    "facilitator counts for no authority's share until one joins"
                )
            warnings.append(
                table.problem(
                    expected,
                    row=row.number,
                    column=index["authority"],
                    value=authority,
                )
            )
        email = values.get("email", "")
        if email and not EMAIL.fullmatch(email):
            warnings.append(
                table.problem(
                    "an email address (name@place); this one is kept as typed",
                    row=row.number,
                    column=index["email"],
                )
            )
        expertise: dict[str, int] = {}
        for i, theme in expertise_columns:
            text = row.values[i]
            if not text or (row.number, i) in errors:
                continue
            rating = parse_whole_number(text)
            if rating is None or not 0 <= rating <= 5:
                ok = False
                problems.append(
                    table.problem(
                        "an expertise rating: an integer 0-5, or blank",
                        row=row.number,
                        column=i,
                        value=text,
                    )
                )
                continue
            expertise[theme] = rating
        if ok and not problems:
            try:
                facilitators.append(
                    Facilitator(
                        id=fid,
                        name=values["name"],
                        authority=authority,
                        role=values.get("role", ""),
                        expertise=expertise,
                        email=email or None,
                    )
                )
            except ValidationError as exc:  # the checks above should leave none
                problems.append(
                    table.problem(f"a valid facilitator ({exc.errors()[0]['msg']})", row=row.number)
                )
    return (facilitators if not problems else []), problems, warnings


def read_facilitator_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    themes: Sequence[str] | None = None,
    authorities: Iterable[str] | None = None,
    sheet: str | None = None,
) -> FacilitatorReading:
    """Read a facilitators table (CSV, .xlsx or DataFrame) with its warnings.

    Raises InvalidInputError listing every problem found.
    """
    label = "facilitators DataFrame" if not isinstance(source, str | os.PathLike) else None
    table = load_table(source, sheet=sheet, label=label, header_score=facilitator_header_score)
    facilitators, problems, warnings = parse_facilitator_table(
        table, themes=themes, authorities=authorities
    )
    if problems:
        raise InvalidInputError(problems)
    return FacilitatorReading(tuple(facilitators), warnings)


def read_facilitators(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    themes: Sequence[str] | None = None,
    sheet: str | None = None,
) -> tuple[Facilitator, ...]:
    """Read a facilitators table; see ``read_facilitator_table`` for the warnings."""
    return read_facilitator_table(source, themes=themes, sheet=sheet).facilitators


def facilitators_dataframe(
    facilitators: Sequence[Facilitator], themes: Sequence[str] | None = None
) -> pd.DataFrame:
    """The facilitators table as a DataFrame (expertise columns for ``themes``, or all)."""
    import pandas as pd

    if themes is None:
        themes = list(dict.fromkeys(t for f in facilitators for t in f.expertise))
    columns: dict[str, object] = {
        "facilitator_id": [f.id for f in facilitators],
        "name": [f.name for f in facilitators],
        "authority": [f.authority for f in facilitators],
        "role": [f.role for f in facilitators],
    }
    if any(f.email for f in facilitators):
        columns["email"] = [f.email or "" for f in facilitators]
    for theme in themes:
        columns[f"theme:{theme}"] = pd.array(
            [f.expertise.get(theme) for f in facilitators], dtype="Int64"
        )
    return pd.DataFrame(columns)


def write_facilitators(
    facilitators: Sequence[Facilitator],
    path: str | os.PathLike[str],
    themes: Sequence[str] | None = None,
) -> None:
    """Write the facilitators table as CSV or .xlsx (by the path's ending), atomically."""
    df = facilitators_dataframe(facilitators, themes)
    suffix = os.fspath(path).casefold()
    if suffix.endswith(".csv"):
        write_csv(df, path)
    elif suffix.endswith(".xlsx"):
        write_xlsx({"facilitators": df}, path)
    else:
        raise InvalidParameterError.for_value(
            "path", "write_facilitators", "a path ending in .csv or .xlsx", os.fspath(path)
        )
