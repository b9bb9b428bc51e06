"""Draft a survey mapping from an export, for the lead officer to check (``clnmatch map``).

The draft is a guess made in the open: every line says what it was found from, and
what is unsure is marked ``CHECK`` (or left commented out when clnmatch cannot place
it, so reading fails naming it rather than guessing). It finds:

* the header row (below title rows), and each survey column by its header's words
  ("Which local authority is it in?" -> ``authority``), helped by the data where two
  headers compete (an email column holds '@');
* the theme columns: columns whose answers look like ratings (a few distinct words of
  interest, or small numbers), their shared question shape turned into a ``pattern``
  ("How interested are you in (.+)\\?", "Rate your interest \\[(.+)\\]") or else listed;
* the rating words found, ordered by a known scale when they fit one (the six-level
  "Not at all interested" .. "Extremely interested" becomes 0..5), else by their words
  (CHECK), numbers beyond 5 spread over 0-5 (CHECK);
* job titles, sector words and authority spellings clnmatch does not know, placed
  where their words suggest (CHECK) or listed for the user to place.

The draft names no person: it lists headers and the words of the rating, role, sector
and authority columns only.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clnmatch.errors import InvalidInputError
from clnmatch.io.draft_scale import answer_words, draft_scale, looks_like_ratings
from clnmatch.io.headers import (
    DERIVABLE_COLUMNS,
    SURVEY_COLUMNS,
    SURVEY_REQUIRED,
    flat_header,
    guess_column,
    header_score,
    is_form_metadata,
)
from clnmatch.io.identity import (
    EMAIL,
    WEST_PARTNERSHIP,
    LookAlike,
    answered_again,
    closest_authority,
    look_alike_names,
)
from clnmatch.io.mapping import fold_rating_word
from clnmatch.io.tables import (
    Table,
    header_labels,
    load_table,
    normalise_header,
    sheet_names,
    source_label,
    theme_name,
)
from clnmatch.models import Role, Sector, authority_key

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MappingDraft", "draft_mapping"]

_PROMOTED_WORDS = {"head", "depute", "deputy", "principal", "senior", "lead", "manager"} | {
    "leader",
    "leadership",
    "headteacher",
    "dht",
    "ht",
    "pt",
    "slt",
    "director",
}
_PRACTITIONER_WORDS = {"teacher", "practitioner", "officer", "worker", "assistant", "nurse"} | {
    "educator",
    "probationer",
    "eyp",
    "cdo",
    "keyworker",
    "childcare",
}
_SECTOR_WORDS: dict[Sector, set[str]] = {
    Sector.ELC: {"nursery", "early", "elc", "childcare", "ey", "preschool", "family"},
    Sector.PRIMARY: {"primary", "ps"},
    Sector.SECONDARY: {"secondary", "high", "academy", "hs"},
    Sector.SPECIAL: {"asn", "special", "additional", "needs", "sen", "asl"},
}
_ENOUGH_TO_COMPARE = 20  # answers in a column before its words are compared with the others'


@dataclass
class MappingDraft:
    """What ``draft_mapping`` found; ``render_draft`` writes it as commented TOML."""

    file: str
    sheet: str | None
    sheet_kept: bool  # not the workbook's first sheet: the mapping names it
    sheet_note: str  # why this sheet, when map chose it among several
    header_row: int
    header_moved: bool
    rows: int
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> header, note
    missing: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    theme_headers: list[str] = field(default_factory=list)
    theme_pattern: str | None = None
    theme_prefixed: int = 0  # headers already 'theme:<Name>'
    # columns of a second question rating the same themes (headers repeat): not used
    later_question: list[str] = field(default_factory=list)
    scale: list[tuple[str, int | None, str]] = field(default_factory=list)  # word, rating, note
    scale_note: str = ""
    roles: dict[Role, list[tuple[str, str]]] = field(default_factory=dict)
    sectors: dict[Sector, list[tuple[str, str]]] = field(default_factory=dict)
    unplaced: dict[str, list[str]] = field(default_factory=dict)  # section -> words
    authorities: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    other_authorities: list[str] = field(default_factory=list)
    # establishment names: each first one with its look-alike spellings
    look_alikes: list[LookAlike] = field(default_factory=list)
    name_parts: list[str] = field(default_factory=list)  # first name and surname headers
    # rows whose e-mail a later row gives again: row -> (the later row, with the same name:
    # one person answering twice, else perhaps a shared office address)
    answered_again: dict[int, tuple[int, bool]] = field(default_factory=dict)


# --- finding ---------------------------------------------------------------------------
def _first_question(table: Table, candidates: list[int]) -> tuple[list[int], list[int]]:
    """Theme columns as (used, not used): where two questions rate the same themes (a
    form exports each statement's header again), the first question's columns are used."""
    first: dict[str, int] = {}
    for i in candidates:
        first.setdefault(normalise_header(table.headers[i]), i)
    used = sorted(first.values())
    return used, [i for i in candidates if i not in used]


def _values(table: Table, column: int) -> list[str]:
    return [row.values[column] for row in table.rows if row.values[column]]


def _without_strays(table: Table, candidates: list[int]) -> list[int]:
    """The theme columns less any answered in other words than the rest, or by few people:
    a comments column ("No", "None", "Very keen!") reads like ratings on its own, and taken
    for a theme it would shift the scale of every theme (its words fit no known scale)."""
    if len(candidates) < 3:
        return candidates
    words = {i: Counter(fold_rating_word(v) for v in _values(table, i)) for i in candidates}
    answered = sorted(sum(w.values()) for w in words.values())
    typical = answered[len(answered) // 2]
    kept = []
    for i in candidates:
        count = sum(words[i].values())
        others = set().union(*(set(w) for j, w in words.items() if j != i))
        shared = sum(c for word, c in words[i].items() if word in others)
        # a column nobody answered yet stays (found by its group label); words are compared
        # only on enough answers (a few rows may use different words of one scale)
        few = 0 < count < 0.5 * typical
        apart = count >= _ENOUGH_TO_COMPARE and shared < 0.5 * count
        if not (few or apart):
            kept.append(i)
    return kept if len(kept) >= 2 else candidates


def _same_scale(table: Table, eligible: list[int], candidates: list[int]) -> list[int]:
    """More theme columns, found by sharing a scale: columns answered nearly all in the
    rating columns' words though too few of them are known words of interest ('Essential'
    beside 'High priority'); failing two rating columns, the most columns (three or more)
    asking one question of different things in one small set of words none of which may be
    known ('Essential', 'Desirable', 'Optional')."""
    scale_words = frozenset(fold_rating_word(v) for i in candidates for v in _values(table, i))
    rest = [i for i in eligible if i not in candidates]
    more = [i for i in rest if scale_words and looks_like_ratings(_values(table, i), scale_words)]
    if len(candidates) + len(more) >= 2:
        return more
    words = {i: w for i in rest if (w := answer_words(_values(table, i))) is not None}
    best: list[int] = []
    for own in words.values():
        family = [j for j, other in words.items() if len(own & other) >= 0.5 * len(own | other)]
        if len(family) > max(2, len(best)) and _pattern_for([table.headers[j] for j in family]):
            best = family
    return best


def _pattern_for(headers: Sequence[str]) -> str | None:
    """A pattern matching exactly these headers, group 1 the part that differs, or None."""
    if len(headers) < 2:
        return None
    flat = [flat_header(h) for h in headers]
    prefix = os.path.commonprefix(flat)
    suffix = os.path.commonprefix([h[::-1] for h in flat])[::-1]
    # keep whole words: cut back to a space, bracket or stop so no theme loses letters
    # (Microsoft Forms heads a grid's columns "Question?.Statement")
    prefix = prefix[: max(prefix.rfind(c) for c in " [(:-.?") + 1] if prefix else ""
    cut = [i for i, c in enumerate(suffix) if c in " ])?:"]
    suffix = suffix[cut[0] :] if cut else ""
    if len(prefix.strip()) < 3 and len(suffix.strip(" ?)]:.")) < 3:
        return None  # "(.+)\\?" alone would take any question for a theme
    if any(len(h) <= len(prefix) + len(suffix) for h in flat):
        return None
    pattern = re.escape(prefix) + "(.+)" + re.escape(suffix)
    pattern = pattern.replace("\\ ", " ")
    compiled = re.compile(pattern, re.IGNORECASE)
    return pattern if all(compiled.fullmatch(h) for h in flat) else None


def _guess(word: str, table: dict[str, set[str]]) -> str | None:
    tokens = set(re.findall(r"[a-z]+", word.casefold()))
    hits = [name for name, words in table.items() if tokens & words]
    return hits[0] if len(hits) == 1 else None


_FIRST_NAME = re.compile(r"\b(first|given|fore)\s*name\b")
_SURNAME = re.compile(r"\b(surname|last\s*name|family\s*name|second\s*name)\b")


def _name_parts(table: Table, index: dict[str, int], used: set[int]) -> list[int] | None:
    """The first-name and surname columns, when the form asks them apart and the name
    drafted is one of them, or a column blank in every row (a Microsoft Forms "Name" of
    an anonymous form); else None."""
    name = index.get("name")
    if name is None:
        return None

    def asking(pattern: re.Pattern[str]) -> list[int]:
        return [
            i
            for i, h in enumerate(table.headers)
            if (i == name or i not in used) and pattern.search(h.casefold()) and _values(table, i)
        ]

    firsts, lasts = asking(_FIRST_NAME), asking(_SURNAME)
    if len(firsts) != 1 or len(lasts) != 1:
        return None
    parts = [firsts[0], lasts[0]]
    return parts if name in parts or not _values(table, name) else None


def _draft_words(table: Table, draft: MappingDraft, index: dict[str, int]) -> None:
    """Roles, sectors and authorities clnmatch does not know as typed."""
    role_column = index.get("role", index.get("job_title"))
    if role_column is not None:
        for word in sorted(set(_values(table, role_column)), key=str.casefold):
            if Role.parse(word) is not None:
                continue
            tokens = set(re.findall(r"[a-z]+", word.casefold()))
            if tokens & _PROMOTED_WORDS:
                role, because = Role.PROMOTED, sorted(tokens & _PROMOTED_WORDS)[0]
            elif tokens & _PRACTITIONER_WORDS:
                role, because = Role.PRACTITIONER, sorted(tokens & _PRACTITIONER_WORDS)[0]
            else:
                draft.unplaced.setdefault("roles", []).append(word)
                continue
            draft.roles.setdefault(role, []).append((word, f"CHECK: guessed from '{because}'"))
    if "sector" in index:
        for word in sorted(set(_values(table, index["sector"])), key=str.casefold):
            if Sector.parse(word) is not None:
                continue
            sector_words = {s.value: w for s, w in _SECTOR_WORDS.items()}
            guess = _guess(word, sector_words)
            if guess is None:
                draft.unplaced.setdefault("sectors", []).append(word)
            else:
                draft.sectors.setdefault(Sector(guess), []).append((word, "CHECK: guessed"))
    drafted: dict[str, str] = {}  # an authority as typed -> the one it is drafted as
    if "authority" in index:
        spellings: dict[str, str] = {}
        for word in _values(table, index["authority"]):
            spellings.setdefault(authority_key(word), word)
        for word in spellings.values():
            known = closest_authority(word)
            if known is not None:
                drafted[authority_key(word)] = known
                draft.authorities.setdefault(known, []).append(
                    (word, f"CHECK: '{word}' looks like {known}")
                )
            elif authority_key(word) not in {authority_key(k) for k in WEST_PARTNERSHIP}:
                draft.other_authorities.append(word)
    if "email" in index:  # each address's last answer is read
        e, n = index["email"], index.get("name")
        draft.answered_again = answered_again(
            (r.number, r.values[e], "" if n is None else r.values[n]) for r in table.rows
        )
    if {"authority", "establishment_name"} <= index.keys() and "establishment_id" not in index:
        a, n = index["authority"], index["establishment_name"]
        s = index.get("sector")  # a nursery and a primary of one name are two
        # within an authority as the draft reads it ('Glasgow City Council' is Glasgow City)
        draft.look_alikes = look_alike_names(
            (
                drafted.get(authority_key(r.values[a]), r.values[a]),
                r.values[n],
                "" if s is None else r.values[s],
            )
            for r in table.rows
        )


_KNOWN_AUTHORITIES = {authority_key(a) for a in WEST_PARTNERSHIP}


def _content(values: Sequence[str]) -> dict[str, float]:
    """What share of a column's answers look like e-mail addresses, sectors, authorities
    (each distinct answer judged once; a column of more than 40 distinct answers, or of
    long ones, is free text: neither sectors nor authorities)."""
    counts = Counter(values)
    n = max(1, len(values))
    few = len(counts) <= 40

    def share(test: Callable[[str], bool]) -> float:
        return sum(k for v, k in counts.items() if few and len(v) <= 60 and test(v)) / n

    return {
        # an answer that is an address, not a comment holding one ("copy in j@x.org")
        "email": sum(k for v, k in counts.items() if EMAIL.fullmatch(v.strip())) / n,
        "sector": share(lambda v: Sector.parse(v) is not None),
        "authority": share(
            lambda v: authority_key(v) in _KNOWN_AUTHORITIES or closest_authority(v) is not None
        ),
    }


def _assign_columns(table: Table, themes: set[int]) -> dict[str, tuple[int, str]]:
    """Survey column -> (header index, note), best guesses first, each header once.

    A header's words make the guess; its answers confirm or overrule it: an "Email" column
    of "anonymous" loses to one of addresses, "Type of establishment" holding sector words
    is the sector, not the establishment's name."""
    guesses = []
    for i, header in enumerate(table.headers):
        if i in themes or not header:
            continue
        values = _values(table, i)
        fill = len(values) / max(1, len(table.rows))
        content = _content(values)
        worded = None if (guess := guess_column(header)) is None else guess[0]
        options = [] if guess is None else [guess]
        options += [  # answers alone weigh less than a header whose answers agree
            (column, 0.6 * share)
            for column, share in content.items()
            if share >= 0.8 and column != worded
        ]
        for column, score in options:
            score += 0.5 * content.get(column, 0.0)
            if column != worded:  # answers alone count as far as the column is answered:
                score *= fill  # one comment of 80 rows holding an address is no column
            # not worth a CHECK: a column nobody answered, e-mails of no address ("anonymous")
            unlikely = not values or (column == "email" and not content["email"])
            if column == "email" and values and not content["email"]:
                score -= 0.5
            if column != "sector":
                score -= content["sector"]
            if column != "authority":
                score -= content["authority"]
            if column == "name" and values:
                score -= 0.5 * sum(v.casefold() == "anonymous" for v in values) / len(values)
            guesses.append((score, fill, -i, column, i, unlikely))
    chosen: dict[str, tuple[int, str]] = {}
    taken: set[int] = set()
    ranked = sorted(guesses, reverse=True)
    label = header_labels(table.headers)
    for score, _fill, _order, column, i, _unlikely in ranked:
        if column in chosen or i in taken:
            continue
        rivals = [
            f"'{flat_header(label[j])}'"
            for _, _, _, c, j, unlikely in ranked
            if c == column and j != i and j not in taken and not unlikely
        ]
        if rivals:
            note = f"CHECK: {' or '.join(rivals)} might hold it instead"
        else:
            note = "" if score >= 1.0 else "found by its words"
        chosen[column] = (i, note)
        taken.add(i)
    return chosen


