"""Who is who in an export without ids, and names that look alike.

A Forms export has no ``establishment_id`` and no ``practitioner_id``. Establishments
are then told apart by authority and name: the name is compared after folding case,
punctuation and spaces ("St. Mary's  Primary" = "St Marys primary"), and gets a stable
derived id such as ``GC-st-marys-primary-5f1c`` (the authority's initials, the name,
and four hex digits of a hash of both, so the same input always gives the same id and
two establishments never share one). Practitioners are numbered by their spreadsheet
row (``R007`` is row 7), so a row can always be found again.

Nothing that only looks alike is merged silently: an authority spelled unlike the eight
West Partnership authorities ("Glasgow" for "Glasgow City", which would otherwise count
as a ninth authority toward the three-authorities rule), two spellings in the file that
look alike, an establishment name given in two authorities, and two names in one
authority and sector that look alike once the words for their kind are set aside
("St Marys PS" and "St Mary's Primary"; "Merrylee Primary" and "Merylee Primary School")
are warnings naming the rows. A mapping's
[authorities] turns a spelling into the name to use.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from clnmatch.errors import InputProblem
from clnmatch.io.tables import Table
from clnmatch.models import Sector, authority_key
from clnmatch.schools_file import school_rows

__all__ = [
    "rows_text",
    "EMAIL",
    "email_cell",
    "fullest_name",
    "SAME_ID_HINT",
    "WEST_PARTNERSHIP",
    "EstablishmentIds",
    "LookAlike",
    "NameBook",
    "additions_row_prefix",
    "answered_again",
    "closest_authority",
    "ZeroTwins",
    "leading_zero_warnings",
    "name_key",
    "person_key",
    "practitioner_row_id",
]

#: What an email address looks like (name@place): one not like it is kept, with a warning.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

# what an "id used once" error tells the user to do about a repeated id
SAME_ID_HINT = "the same person twice: delete one of the rows; two people: give each their own id"

#: The eight local authorities of the West Partnership (domain.md).
WEST_PARTNERSHIP = (
    "East Dunbartonshire",
    "East Renfrewshire",
    "Glasgow City",
    "Inverclyde",
    "North Lanarkshire",
    "Renfrewshire",
    "South Lanarkshire",
    "West Dunbartonshire",
)
_KNOWN = {authority_key(a): a for a in WEST_PARTNERSHIP}
# words that say what kind of body a name is, not which one
_BODY_WORDS = {"council", "city", "of", "the", "and", "district", "area", "authority", "la"}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def name_key(name: str) -> str:
    """The key establishment names are compared by: case, punctuation and spaces aside."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[\u2018\u2019'`´.,;:\"()\[\]]", "", text)
    return re.sub(r"[\s\-_/]+", " ", text).strip()


def person_key(name: str) -> str:
    """The key people's names are compared by: as ``name_key``, accents aside too
    ("Siobhan O’Neill", typed on a phone, is "Siobhán O'Neill")."""
    bare = unicodedata.normalize("NFKD", name)
    return name_key("".join(c for c in bare if not unicodedata.combining(c)))


def fullest_name(names: Sequence[tuple[int, str]]) -> tuple[int, str]:
    """The (row, name) an establishment is called by, of the names its rows give: the name
    most rows agree on (case and punctuation aside); on a tie, one with capitals, then the
    longest ("Kelvindale Primary School", not the first row's "kelvindale primary")."""
    spellings = Counter(name for _, name in names)
    keys = Counter(name_key(name) for _, name in names)

    def rank(name: str) -> tuple[int, bool, int, int]:  # max() keeps the first of equals
        return (keys[name_key(name)], name != name.casefold(), len(name), spellings[name])

    best = max(spellings, key=rank)
    return next((row, name) for row, name in names if name == best)


def email_cell(text: str) -> str:
    """An e-mail cell as the address it gives: a link's copy ("mailto:ann@school.org")
    without its 'mailto:', and Microsoft Forms' "anonymous" as no address."""
    text = text.strip()
    if text[:7].casefold() == "mailto:":  # and a link's "?subject=..." is no part of it
        text = text[7:].split("?", 1)[0].strip()
    return "" if text.casefold() == "anonymous" else text


def answered_again(rows: Iterable[tuple[int, str, str]]) -> dict[int, tuple[int, bool]]:
    """From (row, e-mail, name) rows: each row whose address a later row gives again ->
    (that row, whether it gives the same name: one person answering twice, else perhaps
    an office address two people share). Blanks and Forms' "anonymous" are no one's."""
    last: dict[str, tuple[int, str]] = {}
    again: dict[int, tuple[int, bool]] = {}
    for row, email, name in rows:
        address = email.strip().casefold()
        if not EMAIL.fullmatch(address):
            continue
        if address in last:
            earlier, earlier_name = last[address]
            again[earlier] = (row, earlier_name == person_key(name))
        last[address] = (row, person_key(name))
    return again


