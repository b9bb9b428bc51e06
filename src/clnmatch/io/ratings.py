"""Interest ratings: the built-in scale, a mapping's scale, and reading a file's ratings.

Ratings are an integer 0-5, blank (= 0), or the survey's wording, mapped by
``LIKERT_SCALE`` (case and surrounding spaces ignored)::

    0  Not interested         not interested, not at all interested, not at all, none, ...
    1  Slightly interested    slightly, a little, a little interested, a bit
    2  Somewhat interested    somewhat
    3  Moderately interested  moderately, interested
    4  Quite interested       quite, strongly interested, strongly
    5  Very interested        very, extremely interested, extremely, highly interested

A form's "5 - Very interested" is read as 5 (the number and the wording must agree).

The built-in scale accepts several words per rating, so a form with its own six-level
scale ("Not at all" .. "Extremely interested") would be squeezed: "Very" and
"Extremely" both read as 5, shifting a theme's mean from 2.95 to 3.40 in the survey
that showed it. ``RatingReader`` therefore refuses a file that uses two different words
for one built-in rating, and numbers above 5 (a 1-10 scale), pointing to ``clnmatch
map``, whose [scale] says what each word or number counts as. A mapping's [scale]
replaces the built-in words; a word not on it is an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from clnmatch.errors import InputProblem
from clnmatch.io.mapping import fold_rating_word
from clnmatch.io.tables import Row, Table, parse_whole_number
from clnmatch.models import RATING_MAX

__all__ = [
    "LIKERT_LABELS",
    "LIKERT_SCALE",
    "RatingScale",
    "RatingReader",
    "blank_rating_warnings",
    "parse_rating",
    "rating_stem",
]

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
_NUMBERED_WORDING = re.compile(r"(\d+)\s*[-–—:=.)]\s*(\D.*)")
_MAP_ADVICE = (
    "if the form uses its own scale, run `clnmatch map` on the export and check the "
    "[scale] it drafts, then read the survey with --map"
)


def rating_stem(word: str) -> str:
    """A rating word without 'interested' and a leading 'a' ("a little interested" ->
    "little"): two words of one stem are one level of a form's scale."""
    stem = re.sub(r"\s*\binterest(ed)?\b\s*", " ", fold_rating_word(word)).strip()
    return stem.removeprefix("a ").strip()


def parse_rating(text: str) -> int:
    """A rating cell as 0-5 on the built-in scale; raise ValueError if it is none."""
    rating = RatingScale().read(text)
    if rating is None:
        raise ValueError(_RATING_EXPECTED)
    return rating


