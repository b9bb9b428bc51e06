"""Read and write the survey table (contract section 1).

One row per practitioner; columns ``practitioner_id``, ``name``, ``establishment_id``,
``establishment_name``, ``authority``, ``sector``, ``role`` (required), at least two
``theme:<Name>`` columns, and optional ``simd_quintile``, ``latitude``, ``longitude``,
``email``. The reader checks the whole file and raises one ``InvalidInputError`` listing
every problem, each with file, spreadsheet row, column, the bad value and what was
expected. It only reads the file.

Interest ratings are an integer 0-5, blank (= 0), or the survey's wording, mapped by
``LIKERT_SCALE`` (case and surrounding spaces ignored)::

    0  Not interested         not interested, not at all interested, not at all, none, ...
    1  Slightly interested    slightly, a little, a little interested, a bit
    2  Somewhat interested    somewhat
    3  Moderately interested  moderately, interested
    4  Quite interested       quite, strongly interested, strongly
    5  Very interested        very, extremely interested, extremely, highly interested

A form's "5 - Very interested" is read as 5 (the number and the wording must agree).

Formula-looking text: the writers add one apostrophe before text a spreadsheet could
run (see ``clnmatch.io.safe``); the reader removes exactly that apostrophe, so a name
``=SUM(A1)`` survives ``write_survey`` + ``read_cohort`` unchanged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from pydantic import ValidationError

from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.facilitators import parse_facilitator_table
from clnmatch.io.safe import write_csv, write_xlsx
from clnmatch.io.tables import (
    Table,
    load_table,
    normalise_header,
    parse_decimal,
    parse_whole_number,
    resolve_columns,
    theme_name,
)
from clnmatch.models import (
    Cohort,
    Establishment,
    Facilitator,
    Practitioner,
    Role,
    Sector,
    authority_key,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LIKERT_SCALE",
    "LIKERT_LABELS",
    "SURVEY_REQUIRED",
    "SURVEY_OPTIONAL",
    "SurveyReading",
    "parse_rating",
    "read_survey",
    "read_cohort",
    "cohort_from_dataframe",
    "survey_dataframe",
    "write_survey",
]

SURVEY_REQUIRED = (
    "practitioner_id",
    "name",
    "establishment_id",
    "establishment_name",
    "authority",
    "sector",
    "role",
)
SURVEY_OPTIONAL = ("simd_quintile", "latitude", "longitude", "email")

#: The wording each rating is shown with (docs, messages).
LIKERT_LABELS: dict[int, str] = {
    0: "Not interested",
    1: "Slightly interested",
    2: "Somewhat interested",
    3: "Moderately interested",
    4: "Quite interested",
    5: "Very interested",
}

#: Every wording accepted for a rating (lower case, single spaces) -> the rating.
LIKERT_SCALE: dict[str, int] = {
    **dict.fromkeys(
        (
            "not interested",
            "not at all interested",
            "not at all",
            "no interest",
            "none",
            "uninterested",
        ),
        0,
    ),
    **dict.fromkeys(
        ("slightly interested", "slightly", "a little interested", "a little", "a bit"), 1
    ),
    **dict.fromkeys(("somewhat interested", "somewhat"), 2),
    **dict.fromkeys(("moderately interested", "moderately", "interested"), 3),
    **dict.fromkeys(("quite interested", "quite", "strongly interested", "strongly"), 4),
    **dict.fromkeys(
        ("very interested", "very", "extremely interested", "extremely", "highly interested"), 5
    ),
}

_RATING_EXPECTED = (
    "an interest rating: an integer 0-5, blank (= 0), or a wording from "
    "'Not interested' (0) to 'Very interested' (5)"
)
_SECTOR_EXPECTED = (
    "one of ELC, primary, secondary, special (aliases: nursery, early years, "
    "early learning and childcare, high school, ASN, additional support needs, P, S)"
)
_ROLE_EXPECTED = (
    "promoted or practitioner (aliases: headteacher, depute, PT, senior leader, "
    "teacher, class teacher, EYP)"
)
_NUMBERED_WORDING = re.compile(r"(\d+)\s*[-–—:=.)]\s*(\D.*)")


def _fold_wording(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold().rstrip(".!")


def parse_rating(text: str) -> int:
    """A rating cell as 0-5 (see ``LIKERT_SCALE``); raise ValueError if it is none."""
    text = text.strip()
    if not text:
        return 0
    number = parse_whole_number(text)
    if number is None:
        wording = _fold_wording(text)
        number = LIKERT_SCALE.get(wording)
        numbered = _NUMBERED_WORDING.fullmatch(wording)
        if number is None and numbered:
            said = LIKERT_SCALE.get(_fold_wording(numbered.group(2)))
            if said is not None and said == int(numbered.group(1)):
                number = said
    if number is None or not 0 <= number <= 5:
        raise ValueError(_RATING_EXPECTED)
    return number


@dataclass(frozen=True)
class SurveyReading:
    """A cohort read from a survey, and the warnings (not errors) found on the way."""

    cohort: Cohort
    warnings: list[InputProblem] = field(default_factory=list)


@dataclass
class _Unit:
    """What the rows of one establishment said, and on which row first."""

    first_row: int
    name: str = ""
    authority: str = ""
    authority_row: int = 0
    sector: Sector | None = None
    sector_row: int = 0
    simd: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    roles: list[Role] = field(default_factory=list)


@dataclass
class _Parse:
    themes: list[str]
    units: dict[str, _Unit]
    practitioners: list[dict[str, object]]
    problems: list[InputProblem]
    warnings: list[InputProblem]


def _theme_columns(table: Table, problems: list[InputProblem]) -> list[tuple[int, str]]:
    columns: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        theme = theme_name(header)
        if theme is None:
            continue
        if not theme:
            problems.append(
                table.problem("a theme name after 'theme:'", row=table.header_row, column=i)
            )
            continue
        key = normalise_header(theme)
        if key in seen:
            problems.append(
                table.problem(
                    f"each theme once; '{theme}' repeats column {seen[key] + 1} "
                    f"('{table.headers[seen[key]]}')",
                    row=table.header_row,
                    column=i,
                )
            )
            continue
        seen[key] = i
        columns.append((i, theme))
    if len(columns) < 2:
        problems.append(
            table.problem(
                "at least 2 theme columns, headed 'theme:<Theme name>' (e.g. 'theme:Literacy'); "
                f"found {len(columns)}",
                row=table.header_row,
            )
        )
    return columns


def _parse_survey(table: Table) -> _Parse:
    """Check every row of a loaded survey; collect problems and warnings."""
    problems: list[InputProblem] = list(table.problems)
    warnings: list[InputProblem] = []
    index, missing = resolve_columns(table, SURVEY_REQUIRED, SURVEY_OPTIONAL)
    problems.extend(missing)
    themes = _theme_columns(table, problems)

    used = set(index.values()) | {i for i, _ in themes}
    unused = [
        h for i, h in enumerate(table.headers) if h and i not in used and theme_name(h) is None
    ]
    if unused:
        listed = ", ".join(f"'{h}'" for h in unused[:10])
        more = f" and {len(unused) - 10} more" if len(unused) > 10 else ""
        warnings.append(
            table.problem(
                f"only the survey's columns; these are ignored: {listed}{more}",
                row=table.header_row,
            )
        )

    both_places = "latitude" in index and "longitude" in index
    if ("latitude" in index) != ("longitude" in index):
        lonely = "latitude" if "latitude" in index else "longitude"
        problems.append(
            table.problem(
                "a 'latitude' and a 'longitude' column together, or neither",
                row=table.header_row,
                column=index[lonely],
            )
        )

    units: dict[str, _Unit] = {}
    first_row_of: dict[str, int] = {}
    practitioners: list[dict[str, object]] = []

    def bad(expected: str, row: int, name: str, value: str | None = None) -> None:
        problems.append(table.problem(expected, row=row, column=index[name], value=value))

    for row in table.rows:
        r = row.number
        cell = {name: row.values[i] for name, i in index.items()}
        for name in SURVEY_REQUIRED:
            if name in index and not cell[name]:
                bad("a value (this column is required)", r, name)

        pid = cell.get("practitioner_id", "")
        if pid:
            if pid in first_row_of:
                bad(
                    f"a practitioner_id used once; row {first_row_of[pid]} has the same",
                    r,
                    "practitioner_id",
                    pid,
                )
            else:
                first_row_of[pid] = r

        sector = None
        if cell.get("sector"):
            sector = Sector.parse(cell["sector"])
            if sector is None:
                bad(_SECTOR_EXPECTED, r, "sector", cell["sector"])
        role = None
        if cell.get("role"):
            role = Role.parse(cell["role"])
            if role is None:
                bad(_ROLE_EXPECTED, r, "role", cell["role"])

        interests: list[int] = []
        for i, _theme in themes:
            try:
                interests.append(parse_rating(row.values[i]))
            except ValueError as exc:
                problems.append(table.problem(str(exc), row=r, column=i, value=row.values[i]))

        simd = None
        if cell.get("simd_quintile"):
            simd = parse_whole_number(cell["simd_quintile"])
            if simd is None or not 1 <= simd <= 5:
                simd = None
                bad(
                    "an SIMD quintile: a whole number 1 (most deprived) to 5 (least), or blank",
                    r,
                    "simd_quintile",
                    cell["simd_quintile"],
                )
        place: dict[str, float | None] = {}
        for name, limit in (("latitude", 90), ("longitude", 180)):
            text = cell.get(name, "")
            place[name] = None
            if text:
                number = parse_decimal(text)
                if number is None or not -limit <= number <= limit:
                    bad(
                        f"a {name} in decimal degrees, -{limit} to {limit}, or blank", r, name, text
                    )
                else:
                    place[name] = number
        if both_places and (cell["latitude"] == "") != (cell["longitude"] == ""):
            given = "latitude" if cell["latitude"] else "longitude"
            other = "longitude" if given == "latitude" else "latitude"
            bad(f"a {other} too, since the {given} is given (or both blank)", r, other)

        est_id = cell.get("establishment_id", "")
        if est_id:
            unit = units.get(est_id)
            if unit is None:
                unit = units[est_id] = _Unit(first_row=r)
                unit.simd, unit.latitude, unit.longitude = (
                    simd,
                    place["latitude"],
                    place["longitude"],
                )
            _merge_unit(
                table, unit, est_id, r, cell, sector, simd, place, problems, warnings, index
            )
            if role is not None:
                unit.roles.append(role)

        practitioners.append(
            {
                "id": pid,
                "name": cell.get("name", ""),
                "establishment_id": est_id,
                "role": role,
                "interests": tuple(interests),
                "email": cell.get("email") or None,
            }
        )

    # the nominee mix (one promoted + one practitioner) is a domain warning:
    # clnmatch.cohort_summary.cohort_warnings owns it
    return _Parse([t for _, t in themes], units, practitioners, problems, warnings)


def _merge_unit(
    table: Table,
    unit: _Unit,
    est_id: str,
    r: int,
    cell: dict[str, str],
    sector: Sector | None,
    simd: int | None,
    place: dict[str, float | None],
    problems: list[InputProblem],
    warnings: list[InputProblem],
    index: dict[str, int],
) -> None:
    """Fold one row into its establishment; disagreeing authority or sector is an error."""
    name = cell.get("establishment_name", "")
    if name:
        if not unit.name:
            unit.name = name
        elif re.sub(r"\s+", " ", name).casefold() != re.sub(r"\s+", " ", unit.name).casefold():
            warnings.append(
                table.problem(
                    f"the establishment name row {unit.first_row} gives '{est_id}' "
                    f"('{unit.name}'); the first is used",
                    row=r,
                    column=index["establishment_name"],
                    value=name,
                )
            )
    authority = cell.get("authority", "")
    if authority:
        if not unit.authority:
            unit.authority, unit.authority_row = authority, r
        elif authority_key(authority) != authority_key(unit.authority):
            problems.append(
                table.problem(
                    f"the authority row {unit.authority_row} gives establishment '{est_id}' "
                    f"('{unit.authority}'): all its nominees must give the same",
                    row=r,
                    column=index["authority"],
                    value=authority,
                )
            )
    if sector is not None:
        if unit.sector is None:
            unit.sector, unit.sector_row = sector, r
        elif sector != unit.sector:
            problems.append(
                table.problem(
                    f"the sector row {unit.sector_row} gives establishment '{est_id}' "
                    f"('{unit.sector.value}'): all its nominees must give the same",
                    row=r,
                    column=index["sector"],
                    value=cell["sector"],
                )
            )
    for name, mine, kept in (
        ("simd_quintile", simd, unit.simd),
        ("latitude", place["latitude"], unit.latitude),
        ("longitude", place["longitude"], unit.longitude),
    ):
        if mine is None:
            continue
        if kept is None:
            setattr(unit, "simd" if name == "simd_quintile" else name, mine)
        elif mine != kept:
            warnings.append(
                table.problem(
                    f"the same {name} for all nominees of '{est_id}'; the first given "
                    f"({kept}) is used",
                    row=r,
                    column=index[name],
                    value=cell[name],
                )
            )


def _build_cohort(parsed: _Parse, source: str, facilitators: Sequence[Facilitator] = ()) -> Cohort:
    """Models from a parse that found no problem."""
    try:
        establishments = tuple(
            Establishment(
                id=est_id,
                name=unit.name,
                authority=unit.authority,
                sector=cast(Sector, unit.sector),  # a parse without problems set every one
                simd_quintile=unit.simd,
                latitude=unit.latitude,
                longitude=unit.longitude,
            )
            for est_id, unit in parsed.units.items()
        )
        practitioners = tuple(Practitioner(**p) for p in parsed.practitioners)  # type: ignore[arg-type]
        return Cohort(
            themes=tuple(parsed.themes),
            establishments=establishments,
            practitioners=practitioners,
            facilitators=tuple(facilitators),
            source=source,
        )
    except ValidationError as exc:  # the checks above should leave none; never crash
        raise InvalidInputError(
            [
                InputProblem(
                    file=source,
                    expected=f"a valid survey ({exc.errors()[0]['msg']})",
                )
            ]
        ) from None


def _load_or_problems(
    source: object, sheet: str | None, label: str
) -> tuple[Table | None, list[InputProblem]]:
    named = label if not isinstance(source, str | os.PathLike) else None
    try:
        return load_table(source, sheet=sheet, label=named), []  # type: ignore[arg-type]
    except InvalidInputError as exc:
        return None, list(exc.problems)


def read_survey(
    survey: str | os.PathLike[str] | pd.DataFrame,
    facilitators: str | os.PathLike[str] | pd.DataFrame | None = None,
    *,
    sheet: str | None = None,
    facilitators_sheet: str | None = None,
) -> SurveyReading:
    """Read a survey (and optionally a facilitators table) into a Cohort with warnings.

    ``survey`` / ``facilitators``: a .csv or .xlsx path, or a DataFrame. ``sheet``
    picks the survey's worksheet (default: the first). Raises InvalidInputError listing
    every problem in both tables.
    """
    table, problems = _load_or_problems(survey, sheet, "survey DataFrame")
    fac_table = None
    if facilitators is not None:
        fac_table, fac_problems = _load_or_problems(
            facilitators, facilitators_sheet, "facilitators DataFrame"
        )
        problems += fac_problems
    parsed = None
    if table is not None:
        parsed = _parse_survey(table)
        problems += parsed.problems
    facilitator_models: list[Facilitator] = []
    fac_warnings: list[InputProblem] = []
    if fac_table is not None:
        facilitator_models, fac_problems, fac_warnings = parse_facilitator_table(
            fac_table,
            themes=parsed.themes if parsed else None,
            authorities=[u.authority for u in parsed.units.values()] if parsed else None,
        )
        problems += fac_problems
    if problems or parsed is None or table is None:
        raise InvalidInputError(problems)
    cohort = _build_cohort(parsed, table.file, facilitator_models)
    return SurveyReading(cohort, [*parsed.warnings, *fac_warnings])


def read_cohort(
    survey: str | os.PathLike[str] | pd.DataFrame,
    facilitators: str | os.PathLike[str] | pd.DataFrame | None = None,
    *,
    sheet: str | None = None,
) -> Cohort:
    """Read a survey (and optionally facilitators) into a Cohort; ``read_survey`` also
    returns the warnings."""
    return read_survey(survey, facilitators, sheet=sheet).cohort


def cohort_from_dataframe(
    survey_df: pd.DataFrame, facilitators: pd.DataFrame | None = None
) -> Cohort:
    """A Cohort from DataFrames shaped like the survey (and facilitators) table."""
    return read_survey(survey_df, facilitators).cohort


def survey_dataframe(cohort: Cohort) -> pd.DataFrame:
    """The survey table of a cohort: one row per practitioner, columns as the contract.

    Optional columns appear only when some row has a value.
    """
    import pandas as pd

    est = cohort.establishment_by_id
    people = cohort.practitioners
    units = [est[p.establishment_id] for p in people]
    columns: dict[str, object] = {
        "practitioner_id": [p.id for p in people],
        "name": [p.name for p in people],
        "establishment_id": [p.establishment_id for p in people],
        "establishment_name": [u.name for u in units],
        "authority": [u.authority for u in units],
        "sector": [u.sector.value for u in units],
        "role": [p.role.value for p in people],
    }
    for t, theme in enumerate(cohort.themes):
        columns[f"theme:{theme}"] = pd.array([p.interests[t] for p in people], dtype="int64")
    if any(u.simd_quintile is not None for u in units):
        columns["simd_quintile"] = pd.array([u.simd_quintile for u in units], dtype="Int64")
    if any(u.latitude is not None or u.longitude is not None for u in units):
        columns["latitude"] = pd.array([u.latitude for u in units], dtype="Float64")
        columns["longitude"] = pd.array([u.longitude for u in units], dtype="Float64")
    if any(p.email for p in people):
        columns["email"] = [p.email for p in people]
    return pd.DataFrame(columns)


def write_survey(cohort: Cohort, path: str | os.PathLike[str]) -> None:
    """Write a cohort's survey table as CSV (UTF-8 with BOM) or .xlsx, atomically.

    Text a spreadsheet could run gets one leading apostrophe; ``read_cohort`` removes it.
    """
    df = survey_dataframe(cohort)
    name = os.fspath(path).casefold()
    if name.endswith(".csv"):
        write_csv(df, path)
    elif name.endswith(".xlsx"):
        write_xlsx({"survey": df}, path)
    else:
        raise InvalidParameterError.for_value(
            "path", "write_survey", "a path ending in .csv or .xlsx", os.fspath(path)
        )
