"""Read the survey table (contract sections 1 and 10; io.survey_write writes it).

One row per practitioner; columns ``practitioner_id``, ``name``, ``establishment_id``,
``establishment_name``, ``authority``, ``sector``, ``role`` (required), at least two
``theme:<Name>`` columns, and optional ``job_title``, ``simd_quintile``, ``latitude``,
``longitude``, ``email``. The reader checks the whole file and raises one
``InvalidInputError`` listing every problem, each with file, spreadsheet row, column,
the bad value and what was expected. It only reads the file.

A survey export as it comes (section 10) is read with a ``SurveyMapping``
(``clnmatch.io.mapping``): its headers, theme columns, rating words, job titles and
authority spellings. Without ``practitioner_id`` rows are numbered (``R007``); without
``establishment_id`` establishments are told apart by authority and name
(``clnmatch.io.identity``). Ratings are read by ``clnmatch.io.ratings``. A role cell
that is a job title ("Senior CDO") is kept as the practitioner's ``job_title``, as is a
``job_title`` column; when there is no ``role`` column, the role comes from the job
title. Messages name rows, never a person's name or email.

Formula-looking text: the writers add one apostrophe before text a spreadsheet could
run (see ``clnmatch.io.safe``); the reader removes exactly that apostrophe, so a name
``=SUM(A1)`` survives ``write_survey`` + ``read_cohort`` unchanged.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

from pydantic import ValidationError

from clnmatch.errors import InputProblem, InvalidInputError, in_row_order
from clnmatch.io.columns import survey_columns
from clnmatch.io.facilitators import facilitator_header_score, parse_facilitator_table
from clnmatch.io.headers import (
    DERIVABLE_COLUMNS,
    SURVEY_OPTIONAL,
    SURVEY_REQUIRED,
    header_score,
)
from clnmatch.io.identity import (
    EMAIL,
    SAME_ID_HINT,
    EstablishmentIds,
    NameBook,
    ZeroTwins,
    email_cell,
    fullest_name,
    leading_zero_warnings,
    name_key,
    person_key,
    practitioner_row_id,
    rows_text,
)
from clnmatch.io.mapping import MappingSource, SurveyMapping, load_mapping, use_names
from clnmatch.io.ratings import (
    LIKERT_LABELS,
    LIKERT_SCALE,
    RatingReader,
    RatingScale,
    blank_rating_warnings,
    parse_rating,
)
from clnmatch.io.tables import (
    HeaderScore,
    Table,
    TableSource,
    load_table,
    parse_decimal,
    parse_whole_number,
)
from clnmatch.io.uploads import upload_name
from clnmatch.models import (
    Cohort,
    Establishment,
    Facilitator,
    Practitioner,
    Role,
    Sector,
    authority_key,
    register_readers,
    word_key,
)

if TYPE_CHECKING:
    import pandas as pd

_Key = TypeVar("_Key", str, tuple[str, str])  # an e-mail; a name at a school
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
]

_SECTOR_EXPECTED = (
    "one of ELC, primary, secondary, special (aliases: nursery, early years, "
    "early learning and childcare, high school, ASN, additional support needs, P, S)"
)
_ROLE_EXPECTED = (
    "promoted or practitioner (aliases: headteacher, depute, PT, senior leader, "
    "teacher, class teacher, EYP, and common job titles)"
)
_ADD_WORDS = "; other words can be added under [{section}] in a mapping (`clnmatch map` drafts it)"
# role cells that name the role itself rather than a job title
_ROLE_NAMES = {"promoted", "practitioner", "promoted staff", "senior leader", "staff"}


@dataclass(frozen=True)
class SurveyReading:
    """A cohort read from a survey, and the warnings (not errors) found on the way."""

    cohort: Cohort
    warnings: list[InputProblem] = field(default_factory=list)


@dataclass
class _Unit:
    """What the rows of one establishment said, and on which row first."""

    first_row: int
    label: str = ""  # how messages name it: its id, or its name when ids are derived
    name: str = ""
    authority: str = ""
    sector: Sector | None = None
    # (row, what it gave, as typed) of every row giving one: nominees must agree
    authorities: list[tuple[int, str, str]] = field(default_factory=list)
    sectors: list[tuple[int, str, str]] = field(default_factory=list)
    simd: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    roles: list[Role] = field(default_factory=list)
    names: list[tuple[int, str]] = field(default_factory=list)  # (row, name as typed)


@dataclass
class _Parse:
    themes: list[str]
    units: dict[str, _Unit]
    practitioners: list[dict[str, object]]
    problems: list[InputProblem]
    warnings: list[InputProblem]


def _parse_survey(
    table: Table, mapping: SurveyMapping | None = None, row_id_prefix: str = "R"
) -> _Parse:
    """Check every row of a loaded survey; collect problems and warnings."""
    problems: list[InputProblem] = list(table.problems)
    warnings: list[InputProblem] = list(table.warnings)
    index, themes = survey_columns(table, mapping, problems)

    used = set(index.values()) | {i for i, _ in themes}
    problems += table.formula_problems(used)
    # names and emails are personal: their garbled signs are shown, not the cell
    private = [index[c] for c in ("name", "email", "practitioner_id") if c in index]
    problems += table.garbled_problems(used, private)
    # cells holding #N/A and such are read as blank, having been reported once
    errors = table.spreadsheet_errors(used)
    problems += errors.values()
    unused = mapping.unused_in(table) if mapping else set()  # said once, in the mapping
    warnings += table.ignored_columns(used | unused, "the survey's columns")
    for column in DERIVABLE_COLUMNS:
        if column not in index and mapping is None:
            what = (
                "practitioners are numbered by their row (R007 is row 7)"
                if column == "practitioner_id"
                else "establishments are told apart by authority and name"
            )
            warnings.append(
                table.problem(
                    f"{'an' if column[0] in 'aeiou' else 'a'} '{column}' column; there is "
                    f"none, so {what}",
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

    role_words = mapping.role_words if mapping is not None else None
    sector_words = mapping.sector_words if mapping is not None else None
    scale = RatingScale.of(
        mapping.scale if mapping is not None else None,
        mapping.source if mapping is not None else "the mapping",
    )
    ratings = RatingReader(table, scale, problems)
    book = NameBook(table, index.get("authority"), index.get("establishment_name"))
    derived = EstablishmentIds() if "establishment_id" not in index else None
    twins = ZeroTwins(table, index.get("establishment_id", 0))
    last_row = table.rows[-1].number
    units: dict[str, _Unit] = {}
    first_row_of: dict[str, int] = {}
    email_row: dict[str, int] = {}
    name_row: dict[tuple[str, str], int] = {}  # (establishment, name) -> its first row
    practitioners: list[dict[str, object]] = []

    def bad(expected: str, row: int, name: str, value: str | None = None) -> None:
        problems.append(table.problem(expected, row=row, column=index[name], value=value))

    above: dict[str, str] = {}  # the row above's required cells
    merged_like = 0  # blank required cells right below filled ones
    for row in table.rows:
        r = row.number
        values = [v if (r, i) not in errors else "" for i, v in enumerate(row.values)]
        cell = {name: values[i] for name, i in index.items()}
        for name in SURVEY_REQUIRED:
            if (r, index.get(name)) in errors:
                continue
            if name in index and not cell[name] and not (name == "role" and cell.get("job_title")):
                bad("a value (this column is required)", r, name)
                merged_like += bool(above.get(name))
        above = {name: cell.get(name, "") for name in SURVEY_REQUIRED}
        if "role" not in index and "job_title" in index and not cell["job_title"]:
            bad("a value (the role is read from the job title)", r, "job_title")

        pid = (
            cell.get("practitioner_id", "")
            if "practitioner_id" in index
            else practitioner_row_id(r, last_row, row_id_prefix)
        )
        if pid:
            if pid in first_row_of:
                # the id may be an email or a name: name the rows, not the value
                bad(
                    f"a practitioner_id used once, but this row repeats the id of row "
                    f"{first_row_of[pid]} ({SAME_ID_HINT})",
                    r,
                    "practitioner_id",
                )
            else:
                first_row_of[pid] = r
        email = email_cell(cell.get("email", ""))
        same_email: list[InputProblem] = []
        if email:
            if not EMAIL.fullmatch(email):
                warnings.append(
                    table.problem(
                        "an email address (name@place); this one is kept as typed",
                        row=r,
                        column=index["email"],
                    )
                )
            else:
                same_email = _twice(
                    table, email_row, email.casefold(), r, index["email"], "email", row_id_prefix
                )
                warnings += same_email

        sector = None
        if cell.get("sector"):
            sector = Sector.parse(cell["sector"], sector_words)
            if sector is None:
                named = Sector.named(cell["sector"], sector_words)
                bad(_expected(named, _SECTOR_EXPECTED, "sectors"), r, "sector", cell["sector"])
        role, job_title = _role_and_title(cell, role_words)
        if role is None and (cell.get("role") or cell.get("job_title")):
            column = "role" if cell.get("role") else "job_title"
            roles = Role.named(cell[column], role_words)
            bad(_expected(roles, _ROLE_EXPECTED, "roles"), r, column, cell[column])

        interests = [ratings.read(values[i], r, i) for i, _theme in themes]

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

        use_names(cell, mapping)  # a mapping's names; the eight authorities' own spelling
        book.note(r, cell.get("authority", ""), cell.get("establishment_name", ""), sector)
        if derived is None:
            est_id, said = twins.same_as(
                cell.get("establishment_id", ""),
                cell.get("establishment_name", ""),
                cell.get("authority", ""),
                r,
            )
            warnings += said
        elif cell.get("authority") and cell.get("establishment_name"):
            est_id = derived.id_for(cell["authority"], cell["establishment_name"])
        else:
            est_id = ""
        if est_id:
            unit = units.get(est_id)
            if unit is None:
                unit = units[est_id] = _Unit(first_row=r)
                unit.simd, unit.latitude, unit.longitude = (
                    simd,
                    place["latitude"],
                    place["longitude"],
                )
            unit.label = unit.label or (est_id if derived is None else cell["establishment_name"])
            _merge_unit(table, unit, r, cell, sector, simd, place, warnings, index)
            if role is not None:
                unit.roles.append(role)

        # one person sending twice, from another address too; said once when both match
        twin = (est_id, person_key(cell.get("name", "")))
        if est_id and twin[1] and not same_email:
            warnings += _twice(
                table, name_row, twin, r, index["name"], "name and establishment", row_id_prefix
            )
        practitioners.append(
            {
                "id": pid,
                "name": cell.get("name", ""),
                "establishment_id": est_id,
                "role": role,
                "interests": tuple(interests),
                "email": email or None,
                "job_title": job_title,
            }
        )

    ratings.finish()
    problems += _disagreements(table, units, index)
    # the names used; their spellings' warnings come last (they matter least, and may be many)
    spellings = []
    if "establishment_name" in index:
        spellings = _names_used(table, units, index["establishment_name"])
    warnings += blank_rating_warnings(table, themes, index.get("sector"))
    if merged_like >= 2 and table.sheet is not None:  # a workbook formatted by a person
        problems.append(
            table.problem(
                "a value in every row: blank required cells right below filled ones are "
                "often merged cells; unmerge them and fill the value into each row "
                "(Excel: Home > Merge & Center off, then Home > Fill > Down)"
            )
        )
    warnings += book.authority_warnings()
    if derived is not None:
        warnings += book.establishment_warnings()
    else:
        firsts = {est_id: unit.first_row for est_id, unit in units.items()}
        warnings += leading_zero_warnings(table, index["establishment_id"], firsts)
    # the nominee mix (one promoted + one practitioner) is a domain warning:
    # clnmatch.cohort_summary.cohort_warnings owns it
    return _Parse([t for _, t in themes], units, practitioners, problems, warnings + spellings)


def _twice(
    table: Table,
    seen: dict[_Key, int],
    key: _Key,
    row: int,
    column: int,
    what: str,
    row_id_prefix: str,
) -> list[InputProblem]:
    """A warning when ``key`` (an e-mail; a name at a school) was on an earlier row."""
    first = seen.setdefault(key, row)
    if first == row:
        return []
    each = "email" if what == "email" else "person"
    # leave_out_rows is the survey's: late additions' rows are numbered by their own file
    advice = ""
    if row_id_prefix == "R":
        advice = f"; a mapping's leave_out_rows = [{first}] reads only this row"
    return [
        table.problem(
            f"each {each} once, but this row repeats the {what} of row {first} (one person "
            f"answering twice?{advice})",
            row=row,
            column=column,
        )
    ]


def _expected(named: list[Sector] | list[Role], words: str, section: str) -> str:
    """What a sector or role cell should say; one naming several (a form's tick-boxes)
    is told why it is not read."""
    if len(named) < 2:
        return words + _ADD_WORDS.format(section=section)
    return (
        f"one {section[:-1]}; this answer names {len(named)} ({', '.join(named)}) and is not "
        f"guessed: say which it is under [{section}] in a mapping (`clnmatch map` drafts it)"
    )


def _role_and_title(
    cell: dict[str, str], role_words: dict[str, Role] | None
) -> tuple[Role | None, str | None]:
    """The role of a row, and its job title as typed (None when it names only the role).

    The role comes from the role cell, or from the job title when the role cell is blank
    or names no role (a form's "Other"); a role cell that is a job title ("Senior CDO")
    is the job title too.
    """
    role_text, title = cell.get("role", ""), cell.get("job_title", "")
    role = Role.parse(role_text, role_words) if role_text else None
    if role is None and title:
        role = Role.parse(title, role_words)
    if not title and role_text and word_key(re.sub(r"\(.*?\)", "", role_text)) not in _ROLE_NAMES:
        title = role_text
    return role, title or None


def _merge_unit(
    table: Table,
    unit: _Unit,
    r: int,
    cell: dict[str, str],
    sector: Sector | None,
    simd: int | None,
    place: dict[str, float | None],
    warnings: list[InputProblem],
    index: dict[str, int],
) -> None:
    """Fold one row into its establishment (``_disagreements`` then checks that its rows
    agree on the authority and sector)."""
    est_id = unit.label
    name = cell.get("establishment_name", "")
    if name:
        unit.name = unit.name or name
        unit.names.append((r, name))
    authority = cell.get("authority", "")
    if authority:
        unit.authority = unit.authority or authority
        unit.authorities.append((r, authority_key(authority), authority))
    if sector is not None:
        unit.sector = unit.sector or sector
        unit.sectors.append((r, sector.value, cell["sector"]))
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


def _names_used(table: Table, units: dict[str, _Unit], column: int) -> list[InputProblem]:
    """Each establishment called by the name most of its rows give (``fullest_name``), and
    a warning for each row that spells it otherwise."""
    said = []
    for unit in units.values():
        if not unit.names:
            continue
        row, unit.name = fullest_name(unit.names)
        said += [
            table.problem(
                f"one name for establishment '{unit.label}': row {row} names it "
                f"'{unit.name}', which is used",
                row=r,
                column=column,
                value=name,
            )
            for r, name in unit.names
            if name_key(name) != name_key(unit.name)
        ]
    return said


def _disagreements(
    table: Table, units: dict[str, _Unit], index: dict[str, int]
) -> list[InputProblem]:
    """Each row whose authority or sector differs from what most of its establishment's
    rows give (the first given, on a tie): that row, not the agreeing ones, is named."""
    problems = []
    for unit in units.values():
        for column, given in (("authority", unit.authorities), ("sector", unit.sectors)):
            votes = Counter(value for _, value, _ in given)
            if len(votes) < 2:
                continue
            (most, count), (_, runner_up) = votes.most_common(2)  # ties: the first given
            agreeing = [r for r, value, _ in given if value == most]
            # a sector as the contract names it; an authority as first typed
            shown = most if column == "sector" else next(t for _, v, t in given if v == most)
            # on a tie neither side is known right: the message says so
            either = "; correct whichever is wrong" if count == runner_up else ""
            for r, value, text in given:
                if value != most:
                    problems.append(
                        table.problem(
                            f"the {column} {rows_text(agreeing)} "
                            f"give{'s' if len(agreeing) == 1 else ''} establishment "
                            f"'{unit.label}' ('{shown}'): all its nominees must give the same"
                            + either,
                            row=r,
                            column=index[column],
                            value=text,
                        )
                    )
    return problems


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


def _survey_header_score(mapping: SurveyMapping | None) -> HeaderScore:
    names = mapping.headers() if mapping is not None else []
    pattern = mapping.themes.compiled() if mapping is not None else None
    return lambda cells: header_score(cells, names, pattern)


def _load_or_problems(
    source: object,
    sheet: str | None,
    label: str,
    score: HeaderScore | None = None,
    header_row: int | None = None,
    defer_formulas: bool = False,
) -> tuple[Table | None, list[InputProblem]]:
    import pandas as pd

    # an upload is named by its file name, else "survey upload"; a path by itself
    named = None if isinstance(source, str | os.PathLike) else label
    if named is not None and not isinstance(source, pd.DataFrame):
        named = upload_name(source, label.replace("DataFrame", "upload"))
    try:
        table = load_table(
            source,  # type: ignore[arg-type]
            sheet=sheet,
            label=named,
            header_score=score,
            header_row=header_row,
            defer_formulas=defer_formulas,
        )
        return table, []
    except InvalidInputError as exc:
        return None, list(exc.problems)


def read_survey(
    survey: TableSource,
    facilitators: TableSource | None = None,
    *,
    sheet: str | None = None,
    facilitators_sheet: str | None = None,
    mapping: MappingSource = None,
    row_id_prefix: str = "R",
) -> SurveyReading:
    """Read a survey (and optionally a facilitators table) into a Cohort with warnings.

    ``survey`` / ``facilitators``: a .csv or .xlsx path, a DataFrame, or an upload (the
    file's bytes or a file object; errors name it by its ``name``, else "upload"). ``sheet``
    picks the survey's worksheet (default: the mapping's ``sheet``, else the first).
    ``mapping``: how to read an export's own headers and words (a ``SurveyMapping``, a
    TOML file's path, or a dict; contract section 10). Without a practitioner_id column, row 7 gets the id
    ``{row_id_prefix}007`` (late additions use their file's name: ``additions_row_prefix``).
    Raises InvalidInputError listing every problem in both tables.
    """
    survey_map = load_mapping(mapping)
    if sheet is None and survey_map is not None:
        sheet = survey_map.sheet
    table, problems = _load_or_problems(
        survey,
        sheet,
        "survey DataFrame",
        _survey_header_score(survey_map),
        survey_map.header_row if survey_map is not None else None,
        defer_formulas=True,  # only the columns read matter (a comments column may hold some)
    )
    fac_table = None
    if facilitators is not None:
        fac_table, fac_problems = _load_or_problems(
            facilitators, facilitators_sheet, "facilitators DataFrame", facilitator_header_score
        )
        problems += fac_problems
    parsed = None
    if table is not None and survey_map is not None:  # leave_out_rows: the survey's rows
        survey_rows = row_id_prefix == "R"  # not late additions' (their own prefix)
        table, survey_map, left_out = survey_map.applied_to(table, survey=survey_rows)
        problems += left_out
    if table is not None:
        parsed = _parse_survey(table, survey_map, row_id_prefix)
        problems += parsed.problems
    facilitator_models: list[Facilitator] = []
    fac_warnings: list[InputProblem] = []
    if fac_table is not None:
        facilitator_models, fac_problems, fac_warnings = parse_facilitator_table(
            fac_table,
            themes=parsed.themes if parsed else None,
            authorities=[u.authority for u in parsed.units.values()] if parsed else None,
            authority_names=survey_map.authority_names if survey_map is not None else None,
        )
        problems += fac_problems
    if problems or parsed is None or table is None:
        raise InvalidInputError(in_row_order(problems))
    warnings = [*parsed.warnings, *fac_warnings]
    cohort = _build_cohort(parsed, table.file, facilitator_models)
    cohort = cohort.model_copy(update={"reading_notes": tuple(str(w) for w in warnings)})
    return SurveyReading(cohort, warnings)


def read_cohort(
    survey: TableSource,
    facilitators: TableSource | None = None,
    *,
    sheet: str | None = None,
    mapping: MappingSource = None,
) -> Cohort:
    """Read a survey (and optionally facilitators) into a Cohort; ``read_survey`` also
    returns the warnings."""
    return read_survey(survey, facilitators, sheet=sheet, mapping=mapping).cohort


def cohort_from_dataframe(
    survey_df: pd.DataFrame,
    facilitators: pd.DataFrame | None = None,
    *,
    mapping: MappingSource = None,
) -> Cohort:
    """A Cohort from DataFrames shaped like the survey (and facilitators) table."""
    return read_survey(survey_df, facilitators, mapping=mapping).cohort


register_readers(read_cohort=read_cohort, cohort_from_dataframe=cohort_from_dataframe)