def practitioner_row_id(row: int, last_row: int, prefix: str = "R") -> str:
    """The id of a practitioner known only by their row: ``R007`` is row 7."""
    return f"{prefix}{row:0{max(3, len(str(last_row)))}d}"


def additions_row_prefix(path: str | os.PathLike[str]) -> str:
    """The row-id prefix of a file of late additions: its name, so that row 7 of
    ``late-schools.csv`` (``late-schools-R007``) is never mistaken for row 7 of the survey."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(path).stem).strip("-") or "added"
    return f"{stem}-R"


@dataclass
class EstablishmentIds:
    """Stable derived ids: the same authority and name give the same id, others never."""

    _by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)

    def id_for(self, authority: str, name: str) -> str:
        key = (authority_key(authority), name_key(name))
        known = self._by_key.get(key)
        if known is not None:
            return known
        initials = "".join(w[0] for w in re.findall(r"[a-z0-9]+", _ascii(key[0]))).upper()[:4]
        slug = re.sub(r"[^a-z0-9]+", "-", _ascii(key[1])).strip("-")[:32].strip("-")
        digest = hashlib.sha1("\x1f".join(key).encode()).hexdigest()
        size = 4
        while True:
            candidate = "-".join(p for p in (initials or "X", slug or "school", digest[:size]) if p)
            if candidate not in self._taken:
                break
            size += 2
        self._by_key[key] = candidate
        self._taken.add(candidate)
        return candidate


# words that say what kind of establishment a name is, not which one ("PS" = "Primary School")
_KIND_WORDS = {
    "primary", "prim", "pri", "ps", "school", "sch", "high", "hs", "secondary", "sec",
    "academy", "acad",
    "nursery", "early", "learning", "years", "centre", "center", "ctr", "elc", "class",
    "classes",
    "family", "and", "the", "of",
}  # fmt: skip
# two names look alike when their cores are this similar, or their whole keys (a typo in
# a kind word: "Primary Schol"); on the 712 real West Partnership schools that flags 3 pairs
# of one authority and sector (St Mark's / St Mary's ...), where 0.88 on the keys flagged 115
LOOK_ALIKE_CORE, LOOK_ALIKE_KEY = 0.9, 0.95


def name_core(key: str) -> str:
    """A name key without the words for its kind ("st marys ps" -> "st marys")."""
    words = ["st" if w == "saint" else w for w in key.split()]
    return " ".join(w for w in words if w not in _KIND_WORDS) or key


# short forms written out, and words left out, in a name's form ("St Mark's PS" and
# "St Mark's Primary School" are one form; "Bearsden Academy" and "Bearsden Primary" not)
_SHORT_FORMS = {"ps": "primary", "pri": "primary", "prim": "primary", "hs": "high",
                "sec": "secondary", "acad": "academy", "ctr": "centre", "center": "centre",
                "saint": "st"}  # fmt: skip
_FORM_LEFT_OUT = {"school", "sch", "the"}
_PLACE = re.compile(r"\s*\([^)]*\)")  # "(Hamilton)": the bundled names tell namesakes so


def name_form(key: str) -> str:
    """A name key with its short forms written out and "school" left out: two spellings
    of one form name one establishment ("st marks p s" -> "st marks primary")."""
    key = re.sub(r"\b([ph]) s\b", r"\1s", key)  # "P. S." was "p s"
    words = (_SHORT_FORMS.get(w, w) for w in key.split())
    return " ".join(w for w in words if w not in _FORM_LEFT_OUT)


def _form(name: str, place: bool = True) -> str:
    """The form of a name as typed, with or without its place in brackets."""
    return name_form(name_key(name if place else _PLACE.sub(" ", name)))


@functools.cache
def _real_schools() -> dict[str, tuple[dict[str, str], Counter[str], dict[str, str]]]:
    """By authority key, the bundled real schools' names by their form (whole), and their
    forms without their place, counted (North Lanarkshire has four St Mary's Primary
    Schools), with the name of each such form that only one school has."""
    whole: dict[str, dict[str, str]] = {}
    bare: dict[str, Counter[str]] = {}
    bare_name: dict[str, dict[str, str]] = {}
    for row in school_rows():
        authority, name = authority_key(row["authority"]), row["name"]
        whole.setdefault(authority, {})[_form(name)] = name
        bare.setdefault(authority, Counter())[_form(name, place=False)] += 1
        bare_name.setdefault(authority, {})[_form(name, place=False)] = name
    return {
        a: (whole[a], bare[a], {f: n for f, n in bare_name[a].items() if bare[a][f] == 1})
        for a in whole
    }


def _real_in(authority: str) -> tuple[dict[str, str], Counter[str], dict[str, str]]:
    """The real schools' forms of an authority as typed ("Glasgow City Council")."""
    known = _KNOWN.get(authority_key(authority)) or closest_authority(authority)
    return _real_schools().get(authority_key(known or authority), ({}, Counter(), {}))