@dataclass(frozen=True)
class RatingScale:
    """The words ratings are read by: the built-in scale (``words`` None) or a mapping's
    [scale] (``words`` keyed by ``fold_rating_word``; ``source`` names the mapping)."""

    words: Mapping[str, int] | None = None
    source: str = "the mapping"
    labels: tuple[tuple[str, int], ...] = ()  # the mapping's words as typed, for messages
    # a survey holds a few distinct ratings in thousands of cells: each is read once
    _read: dict[str, int | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def of(cls, scale: Mapping[str, int] | None, source: str = "the mapping") -> RatingScale:
        if scale is None:
            return cls()
        folded = {fold_rating_word(w): r for w, r in scale.items()}
        return cls(folded, source, tuple(scale.items()))

    @property
    def builtin(self) -> bool:
        return self.words is None

    @property
    def numbers_are_words(self) -> bool:
        """True when the mapping's scale gives numbers their own ratings (a 1-10 scale)."""
        return self.words is not None and any(parse_whole_number(w) is not None for w in self.words)

    def describe(self) -> str:
        if self.words is None:
            listed = ", ".join(f"{label} {r}" for r, label in LIKERT_LABELS.items())
            return f"a whole number 0-5, blank (= 0), or a word of the built-in scale ({listed})"
        listed = ", ".join(f"'{w}' {r}" for w, r in self.labels[:12])
        more = f" and {len(self.labels) - 12} more" if len(self.labels) > 12 else ""
        numbers = "" if self.numbers_are_words else "a whole number 0-5, "
        return f"{numbers}blank (= 0), or a word of the [scale] of {self.source} ({listed}{more})"

    def read(self, text: str) -> int | None:
        """The rating a cell holds, or None when it is not on this scale."""
        if text not in self._read:
            self._read[text] = self._read_once(text)
        return self._read[text]

    def _read_once(self, text: str) -> int | None:
        text = text.strip()
        if not text:
            return 0
        word = fold_rating_word(text)
        if self.words is not None and word in self.words:
            return self.words[word]
        if not self.numbers_are_words:
            number = parse_whole_number(text)
            if number is not None:
                return number if number <= RATING_MAX else None
        table = LIKERT_SCALE if self.words is None else self.words
        if word in table:
            return table[word]
        numbered = _NUMBERED_WORDING.fullmatch(word)
        if numbered is not None:
            said = table.get(fold_rating_word(numbered.group(2)))
            if said is not None and (self.words is not None or said == int(numbered.group(1))):
                return said
        return None


@dataclass
class _Seen:
    index: int  # of the problem in the reader's list
    count: int = 1
    most: int = 0


@dataclass
class RatingReader:
    """Reads the rating cells of one table and reports, in row order, every value not on
    the scale (once per value, with how many cells hold it), numbers above 5, and, on
    the built-in scale, two words for one rating."""

    table: Table
    scale: RatingScale
    problems: list[InputProblem]
    _bad: dict[str, _Seen] = field(default_factory=dict)
    _too_big: _Seen | None = None
    _stems: dict[int, dict[str, tuple[int, str, str]]] = field(default_factory=dict)
    _clash: dict[int, int] = field(default_factory=dict)  # rating -> problem index

    def read(self, text: str, row: int, column: int) -> int:
        rating = self.scale.read(text)
        if rating is None:
            self._refuse(text, row, column)
            return 0
        if (
            self.scale.builtin
            and not text.isdigit()
            and parse_whole_number(text) is None
            and text.strip()
        ):
            self._compare_words(text, rating, row, column)
        return rating

    def _refuse(self, text: str, row: int, column: int) -> None:
        number = parse_whole_number(text)
        if number is not None and not self.scale.numbers_are_words:
            if self._too_big is None:
                self._too_big = _Seen(len(self.problems), most=number)
                self.problems.append(self.table.problem("", row=row, column=column, value=text))
            else:
                self._too_big.count += 1
                self._too_big.most = max(self._too_big.most, number)
            return
        key = fold_rating_word(text)
        seen = self._bad.get(key)
        if seen is not None:
            seen.count += 1
            return
        self._bad[key] = _Seen(len(self.problems))
        self.problems.append(self.table.problem("", row=row, column=column, value=text))

    def _compare_words(self, text: str, rating: int, row: int, column: int) -> None:
        word = fold_rating_word(text)
        numbered = _NUMBERED_WORDING.fullmatch(word)
        stem = rating_stem(numbered.group(2) if numbered else word)
        stems = self._stems.setdefault(rating, {})
        if stem in stems:
            return
        stems[stem] = (row, self.table.headers[column], text)
        if len(stems) == 2:
            self._clash[rating] = len(self.problems)
            self.problems.append(self.table.problem("", row=row, column=column, value=text))

    def finish(self) -> None:
        """Write the messages, now that the counts are known."""
        for seen in self._bad.values():
            problem = self.problems[seen.index]
            more = f"; {seen.count - 1} more cell(s) hold the same" if seen.count > 1 else ""
            advice = (
                f"; {_MAP_ADVICE}"
                if self.scale.builtin
                else f"; add it to the [scale] of {self.scale.source} with the rating it means, "
                "or correct the answer"
            )
            self.problems[seen.index] = replace(
                problem, expected=f"{self.scale.describe()}{more}{advice}"
            )
        if self._too_big is not None:
            seen = self._too_big
            problem = self.problems[seen.index]
            where = (
                "a [scale] in a mapping"
                if self.scale.builtin
                else f"the [scale] of {self.scale.source}"
            )
            if seen.count == 1:  # one cell: a slip of the keyboard likelier than a range
                expected = (
                    f"a rating 0-5, but this cell holds {seen.most}: correct it, or, if the "
                    "form rates on another range, say what each number counts as in "
                    f'{where} ("{seen.most}" = 5, ...)'
                    + (": `clnmatch map` drafts one" if self.scale.builtin else "")
                )
            else:
                expected = (
                    f"a rating 0-5, but {seen.count} cell(s) from here on hold numbers up "
                    f"to {seen.most}: the form seems to use another range (such as 1-10), which "
                    f"is never rescaled silently; say what each number counts as in {where} "
                    '("10" = 5, ...)'
                    + (": `clnmatch map` drafts one" if self.scale.builtin else "")
                )
            self.problems[seen.index] = replace(problem, expected=expected)
        for rating, index in self._clash.items():
            first, *others = self._stems[rating].values()
            problem = self.problems[index]
            words = " and ".join(f"'{o[2]}'" for o in others)
            self.problems[index] = replace(
                problem,
                expected=f"one word per rating of the built-in scale, but this file uses "
                f"'{first[2]}' (row {first[0]}, column '{first[1]}') and {words}, which it reads "
                f"alike as {rating}: the form has its own scale, and squeezing it would shift "
                f"the ratings; {_MAP_ADVICE}",
            )


LATE_LEAST_ROWS = 5  # blank answers at one end that look like a question added later
LATE_ANSWERED_AFTER = 0.8  # share of the other rows that answer it


def _late_run(rows: list[Row], i: int) -> tuple[list[Row], list[Row]] | None:
    """The rows blank in column ``i`` at the start (oldest first) or the end (newest
    first) of the answers, and the others, when the others mostly answer it."""
    for ordered in (rows, rows[::-1]):
        run = next((k for k, row in enumerate(ordered) if row.values[i].strip()), len(ordered))
        others = ordered[run:]
        if run < max(LATE_LEAST_ROWS, len(rows) // 10) or not others:
            continue
        if sum(bool(row.values[i].strip()) for row in others) / len(others) >= LATE_ANSWERED_AFTER:
            return sorted(ordered[:run], key=lambda row: row.number), others
    return None


def blank_rating_warnings(
    table: Table, themes: list[tuple[int, str]], sector_column: int | None = None
) -> list[InputProblem]:
    """Blank ratings that count as 0, not interested, where that may not be what was
    meant: a row rating no theme at all; a theme column blank in the first (or last)
    answers only, a question added to the form after some people had answered (Forms
    lists answers in the order sent), so nobody asked them. A blank run that one sector's
    rows make, that sector leaving the theme blank elsewhere too, is a sector's choice
    (an export sorted by sector), not a late question."""
    if not themes:
        return []
    rates_some = [any(row.values[i] for i, _theme in themes) for row in table.rows]
    found = [
        table.problem(
            "a rating of at least one theme; this row rates no theme: read as 0, "
            "not interested, for every theme",
            row=row.number,
        )
        for row, some in zip(table.rows, rates_some, strict=True)
        if not some
    ]
    rows = [row for row, some in zip(table.rows, rates_some, strict=True) if some]
    for i, theme in themes:
        late = _late_run(rows, i)
        if late is None:
            continue
        run, others = late
        if sector_column is not None:
            sectors = {row.values[sector_column].strip().casefold() for row in run}
            same = [
                row for row in others if row.values[sector_column].strip().casefold() in sectors
            ]
            if (
                len(sectors) == 1
                and sum(bool(row.values[i].strip()) for row in same) <= len(same) / 5
            ):
                continue
        first, last = run[0].number, run[-1].number
        found.append(
            table.problem(
                f"an answer, as the other rows give: {len(run)} answers (rows {first}-{last}, "
                f"the {'first' if first == rows[0].number else 'last'} in the file) leave "
                f"'{theme}' blank, read as 0, not interested. Was the question added after "
                "they answered? Ask them, or leave the theme out (delete its column from a "
                "copy, or its line where a mapping lists the themes)",
                row=first,
                column=i,
            )
        )
    return found
