"""How to read a survey export whose headers and words are not clnmatch's (contract 10).

A ``SurveyMapping`` says which header of the export holds each survey column
([columns]), which headers are interest ratings and what each theme is called
([themes]: a ``pattern`` whose group 1 is the theme's name, or a list of ``columns``),
the rating words and what each counts as ([scale], replacing the built-in scale), and
extra words for roles, sectors and authorities ([roles], [sectors], [authorities]), and
the name to use for an establishment typed several ways ([establishments], where the
export has no establishment ids and tells establishments apart by their names).
``leave_out_rows`` lists rows of the export not to read (a second answer of one person).
``header_row`` fixes the header's row when the search for it guesses wrong, and
``sheet`` names the workbook's sheet of responses when it is not the first (``--sheet``
given to a command wins).

It is usually a TOML file drafted by ``clnmatch map`` and checked by the lead officer;
from Python it can also be a dict or built directly. Every problem in it is reported
at once, each naming the file and the key (``map.toml: expected key 'scale."Very"'
...``), so the user can fix the file without guessing.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.headers import SURVEY_COLUMNS, flat_header
from clnmatch.io.identity import name_key, person_key, standard_authority
from clnmatch.io.layout import Row, Table
from clnmatch.io.tables import headed, header_labels, normalise_header
from clnmatch.models import RATING_MAX, RATING_MIN, Role, Sector, authority_key, word_key

__all__ = [
    "MappingSource",
    "SurveyMapping",
    "ThemeColumns",
    "load_mapping",
    "fold_rating_word",
    "use_names",
]

_TOP_KEYS = ("leave_out_rows", "unused_columns", "header_row", "sheet")  # keys, not [sections]
_SECTIONS = (
    "columns", "themes", "scale", "roles", "sectors", "authorities", "establishments",
    *_TOP_KEYS,
)  # fmt: skip


def use_names(cell: dict[str, str], mapping: SurveyMapping | None) -> None:
    """A row's authority and establishment name as ``mapping``'s [authorities] and
    [establishments] name them (a spelling not listed stays as typed), the eight
    authorities spelled as they are ("GLASGOW CITY" -> "Glasgow City")."""
    authority, school = cell.get("authority"), cell.get("establishment_name")
    if mapping is not None and authority:
        authority = mapping.authority_names.get(authority_key(authority), authority)
    if mapping is not None and school:
        cell["establishment_name"] = mapping.establishment_names.get(name_key(school), school)
    if authority:
        cell["authority"] = standard_authority(authority)


def fold_rating_word(text: str) -> str:
    """The key rating words are compared by: case-folded, spaces collapsed, no final '.' '!'."""
    return re.sub(r"\s+", " ", text).strip().casefold().rstrip(".!").strip()


class ThemeColumns(BaseModel):
    """Which headers are interest ratings: those ``pattern`` matches (whole header, any
    case; group 1, if any, is the theme's name) and those listed in ``columns`` (the
    header is the theme's name; "Literacy #2" is the second column headed "Literacy",
    for an export where two questions rate the same themes). ``theme:<Name>`` headers
    always are."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str | None = None
    columns: tuple[str, ...] = ()

    def compiled(self) -> re.Pattern[str] | None:
        return None if self.pattern is None else re.compile(self.pattern, re.IGNORECASE)

    def pattern_theme(self, header: str) -> str | None:
        """The theme ``pattern`` finds in a header, or None ("" if the name is empty)."""
        pattern = self.compiled()
        flat = flat_header(header)
        match = pattern.fullmatch(flat) if pattern is not None else None
        if match is None:
            return None
        if match.re.groups == 0:
            return flat
        return (match.group(1) or "").strip()