def _load(survey: str | os.PathLike[str] | pd.DataFrame, sheet: str | None) -> Table:
    return load_table(survey, sheet=sheet, header_score=header_score, defer_formulas=True)


def _responses_sheet(
    survey: str | os.PathLike[str] | pd.DataFrame, names: list[str]
) -> tuple[Table, str]:
    """The first sheet with ratings in two columns or more (else the one with the most
    rows), read, and a note when it is not the first: Forms workbooks may open on a cover
    sheet, and a lookup sheet (a list of 712 schools) may have more rows than the
    responses."""
    rows, rated, tables = {}, {}, {}
    for name in names:
        try:
            tables[name] = table = _load(survey, name)
        except InvalidInputError:
            rows[name], rated[name] = 0, 0
            continue
        rows[name] = len(table.rows)
        rated[name] = sum(
            theme_name(h) is not None or looks_like_ratings(_values(table, i))
            for i, h in enumerate(table.headers)
        )
    best = max(
        names, key=lambda n: (rated[n] >= 2, rows[n] if rated[n] < 2 else 0, -names.index(n))
    )
    # a sheet that could not be read is read again, for its error
    table = tables[best] if best in tables else _load(survey, best)
    if best == names[0]:
        return table, ""
    others = ", ".join(f"'{n}': {rows[n]}" for n in names if n != best)
    why = "rating columns and " if rated[best] >= 2 else ""
    return (
        table,
        f"CHECK: the responses look to be on this sheet ({why}{rows[best]} rows; {others})",
    )