def real_schools_named(authority: str, name: str) -> int:
    """How many real schools of the authority a name as typed may be: 1 for a real
    school's whole name, else as many as share it without their place."""
    whole, bare, _ = _real_in(authority)
    return 1 if _form(name) in whole else bare.get(_form(name, place=False), 0)


def real_school_name(authority: str, name: str) -> str | None:
    """The real school a name as typed is, as the bundled list spells it (None: none, or
    several of that name)."""
    whole, _, only = _real_in(authority)
    return whole.get(_form(name)) or only.get(_form(name, place=False))


def two_real_schools(authority: str, name: str, other: str) -> bool:
    """Whether two names as typed are those of two different real schools of the authority
    (St Mark's and St Mary's Primary School look alike, and both are schools in Hamilton;
    St Mary's of Caldercruix and of Cleland are two schools of one name)."""
    whole, bare, _ = _real_in(authority)
    form, other_form = _form(name), _form(other)
    if form == other_form:
        return False
    if form in whole and other_form in whole:
        return True
    plain, other_plain = _form(name, place=False), _form(other, place=False)
    return plain != other_plain and plain in bare and other_plain in bare


class LookAlike(NamedTuple):
    """Names of one authority that look alike: the name to use and the other spellings;
    ``one_school`` when they are one name written short and long, and it is not the name
    of several real schools (``namesakes``: how many real schools have it)."""

    name: str
    spellings: list[str]
    authority: str
    one_school: bool
    namesakes: int


def _names_alike(key: str, other: str) -> bool:
    for a, b, least in (
        (name_core(key), name_core(other), LOOK_ALIKE_CORE),
        (key, other, LOOK_ALIKE_KEY),
    ):
        matcher = difflib.SequenceMatcher(None, a, b)
        if matcher.quick_ratio() >= least and matcher.ratio() >= least:
            return True
    return False


def standard_authority(name: str) -> str:
    """One of the eight authorities as it is spelled ("GLASGOW CITY" -> "Glasgow City");
    any other name as typed."""
    return _KNOWN.get(authority_key(name), name)


def look_alike_names(rows: Iterable[tuple[str, ...]]) -> list[LookAlike]:
    """Establishment names that look alike, from (authority, name) or (authority, name,
    sector) rows in order, within one authority (and sector, when rows give it): each
    group of spellings like the first (or like one of them), which a mapping's
    [establishments] may join into one name to use: the real school's name (as the bundled
    list spells it) where the spellings are one, else the spelling most rows give (the
    longest of a tie). Two names of two real schools are never in one group."""
    seen: dict[tuple[str, ...], list[tuple[str, str]]] = {}  # where -> (name key, name)
    root: dict[tuple[tuple[str, ...], str], str] = {}  # (where, a later spelling) -> first
    groups: dict[tuple[tuple[str, ...], str], tuple[str, list[str]]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for authority, name, *sector in rows:
        if not (authority and name):
            continue
        where = (authority_key(authority), *(s.strip().casefold() for s in sector))
        counts[(where[0], name)] += 1
        key, names = name_key(name), seen.setdefault(where, [])
        if any(key == k for k, _ in names):
            continue
        for k, twin in names:
            first = root.get((where, twin), twin)
            group = groups.get((where, first), (authority, [first]))[1]
            # a group never holds names of two real schools (St Mark's, St Mary's)
            if _names_alike(key, k) and not any(
                two_real_schools(authority, name, other) for other in group
            ):
                groups[(where, first)] = (authority, group)
                root[(where, name)] = first
                group.append(name)
                break
        names.append((key, name))
    out = []
    for authority, spellings in groups.values():
        one_form = len({name_form(name_key(n)) for n in spellings}) == 1
        real = real_school_name(authority, spellings[0]) if one_form else None
        given = {n: (counts[(authority_key(authority), n)], len(n)) for n in spellings}
        name = real or max(spellings, key=given.__getitem__)
        namesakes = real_schools_named(authority, name)
        others = [n for n in spellings if n != name]
        out.append(LookAlike(name, others, authority, one_form and namesakes <= 1, namesakes))
    return out


_COMPASS = {"n": "north", "s": "south", "e": "east", "w": "west"}  # "W. Dunbartonshire"


def _core_words(key: str) -> frozenset[str]:
    words = (_COMPASS.get(w, w) for w in re.findall(r"\w+", key))
    return frozenset(w for w in words if w not in _BODY_WORDS)


def _alike(a: str, b: str) -> bool:
    """Two authority keys that look like one authority."""
    core_a, core_b = _core_words(a), _core_words(b)
    if core_a and core_a == core_b:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def closest_authority(name: str) -> str | None:
    """The West Partnership authority ``name`` looks like but is not spelled as, or None."""
    key = authority_key(name)
    if key in _KNOWN:
        return None
    alike = [k for k in _KNOWN if _alike(key, k)]
    if not alike:
        return None
    # the same words first: "E Renfrewshire" is East Renfrewshire, though closer in letters
    # to Renfrewshire
    return _KNOWN[
        max(
            alike,
            key=lambda k: (
                _core_words(key) == _core_words(k),
                difflib.SequenceMatcher(None, key, k).ratio(),
            ),
        )
    ]


def rows_text(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:5])
    return f"row{'s' if len(rows) > 1 else ''} {shown}{' ...' if len(rows) > 5 else ''}"