class SurveyMapping(BaseModel):
    """A survey export's own headers and words (contract section 10); see the module."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # survey column -> export header; a name may be several (first name, surname), joined
    columns: dict[str, str | tuple[str, ...]] = Field(default_factory=dict)
    themes: ThemeColumns = Field(default_factory=ThemeColumns)
    scale: dict[str, int] | None = None  # rating word -> 0..5; replaces the built-in scale
    roles: dict[Role, tuple[str, ...]] = Field(default_factory=dict)
    sectors: dict[Sector, tuple[str, ...]] = Field(default_factory=dict)
    authorities: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # name -> spellings
    establishments: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # the same
    header_row: int | None = Field(default=None, ge=1)
    sheet: str | None = None  # the workbook's sheet of responses (default: the first)
    leave_out_rows: tuple[int, ...] = ()  # rows of the export not read (as it numbers them)
    unused_columns: tuple[str, ...] = ()  # headers nothing reads: not warned of on every read
    _source: str = PrivateAttr(default="mapping")

    @property
    def source(self) -> str:
        """How messages name the mapping: its file's name, or 'mapping'."""
        return self._source

    @property
    def role_words(self) -> dict[str, Role]:
        """Extra role words, keyed as ``Role.parse`` compares them."""
        return {word_key(w): role for role, words in self.roles.items() for w in words}

    @property
    def sector_words(self) -> dict[str, Sector]:
        """Extra sector words, keyed as ``Sector.parse`` compares them."""
        return {word_key(w): sector for sector, words in self.sectors.items() for w in words}

    @functools.cached_property  # read for every row: made once
    def authority_names(self) -> dict[str, str]:
        """Authority key of a spelling -> the name to use instead."""
        return {
            authority_key(spelling): name
            for name, spellings in self.authorities.items()
            for spelling in spellings
        }

    @functools.cached_property
    def establishment_names(self) -> dict[str, str]:
        """Name key of a spelling (``identity.name_key``) -> the establishment name to use."""
        return {
            name_key(spelling): name
            for name, spellings in self.establishments.items()
            for spelling in spellings
        }

    @property
    def scale_words(self) -> dict[str, int] | None:
        """The [scale] keyed by ``fold_rating_word``, or None for the built-in scale."""
        if self.scale is None:
            return None
        return {fold_rating_word(word): rating for word, rating in self.scale.items()}

    def unused_in(self, table: Table) -> set[int]:
        """The columns of ``table`` that ``unused_columns`` names (read without a warning)."""
        wanted = {normalise_header(h) for h in self.unused_columns}  # "Name #2" as labelled
        labels = header_labels(table.headers)
        return {
            i
            for i, (header, label) in enumerate(zip(table.headers, labels, strict=True))
            if normalise_header(header) in wanted or normalise_header(label) in wanted
        }

    def _spellings_unused(self, table: Table) -> list[InputProblem]:
        """Warnings for [establishments] spellings no row of ``table`` gives (a slip in
        the mapping: its line changes nothing)."""
        header = self.columns.get("establishment_name", "establishment_name")
        column = headed(table.headers, header) if isinstance(header, str) else []
        if not self.establishments or len(column) != 1:
            return []
        given = {name_key(row.values[column[0]]) for row in table.rows}
        return [
            InputProblem(
                file=self.source,
                expected=f"key 'establishments.\"{name}\"' to list spellings of the export; "
                f"no row of {table.file} gives '{spelling}' (a slip? unless a file of late "
                "additions gives it, the line changes nothing)",
            )
            for name, spellings in self.establishments.items()
            for spelling in spellings
            if name_key(spelling) not in given
        ]

    def _shifted(self, table: Table, gone: set[int]) -> list[InputProblem]:
        """A problem when the rows left out repeat nobody while one person's answers are
        read twice: the export was downloaded again after an answer above them was deleted,
        so the rows moved up and the numbers name other people (each person by e-mail and
        name, as ``clnmatch map`` found the repeats)."""
        email = headed(table.headers, str(self.columns.get("email", "email")))
        name = self.columns.get("name", "name")
        names = [headed(table.headers, h) for h in ([name] if isinstance(name, str) else name)]
        if len(email) != 1 or any(len(n) != 1 for n in names):
            return []
        rows_of: dict[tuple[str, str], list[int]] = {}
        for row in table.rows:
            address = row.values[email[0]].strip().casefold()
            person = person_key(" ".join(row.values[n[0]] for n in names))
            if address and person:
                rows_of.setdefault((address, person), []).append(row.number)
        # left out, and none of that person's answers read: their place on the teams is lost
        alone = sorted(n for rows in rows_of.values() if set(rows) <= gone for n in rows)
        twice = [r for r in rows_of.values() if len([n for n in r if n not in gone]) > 1]
        earlier = {n for rows in twice for n in rows[:-1] if n not in gone}
        # a shift: every row left out that repeats nobody is d rows below an earlier answer
        # read twice (rows deleted above move the rest up); a test row left out on purpose,
        # beside someone answering twice, is no shift
        shift = next(
            (d for d in range(1, 10) if alone and all(n - d in earlier for n in alone)), None
        )
        if shift is None:
            return []
        now = sorted(
            (gone & {r.number for r in table.rows}) - set(alone) | {n - shift for n in alone}
        )
        return [
            InputProblem(
                file=self.source,
                expected=f"key 'leave_out_rows' to name the earlier answers of people who "
                f"answered twice; row(s) {', '.join(map(str, alone))} of {table.file} repeat "
                f"nobody now, and {shift} row(s) above each is an answer read twice: was "
                f"the export downloaded again after {shift} answer(s) above them were deleted? "
                f"(the rows below move up). leave_out_rows = {now} leaves out the same answers "
                "now",
            )
        ]

    def _which(self, table: Table, number: int) -> str:
        """A left-out row told by its id and school (no person's name), so a row number
        that now holds another answer (one deleted above it since) shows: " (ID 12, at
        Lairdsland Primary)"."""
        row = next(r for r in table.rows if r.number == number)
        parts = []
        for column, how in (
            ("practitioner_id", "{header} {value}"),
            ("establishment_name", "at {value}"),
        ):
            header = self.columns.get(column, column)
            found = headed(table.headers, header) if isinstance(header, str) else []
            value = row.values[found[0]].strip() if len(found) == 1 else ""
            if value and "@" not in value:  # an id may be an e-mail: never printed
                parts.append(how.format(header=table.headers[found[0]], value=value))
        return f" ({', '.join(parts)})" if parts else ""

    def applied_to(
        self, table: Table, *, survey: bool = True
    ) -> tuple[Table, SurveyMapping, list[InputProblem]]:
        """``table`` as this mapping reads it: without the rows ``leave_out_rows`` names
        (only in the ``survey`` export, whose rows they number: not in late additions), each
        said in a warning, and with one name column made of those ``columns.name`` lists
        (first name and surname, joined by a space); the mapping to read it with; the
        problems (a row named that holds no answer, or every row named)."""
        gone = set(self.leave_out_rows) if survey else set()
        held = [r.number for r in table.rows]
        span = f"{min(held, default=0)}-{max(held, default=0)} in {table.file}"
        problems = [
            InputProblem(
                file=self.source,
                expected=f"key 'leave_out_rows' to name rows holding answers ({span}); row {n} "
                "holds none",
            )
            for n in sorted(gone - set(held))
        ]
        if held and set(held) <= gone:
            problems.append(
                InputProblem(
                    file=self.source,
                    expected=f"key 'leave_out_rows' to leave some answers; it names every one ({span})",
                )
            )
        elif gone & set(held):
            problems += self._shifted(table, gone)
            said = [  # a row deleted from the export since shifts the rows after it: say which
                table.problem(
                    f"to be read, but leave_out_rows of {self.source} leaves it out"
                    f"{self._which(table, n)}",
                    row=n,
                )
                for n in sorted(gone & set(held))
            ]
            table = replace(
                table,
                rows=tuple(r for r in table.rows if r.number not in gone),
                garbled=tuple(g for g in table.garbled if g[0] not in gone),
                uncalculated=tuple(
                    (c, tuple(r for r in rows if r not in gone)) for c, rows in table.uncalculated
                ),
                warnings=(*table.warnings, *said),
            )
        if survey:
            table = replace(table, warnings=(*table.warnings, *self._spellings_unused(table)))
        parts = self.columns.get("name")
        if isinstance(parts, str) or parts is None:
            return table, self, problems
        found = [headed(table.headers, header) for header in parts]
        missing = [h for h, hits in zip(parts, found, strict=True) if len(hits) != 1]
        if missing:  # said as any header not found is (``columns._mapped_columns``)
            named = {**self.columns, "name": missing[0]}
            return table, self.model_copy(update={"columns": named}), problems
        # the first part's column holds the whole name; the others are emptied (read)
        first, *rest = (hits[0] for hits in found)
        rows = []
        for r in table.rows:
            values = list(r.values)
            values[first] = " ".join(v for v in (r.values[i].strip() for i in (first, *rest)) if v)
            for i in rest:
                values[i] = ""
            rows.append(Row(r.number, tuple(values)))
        headers = tuple("" if i in rest else h for i, h in enumerate(table.headers))
        table = replace(table, headers=headers, rows=tuple(rows))
        return (
            table,
            self.model_copy(update={"columns": {**self.columns, "name": parts[0]}}),
            problems,
        )

    def headers(self) -> list[str]:
        """Every export header the mapping names (to find the header row)."""
        named = [(h,) if isinstance(h, str) else h for h in self.columns.values()]
        return [*(h for headers in named for h in headers), *self.themes.columns]

    # --- loading -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "mapping") -> SurveyMapping:
        """A mapping from TOML-shaped data; raises InvalidInputError naming each bad key."""
        problems = _check(data, source)
        if problems:
            raise InvalidInputError(problems)
        clean = dict(data)
        for section in ("roles", "sectors", "authorities"):
            if section in clean:
                clean[section] = {
                    (Sector.parse(k) if section == "sectors" else k): _as_list(v)
                    for k, v in clean[section].items()
                }
        mapping = cls.model_validate(clean)
        mapping._source = source
        return mapping

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> SurveyMapping:
        """Read a mapping TOML file; problems name the file and the key."""
        file = Path(path).name or str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InvalidInputError(
                [InputProblem(file=str(path), expected="an existing mapping file (TOML)")]
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                [InputProblem(file=str(path), expected=f"a readable UTF-8 TOML file ({exc})")]
            ) from None
        return cls.from_toml_text(text, file)

    @classmethod
    def from_toml_text(cls, text: str, file: str) -> SurveyMapping:
        """A mapping from a TOML file's text (a result keeps it: ``SURVEY_MAPPING``);
        problems name ``file`` and the key."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            hint = ""
            if "escape" in str(exc).casefold() or "\\" in str(exc):
                hint = (
                    "; inside double quotes a backslash must be doubled ('\\\\?'), "
                    "or put a pattern in single quotes: pattern = 'How interested are you "
                    "in (.+)\\?'"
                )
            raise InvalidInputError(
                [InputProblem(file=file, expected=f"a valid TOML file ({exc}){hint}")]
            ) from None
        return cls.from_dict(data, source=file)


MappingSource = SurveyMapping | str | os.PathLike[str] | Mapping[str, Any] | None


def mapping_to_keep(path: str | os.PathLike[str] | None) -> dict[str, str] | None:
    """A mapping file as a result keeps it in its summary.json (``SURVEY_MAPPING``);
    None without one, or one that cannot be read (reading the survey said why)."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return {"file": Path(path).name, "toml": text}