def draft_mapping(
    survey: str | os.PathLike[str] | pd.DataFrame, *, sheet: str | None = None
) -> MappingDraft:
    """Draft a mapping for a survey export; see the module. The file is only read."""
    names = sheet_names(survey)
    sheet_note = ""
    if sheet is None and len(names) > 1:
        table, sheet_note = _responses_sheet(survey, names)
    else:
        table = _load(survey, sheet)
    draft = MappingDraft(
        file=source_label(survey),
        sheet=table.sheet,
        sheet_kept=bool(names) and table.sheet != names[0],
        sheet_note=sheet_note,
        header_row=table.header_row,
        header_moved=bool(table.title_rows),
        rows=len(table.rows),
    )
    prefixed = {i for i, h in enumerate(table.headers) if theme_name(h) is not None}
    draft.theme_prefixed = len(prefixed)
    eligible = [
        i
        for i, header in enumerate(table.headers)
        if i not in prefixed
        and header
        and not is_form_metadata(header)
        and ((guess := guess_column(header)) is None or guess[1] < 1.0)
    ]
    candidates = [i for i in eligible if looks_like_ratings(_values(table, i))]
    candidates += _same_scale(table, eligible, candidates)
    scale_words = frozenset(fold_rating_word(v) for i in candidates for v in _values(table, i))
    chosen = _assign_columns(table, set(candidates) | prefixed)
    # a column under the same group label as theme columns ("How interested are you in
    # these themes?") is one too, even if nobody rated it yet; a label over a survey
    # column too is a title, not a group
    taken = {i for i, _ in chosen.values()}
    labels = Counter(table.groups[i] for i in candidates if i < len(table.groups))
    for i, group in enumerate(table.groups):
        if (
            group
            and labels[group] >= 2
            and i not in candidates
            and i not in prefixed
            and not any(table.groups[j] == group for j in taken)
            and (not _values(table, i) or looks_like_ratings(_values(table, i), scale_words))
        ):
            candidates.append(i)
    candidates.sort()
    candidates, later = _first_question(table, _without_strays(table, candidates))
    index = {column: i for column, (i, _) in chosen.items()}
    label = header_labels(table.headers)
    for column in SURVEY_COLUMNS:
        if column in chosen:
            i, note = chosen[column]
            draft.columns[column] = (label[i], note)
    draft.missing = [
        c
        for c in SURVEY_REQUIRED
        if c not in chosen
        and c not in DERIVABLE_COLUMNS
        and not (c == "role" and "job_title" in chosen)
    ]
    # "Literacy #1" where two questions rate the same themes (a pattern would take both)
    draft.theme_headers = [label[i] for i in candidates]
    draft.later_question = [label[i] for i in later]
    draft.theme_pattern = None if later else _pattern_for(draft.theme_headers)
    used = set(index.values()) | set(candidates) | prefixed
    parts = _name_parts(table, index, used)
    if parts is not None:  # a form asking first name and surname apart: both make the name
        draft.name_parts = [label[i] for i in parts]
        used = (used - {index["name"]}) | set(parts)
    draft.unused = [label[i] for i, h in enumerate(table.headers) if h and i not in used]
    ratings: Counter[str] = Counter()
    for i in [*candidates, *prefixed]:
        ratings.update(_values(table, i))
    draft_scale(ratings, draft)
    _draft_words(table, draft, index)
    return draft
