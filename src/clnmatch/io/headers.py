"""The survey's columns, and how an export's headers are recognised as them.

A Microsoft Forms or Google Forms export names its columns after the questions ("Which
local authority is it in?", "Name of your school or early learning centre"), may put a
title row or a merged group header above the real header, and asks about themes in
shapes such as ``How interested are you in X?`` or ``Rate your interest [X]``.

``guess_column`` matches a header loosely to a contract column by its words (small
words such as "your", "which", "of" are left out; a header with more words than the
match scores lower), for the ``clnmatch map`` draft and for finding the header row;
the reader itself only takes headers that are the contract's names or that a mapping
names. ``header_score`` counts how many cells of a row look like headers, so the
header is found below title rows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from clnmatch.io.tables import normalise_header, theme_name

__all__ = [
    "SURVEY_REQUIRED",
    "SURVEY_OPTIONAL",
    "SURVEY_COLUMNS",
    "DERIVABLE_COLUMNS",
    "FORM_METADATA",
    "guess_column",
    "header_words",
    "header_score",
    "is_form_metadata",
    "flat_header",
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
SURVEY_OPTIONAL = ("job_title", "simd_quintile", "latitude", "longitude", "email")
#: Every column a survey (or a mapping's [columns]) may name.
SURVEY_COLUMNS = (*SURVEY_REQUIRED, *SURVEY_OPTIONAL)
#: Required columns that may be left out as a whole: ids are then derived (section 10).
DERIVABLE_COLUMNS = ("practitioner_id", "establishment_id")

#: Columns a form adds by itself; never a survey column.
FORM_METADATA = frozenset(
    {
        "start time",
        "completion time",
        "last modified time",
        "timestamp",
        "submitted at",
        "submission date",
        "date submitted",
        "response date",
        "total points",
        "quiz feedback",
        "points",
        "feedback",
    }
)

_SMALL_WORDS = frozenset(
    {"a", "an", "and", "are", "at", "do", "does", "enter", "for", "from", "give", "in", "is"}
    | {"it", "of", "on", "or", "please", "s", "the", "this", "to", "type", "what", "which"}
    | {"who", "you", "your"}
)

# Per column: word sets any one of which, all present in a header, names the column;
# and words that rule the column out (a school's name is not a person's name).
_PLACE_WORDS = {"school", "establishment", "centre", "center", "nursery", "setting", "elc"}
_COLUMN_WORDS: dict[str, tuple[list[set[str]], set[str]]] = {
    "practitioner_id": (
        [
            {"practitioner", "id"},
            {"staff", "id"},
            {"respondent", "id"},
            {"response", "id"},
            {"id"},
            {"employee", "number"},
            {"payroll", "number"},
        ],
        _PLACE_WORDS | {"email", "seed"},
    ),
    "name": (
        [
            {"name"},
            {"full", "name"},
            {"practitioner", "name"},
            {"participant", "name"},
            {"first", "last", "name"},
        ],
        _PLACE_WORDS | {"authority", "council", "file", "user", "id", "email", "job"},
    ),
    "establishment_id": (
        [
            {"establishment", "id"},
            {"school", "id"},
            {"seed", "code"},
            {"seedcode"},
            {"school", "code"},
            {"centre", "code"},
            {"establishment", "code"},
        ],
        {"authority"},
    ),
    "establishment_name": (
        [{word} for word in _PLACE_WORDS],
        {"id", "code", "seed", "type", "sector", "authority", "council", "stage", "role", "email"},
    ),
    "authority": (
        [{"authority"}, {"council"}, {"la"}, {"local", "authority"}],
        {"email", "id"},
    ),
    "sector": (
        [
            {"sector"},
            {"establishment", "type"},
            {"school", "type"},
            {"setting", "type"},
            {"type", "establishment"},
        ],
        {"email"},
    ),
    "role": (
        [{"role"}, {"position"}, {"post"}, {"promoted", "practitioner"}],
        {"title", "time", "email", "name"},
    ),
    "job_title": (
        [{"job", "title"}, {"title"}, {"designation"}, {"job"}],
        {"email", "name"},
    ),
    "email": ([{"email"}, {"e", "mail"}, {"mail"}], set()),
    "simd_quintile": ([{"simd"}], set()),
    "latitude": ([{"latitude"}, {"lat"}], set()),
    "longitude": ([{"longitude"}, {"lon"}, {"lng"}, {"long"}], set()),
}
# these short words count only as the whole header ("Long" yes, "How long ..." no)
_WHOLE_HEADER_ONLY = {"latitude": {"lat"}, "longitude": {"lon", "lng", "long"}}


def flat_header(header: str) -> str:
    """A header on one line: runs of white space (line breaks too) as one space."""
    return re.sub(r"\s+", " ", header).strip()


def header_words(header: str) -> list[str]:
    """The words of a header that carry meaning, lower case ("Your e-mail?" -> e, mail)."""
    words = re.findall(r"[a-z0-9]+", header.casefold())
    return [w for w in words if w not in _SMALL_WORDS]


def is_form_metadata(header: str) -> bool:
    """True for the columns a form adds itself (start time, timestamp, ...)."""
    return " ".join(header_words(header)) in FORM_METADATA


def guess_column(header: str) -> tuple[str, float] | None:
    """The contract column a header most likely is, and how sure (0-1], or None.

    1.0 means the header is the column's name (case, spaces and '_' aside); less means
    the header has words besides the match ("Name of your school" -> establishment_name,
    0.5).
    """
    key = normalise_header(header)
    if key in {normalise_header(c) for c in SURVEY_COLUMNS}:
        return next(c for c in SURVEY_COLUMNS if normalise_header(c) == key), 1.0
    if theme_name(header) is not None or is_form_metadata(header):
        return None
    words = header_words(header)
    if not words:
        return None
    present = set(words)
    best: tuple[str, float] | None = None
    for column, (alternatives, excluded) in _COLUMN_WORDS.items():
        if present & excluded:
            continue
        for wanted in alternatives:
            if not wanted <= present:
                continue
            if wanted <= _WHOLE_HEADER_ONLY.get(column, set()) and len(present) > 1:
                continue
            score = len(wanted) / len(present)
            if best is None or score > best[1]:
                best = (column, score)
    return best


def header_score(
    cells: Sequence[str],
    names: Collection[str] = (),
    pattern: re.Pattern[str] | None = None,
) -> int:
    """How many cells of a row look like a survey's headers (to find the header row).

    ``names``: more headers that count (a mapping's), compared as ``normalise_header``
    does; ``pattern``: a mapping's theme pattern.
    """
    wanted = {normalise_header(n) for n in names}
    score = 0
    for cell in cells:
        if not cell:
            continue
        flat = flat_header(cell)
        if (
            normalise_header(cell) in wanted
            or theme_name(cell) is not None
            or (pattern is not None and pattern.fullmatch(flat))
            or guess_column(cell) is not None
            or is_form_metadata(cell)
        ):
            score += 1
    return score