@dataclass
class ZeroTwins:
    """Establishment ids equal but for leading zeros whose rows name the same establishment
    in the same authority: one establishment ('0041' in one row, 41 in another: a
    spreadsheet read the id as a number). The first id read is kept."""

    table: Table
    column: int
    # the id's digits without leading zeros -> the first (id, name, authority, row) read
    first: dict[str, tuple[str, str, str, int]] = field(default_factory=dict)

    def same_as(
        self, est_id: str, name: str, authority: str, row: int
    ) -> tuple[str, list[InputProblem]]:
        """The id to read ``est_id`` as, and a warning when it is another row's twin."""
        if not est_id.isdigit() or not name or not authority:
            return est_id, []
        digits = est_id.lstrip("0") or "0"
        kept, kept_name, kept_authority, kept_row = self.first.setdefault(
            digits, (est_id, name, authority, row)
        )
        same = name_key(kept_name) == name_key(name)
        # one of the two as a spreadsheet writes a number: no leading zero ('41', not '041')
        stripped = digits in (kept, est_id)
        if (
            kept == est_id
            or not (same and stripped)
            or (authority_key(kept_authority) != authority_key(authority))
        ):
            return est_id, []  # two establishments: leading_zero_warnings says so
        return kept, [
            self.table.problem(
                f"one way of writing each establishment_id; '{est_id}' is '{kept}' of row "
                f"{kept_row} but for leading zeros, and names the same establishment "
                f"({kept_name}, {kept_authority}): read as one establishment, '{kept}' (a "
                "spreadsheet may have read the id as a number; in Excel, format the column "
                "as Text)",
                row=row,
                column=self.column,
            )
        ]


def leading_zero_warnings(
    table: Table, column: int, first_rows: dict[str, int]
) -> list[InputProblem]:
    """Establishment ids that differ only by leading zeros ("0007919" typed as text, 7919
    as a number): read as two establishments, whose nominees are then not kept together."""
    warnings = []
    seen: dict[str, str] = {}
    for est_id, row in first_rows.items():
        key = est_id.lstrip("0") or "0"
        other = seen.setdefault(key, est_id)
        if other != est_id and key.isdigit():
            warnings.append(
                table.problem(
                    f"one way of writing each establishment_id; '{est_id}' (row {row}) and "
                    f"'{other}' (row {first_rows[other]}) differ only by leading zeros but are "
                    "read as two establishments, so their nominees may be put in different "
                    "teams (write the id the same way in every row; in Excel, format the "
                    "column as Text before typing)",
                    row=row,
                    column=column,
                )
            )
    return warnings