def load_mapping(mapping: MappingSource) -> SurveyMapping | None:
    """A SurveyMapping from itself, a TOML file's path, or a dict; None stays None."""
    if mapping is None or isinstance(mapping, SurveyMapping):
        return mapping
    if isinstance(mapping, str | os.PathLike):
        return SurveyMapping.from_toml(mapping)
    if isinstance(mapping, Mapping):
        return SurveyMapping.from_dict(mapping)
    raise InvalidParameterError.for_value(
        "mapping",
        "read_survey",
        "a SurveyMapping, the path of a TOML mapping file, a dict, or None",
        type(mapping).__name__,
    )


# --- checking ------------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def _key(*parts: str) -> str:
    """A TOML key path as the user would write it: scale."Very interested"."""
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else f'"{p}"' for p in parts)


def _close(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, 1, 0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check(data: Mapping[str, Any], source: str) -> list[InputProblem]:
    """Every problem of a mapping's data, each naming the key."""
    problems: list[InputProblem] = []

    def bad(key: str, expected: str, got: object = None) -> None:
        value = None if got is None or isinstance(got, dict | list) else str(got)
        problems.append(InputProblem(file=source, expected=f"key '{key}' {expected}", value=value))

    def table(name: str) -> dict[str, Any] | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            bad(name, f"to be a table ([{name}] with its lines below it)", value)
            return None
        for key in set(value) & set(_TOP_KEYS):  # written below a [section], so read into it
            bad(
                _key(name, key),
                "to be written at the top of the mapping, above every [section]: a line below "
                f"[{name}] is read as part of it (move the line up)",
            )
        return {k: v for k, v in value.items() if k not in _TOP_KEYS}

    if not isinstance(data, Mapping):
        return [InputProblem(file=source, expected="a mapping: a table of sections")]
    for name in data:
        if name not in _SECTIONS:
            sections = ", ".join(f"[{s}]" for s in _SECTIONS if s not in _TOP_KEYS)
            bad(
                name,
                f"to be one of the sections {sections}, or {', '.join(_TOP_KEYS[:-1])} or "
                f"{_TOP_KEYS[-1]}"
                f"{_close(name, list(_SECTIONS))}",
            )

    columns = table("columns") or {}
    seen_headers: dict[str, str] = {}
    for column, header in columns.items():
        headers = header if column == "name" and isinstance(header, list) else [header]
        if column not in SURVEY_COLUMNS:
            bad(
                _key("columns", column),
                f"to name a survey column: {', '.join(SURVEY_COLUMNS)}"
                f"{_close(column, list(SURVEY_COLUMNS))}",
            )
        elif isinstance(header, list) and (len(headers) < 2 or not _words_ok(headers)):
            bad(
                _key("columns", column),
                "to be the export's header in quotes, or (a name asked in parts) a list of "
                'two or more headers: ["First name", "Surname"]',
                header,
            )
        elif not all(isinstance(h, str) and h.strip() for h in headers):
            bad(_key("columns", column), "to be the export's header, in quotes", header)
        else:
            for h in headers:  # a header taken twice, by two columns or by one name's parts
                if normalise_header(h) in seen_headers:
                    taker = seen_headers[normalise_header(h)]
                    bad(
                        _key("columns", column),
                        f"to name a header no other column takes; '{taker}' takes it too",
                        h,
                    )
                seen_headers[normalise_header(h)] = column

    themes = table("themes") or {}
    for name, value in themes.items():
        key = _key("themes", name)
        if name == "pattern":
            if not isinstance(value, str) or not value.strip():
                bad(key, "to be a regular expression in quotes", value)
                continue
            try:
                compiled = re.compile(value, re.IGNORECASE)
            except re.error as exc:
                bad(key, f"to be a valid regular expression ({exc})", value)
                continue
            if compiled.groups > 1 and "(?:" not in value:
                bad(
                    key,
                    "to have one group ( ) around the theme's name; use (?: ) for other groups",
                    value,
                )
        elif name == "columns":
            if not isinstance(value, list) or not all(
                isinstance(v, str) and v.strip() for v in value
            ):
                bad(key, 'to be a list of headers: ["Literacy", "Numeracy"]', value)
        else:
            bad(key, f"to be 'pattern' or 'columns'{_close(name, ['pattern', 'columns'])}")

    scale = table("scale")
    if scale is not None:
        folded: dict[str, tuple[str, object]] = {}
        for word, rating in scale.items():
            key = _key("scale", word)
            if not fold_rating_word(word):
                bad(key, "to be a rating word, not blank")
            elif not _is_rating(rating):
                bad(key, f"to be a whole number {RATING_MIN}-{RATING_MAX}", rating)
            other = folded.get(fold_rating_word(word))
            if other is not None and other[1] != rating:
                bad(key, f"to agree with '{other[0]}', the same word in another case", rating)
            folded.setdefault(fold_rating_word(word), (word, rating))
        if len(scale) < 2:
            bad("scale", "to list at least 2 rating words, each with its rating 0-5")

    roles = table("roles") or {}
    seen_roles: dict[str, str] = {}
    for role, words in roles.items():
        key = _key("roles", role)
        if role not in {r.value for r in Role}:
            bad(key, f"to be 'promoted' or 'practitioner'{_close(role, [r.value for r in Role])}")
        elif not _words_ok(words):
            bad(key, 'to be a list of words: ["Acting Depute", "Senior CDO"]', words)
        else:
            for word in _as_list(words):
                if seen_roles.get(word_key(word), role) != role:
                    bad(
                        key, f"not to list '{word}', which roles.{seen_roles[word_key(word)]} lists"
                    )
                seen_roles[word_key(word)] = role

    sectors = table("sectors") or {}
    names = [s.value for s in Sector]
    for sector, words in sectors.items():
        key = _key("sectors", sector)
        if sector not in names and sector.casefold() not in {n.casefold() for n in names}:
            bad(key, f"to be one of {', '.join(names)}{_close(sector, names)}")
        elif not _words_ok(words):
            bad(key, 'to be a list of words: ["Early Learning and Childcare Centre"]', words)

    for section, what, example, spelled in (
        ("authorities", "authority", "Glasgow", authority_key),
        ("establishments", "establishment", "Dargavel PS", name_key),
    ):
        seen_spellings: dict[str, str] = {}
        for name, spellings in (table(section) or {}).items():
            key = _key(section, name)
            if not name.strip():
                bad(key, f"to be the {what}'s name to use, not blank")
            elif not _words_ok(spellings):
                bad(key, f'to be a list of the spellings in the export: ["{example}"]', spellings)
            else:
                for spelling in _as_list(spellings):
                    earlier = seen_spellings.get(spelled(spelling))
                    if earlier is not None and earlier != name:
                        bad(key, f"not to list '{spelling}', which {section}.\"{earlier}\" lists")
                    seen_spellings[spelled(spelling)] = name

    header_row = data.get("header_row")
    if header_row is not None and (
        isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1
    ):
        bad(
            "header_row",
            "to be the header's row number as the spreadsheet shows it (1, 2, ...)",
            header_row,
        )
    rows = data.get("leave_out_rows", [])
    if not isinstance(rows, list) or not all(
        isinstance(r, int) and not isinstance(r, bool) and r >= 1 for r in rows
    ):
        bad(
            "leave_out_rows",
            "to be a list of row numbers as the spreadsheet shows them: [14]",
            rows,
        )
    unused = data.get("unused_columns", [])
    if not isinstance(unused, list) or not all(isinstance(h, str) for h in unused):
        bad("unused_columns", 'to be a list of headers: ["Start time", "Comments"]', unused)
    sheet = data.get("sheet")
    if sheet is not None and not (isinstance(sheet, str) and sheet.strip()):
        bad("sheet", "to be the name of the workbook's sheet of responses", sheet)
    return problems


def _words_ok(words: Any) -> bool:
    if isinstance(words, str):
        return bool(words.strip())
    return isinstance(words, list) and all(isinstance(w, str) and w.strip() for w in words)


def _is_rating(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and RATING_MIN <= value <= RATING_MAX
    )