@dataclass
class NameBook:
    """The authorities and establishment names of a file, by row, for the warnings."""

    table: Table
    authority_column: int | None
    name_column: int | None
    authorities: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    names: dict[str, dict[str, tuple[str, Sector | None, list[int]]]] = field(default_factory=dict)

    def note(self, row: int, authority: str, name: str, sector: Sector | None) -> None:
        if authority:
            self.authorities.setdefault(authority_key(authority), (authority, []))[1].append(row)
        if authority and name:
            by_authority = self.names.setdefault(name_key(name), {})
            by_authority.setdefault(authority_key(authority), (name, sector, []))[2].append(row)

    def authority_warnings(self, *, mapped: bool = True) -> list[InputProblem]:
        """Spellings unlike the West Partnership's authorities, or like each other;
        ``mapped``: the file may be read with a mapping (a breakouts roster is not)."""
        warnings: list[InputProblem] = []
        unknown: list[str] = []
        for key, (spelling, rows) in self.authorities.items():
            if key in _KNOWN:
                continue
            known = closest_authority(spelling)
            if known is not None:
                warnings.append(
                    self.table.problem(
                        f"one of the eight West Partnership authorities as it is spelled; "
                        f"'{spelling}' ({rows_text(rows)}) looks like '{known}' but counts as another "
                        f"authority. If it is {known}, "
                        + (
                            f"say so in a mapping's [authorities] "
                            f'("{known}" = ["{spelling}"]), which `clnmatch map` drafts'
                            if mapped
                            else "write it so in the file"
                        ),
                        row=rows[0],
                        column=self.authority_column,
                        value=spelling,
                    )
                )
            else:
                unknown.append(key)
        for i, key in enumerate(unknown):
            spelling, rows = self.authorities[key]
            twin = next((k for k in unknown[:i] if _alike(key, k)), None)
            if twin is not None:
                other, other_rows = self.authorities[twin]
                warnings.append(
                    self.table.problem(
                        f"one spelling per authority; '{spelling}' ({rows_text(rows)}) and "
                        f"'{other}' ({rows_text(other_rows)}) look alike but count as two "
                        "authorities ("
                        + (
                            "name the one to use in a mapping's [authorities])"
                            if mapped
                            else "write one of them in every row)"
                        ),
                        row=rows[0],
                        column=self.authority_column,
                        value=spelling,
                    )
                )
            else:
                warnings.append(
                    self.table.problem(
                        "one of the eight West Partnership authorities ("
                        + ", ".join(WEST_PARTNERSHIP)
                        + f"); '{spelling}' ({rows_text(rows)}) is not, and is used as typed",
                        row=rows[0],
                        column=self.authority_column,
                        value=spelling,
                    )
                )
        return warnings

    def establishment_warnings(self) -> list[InputProblem]:
        """Without establishment ids: one name in two authorities, and look-alike names."""
        warnings: list[InputProblem] = []
        groups: dict[tuple[str, Sector | None], list[tuple[str, str, list[int]]]] = {}
        for key, by_authority in self.names.items():
            # a name of a real school in each of its authorities (Hillhead Primary School of
            # Glasgow City and of East Dunbartonshire) is two schools: nothing to correct,
            # and said on every command it taught users to skip warnings (a lead officer)
            real = all(
                real_school_name(self.authorities[a][0], name) is not None
                for a, (name, _, _) in by_authority.items()
            )
            if len(by_authority) > 1 and not real:
                places = [
                    f"{self.authorities[a][0]} ({rows_text(rows)})"
                    for a, (_, _, rows) in by_authority.items()
                ]
                first_name, _, first_rows = next(iter(by_authority.values()))
                later_rows = [r for _, _, rows in list(by_authority.values())[1:] for r in rows]
                warnings.append(
                    self.table.problem(
                        f"an establishment name in one authority; '{first_name}' is given in "
                        + " and in ".join(places)
                        + ": read as one establishment per authority (if it is one, correct "
                        "the authority in its rows)",
                        row=min(later_rows),
                        column=self.name_column,
                    )
                )
            for authority, (name, sector, rows) in by_authority.items():
                groups.setdefault((authority, sector), []).append((key, name, rows))
        for (authority, _), members in groups.items():
            warnings.extend(self._look_alikes(authority, members))
        return warnings

    def _look_alikes(
        self, authority: str, members: Iterable[tuple[str, str, list[int]]]
    ) -> list[InputProblem]:
        warnings = []
        seen: list[tuple[str, str, list[int]]] = []
        for key, name, rows in members:
            for other_key, other, other_rows in seen:
                if _names_alike(key, other_key) and not two_real_schools(authority, name, other):
                    warnings.append(
                        self.table.problem(
                            f"one spelling per establishment; '{name}' ({rows_text(rows)}) and "
                            f"'{other}' ({rows_text(other_rows)}) look alike but are read as two "
                            "establishments (if they are one, say which name to use in a "
                            f'mapping\'s [establishments]: "{other}" = ["{name}"]; or write the '
                            "name the same way in every row, or add an establishment_id column)",
                            row=rows[0],
                            column=self.name_column,
                        )
                    )
                    break
            seen.append((key, name, rows))
        return warnings
