"""The rating scale of a draft mapping: which answers are ratings, and what each counts as.

Answers that fit a scale forms offer are ordered by it; numbers are read as they are or
spread over 0-5; other words are placed by how strongly they say "interested" (an
intensifier grading 'high' or 'low' further), one level each spread over 0-5 where their
words order them; a stray answer is left for the user to rate, never guessed."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from clnmatch.io.mapping import fold_rating_word
from clnmatch.io.ratings import LIKERT_LABELS, rating_stem
from clnmatch.io.tables import parse_whole_number
from clnmatch.models import Role, Sector

__all__ = [
    "KNOWN_SCALES",
    "ScaleDraft",
    "answer_words",
    "draft_scale",
    "intensity",
    "looks_like_ratings",
]


class ScaleDraft(Protocol):
    """Where the drafted scale goes (``MappingDraft``)."""

    scale: list[tuple[str, int | None, str]]  # word, rating, note
    scale_note: str


# Rating scales forms offer, lowest first; a draft's words that fit one are ordered by it.
KNOWN_SCALES: tuple[tuple[str, ...], ...] = (
    tuple(LIKERT_LABELS.values()),
    (
        "Not at all interested",
        "Slightly interested",
        "Somewhat interested",
        "Moderately interested",
        "Very interested",
        "Extremely interested",
    ),
    (
        "Not at all interested",
        "Slightly interested",
        "Moderately interested",
        "Very interested",
        "Extremely interested",
    ),
    ("Not interested", "Slightly interested", "Moderately interested", "Very interested"),
    ("Not interested", "Interested", "Very interested"),
    ("Not at all", "A little", "Somewhat", "Very", "Extremely"),
    ("Not at all", "A little", "Quite a lot", "A lot"),
    ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"),
    ("None", "Low", "Medium", "High"),
    ("Low", "Medium", "High"),
)
# how strongly a word says "interested", for words no known scale orders
_INTENSITY = {
    **dict.fromkeys(("not", "no", "none", "never", "uninterested", "nil"), 0),
    **dict.fromkeys(("little", "slightly", "bit", "low", "barely", "disagree"), 1),
    **dict.fromkeys(("somewhat", "fairly", "medium", "neutral", "neither", "maybe"), 2),
    **dict.fromkeys(("moderately", "quite", "reasonably"), 3),
    **dict.fromkeys(("very", "high", "strongly", "really", "keen", "agree", "lot"), 4),
    **dict.fromkeys(("extremely", "highly", "most", "passionate", "definitely", "super"), 5),
    **dict.fromkeys(("hugely", "incredibly", "totally", "absolutely", "especially"), 5),
}
_MAX_RATING_WORDS = 11
_YES_NO = {"yes", "no", "maybe", "n/a", "not sure", "don't know"}


_INTENSIFIERS = {"very", "really", "extremely", "hugely", "incredibly", "especially", "super"}
_GRADES = {"low", "medium", "high", "little"}  # level words an intensifier grades further


def intensity(word: str) -> int | None:
    """How interested a rating word says, 0-5, or None when its words do not say (an
    intensifier grading a grade word: 'Very high' 5, 'Very low' 0)."""
    level = _level(word)
    return None if level is None else min(5, max(0, round(level + (level - 2.5) / 5)))


def _level(word: str) -> float | None:
    """How interested a rating word says, finer than a rating: an intensifier beside a
    grade word moves it half a level away from the middle ('Very high' above 'High',
    'Very low' below 'Low'), so that a form's scale of such words gets one level each."""
    tokens = re.findall(r"[a-z]+", fold_rating_word(word))
    strongly = any(t in {"strongly", "very", "completely", "totally", "fully"} for t in tokens)
    if "disagree" in tokens and "neither" not in tokens:  # "strongly" would say 4
        return 0.0 if strongly else 1.0
    if "agree" in tokens and "neither" not in tokens:
        return 5.0 if strongly else 4.0
    if any(t in {"not", "no", "none", "never", "uninterested", "nil"} for t in tokens):
        return 0.0
    grades = [_INTENSITY[t] for t in tokens if t in _GRADES]
    if grades and not _INTENSIFIERS.isdisjoint(tokens):
        return grades[0] + (0.5 if grades[0] >= 2.5 else -0.5)
    scores = [_INTENSITY[t] for t in tokens if t in _INTENSITY]
    if scores:
        return float(scores[0])
    return 3.0 if "interested" in tokens else None


def _numbered(word: str) -> tuple[int, str] | None:
    match = re.fullmatch(r"(\d+)\s*[-–—:=.)]\s*(\D.*)", word.strip())
    return None if match is None else (int(match.group(1)), match.group(2))


def _is_rating_word(value: str) -> bool:
    number = parse_whole_number(value)
    if number is not None:
        return number <= 10
    return _numbered(value) is not None or intensity(value) is not None


def answer_words(values: Sequence[str]) -> frozenset[str] | None:
    """The distinct answers (folded) of a column that could be a scale's: a few words,
    not yes/no, no number above 10, mostly no sector or role ("High school" is a sector);
    None for any other column."""
    distinct = frozenset(fold_rating_word(v) for v in values)
    if not distinct or len(distinct) > _MAX_RATING_WORDS or distinct <= _YES_NO:
        return None
    if any((n := parse_whole_number(v)) is not None and n > 10 for v in distinct):
        return None
    named = sum(1 for v in values if Sector.parse(v) is not None or Role.parse(v) is not None)
    return None if named >= 0.5 * len(values) else distinct


def looks_like_ratings(values: Sequence[str], scale_words: frozenset[str] = frozenset()) -> bool:
    """A few distinct answers, nearly all small numbers, words of interest or words of
    ``scale_words`` (a scale found in other columns: 'Essential' beside 'High priority');
    a stray unknown word is left for the user to place, so a column is not lost for it."""
    if answer_words(values) is None:
        return False
    folded = [fold_rating_word(v) for v in values]
    rated = sum(1 for v in folded if v in scale_words or _is_rating_word(v))
    return rated >= 0.75 * len(values)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _spread(number: int, low: int, high: int) -> int:
    """A number of a ``low``-``high`` scale on 0-5."""
    return number if (low, high) == (0, 5) else _round_half_up((number - low) * 5 / (high - low))


def _range(numbers: Sequence[int]) -> tuple[int, int]:
    """The scale numbers come from: 0 or 1 up to the first common top (5, 7, 10) they fit
    under, or the largest found (a 1-7 scale is not read as 1-10: its 7 would be 3)."""
    top = next((t for t in (5, 7, 10) if max(numbers) <= t), max(numbers))
    return (0 if min(numbers) == 0 else 1), top


def _scale_ratings(scale: Sequence[str], stems: dict[str, str]) -> dict[str, int]:
    """Each found word's rating on a known scale, its levels spread over 0-5."""
    position = {rating_stem(w): i for i, w in enumerate(scale)}
    return {k: _round_half_up(position[stem] * 5 / (len(scale) - 1)) for k, stem in stems.items()}


def draft_scale(words: Counter[str], draft: ScaleDraft) -> None:
    """The [scale] lines for the rating answers found."""
    typed = sorted({w for w in words if (n := parse_whole_number(w)) is not None and n <= 5})
    if typed and any(parse_whole_number(w) is None for w in words):
        # a few numbers among words (a paper response typed in): the words are placed on
        # their scale; the numbers read as they are (fitting both at once fits no scale)
        draft_scale(Counter({w: c for w, c in words.items() if w not in typed}), draft)
        draft.scale_note += (
            f" Some answers are numbers ({', '.join(typed)}): they are read as they are, 0-5. "
            "CHECK them."
        )
        return
    spelled: dict[str, str] = {}
    for word, _ in words.most_common():
        spelled.setdefault(fold_rating_word(word), word)
    if not spelled:
        return
    numbers = {k: n for k in spelled if (n := parse_whole_number(k)) is not None}
    if len(numbers) == len(spelled):
        if max(numbers.values()) <= 5:
            draft.scale_note = "The ratings are numbers 0-5: clnmatch reads them as they are."
            if min(numbers.values()) >= 1:  # a 1-5 scale (Google Forms' linear scale)
                draft.scale_note = (
                    f"The ratings are numbers {min(numbers.values())}-5: clnmatch reads them "
                    "as they are, and a blank as 0. CHECK: if 1 means not interested at all, "
                    'give each its rating here ("1" = 0, "2" = 1, ...).'
                )
            return
        low, high = _range(list(numbers.values()))
        for n in range(low, high + 1):  # every number of the range, found or not yet
            draft.scale.append((str(n), _spread(n, low, high), f"CHECK: {low}-{high} on 0-5"))
        draft.scale_note = (
            f"The ratings are numbers up to {max(numbers.values())}, beyond clnmatch's 0-5: each "
            f"of {low}-{high} is spread over 0-5 below. CHECK them, and the range."
        )
        return
    numbered = {k: m for k in spelled if (m := _numbered(k)) is not None}
    stems = {k: rating_stem(numbered[k][1] if k in numbered else k) for k in spelled}
    counts = Counter(fold_rating_word(w) for w in words.elements())
    # a stray answer or two ("Very keen" among 700 of a scale's words) is placed on its
    # own, so the scale still fits the rest
    rare = {k for k in spelled if counts[k] <= max(2, 0.01 * counts.total())}
    for strays in (set(), rare):
        common = {k: stem for k, stem in stems.items() if k not in strays}
        fitting = [
            s
            for s in KNOWN_SCALES
            if common and set(common.values()) <= {rating_stem(w) for w in s}
        ]
        if fitting:
            break
    if fitting:
        ratings = [_scale_ratings(s, common) for s in fitting]
        scale, chosen = min(zip(fitting, ratings, strict=True), key=lambda sr: len(sr[0]))
        others = [s for s, r in zip(fitting, ratings, strict=True) if r != chosen]
        note = ""
        if others:
            note = f'CHECK: the words also fit "{others[0][0]}" .. "{others[0][-1]}"'
        # a level nobody answered leaves a gap (five words of a six-level scale read as
        # 0, 1, 2, 4, 5): the form may have offered only the words found
        unused = [w for w in scale if rating_stem(w) not in set(common.values())]
        if unused and not note:
            note = f"CHECK: {len(scale) - len(unused)} of the scale's {len(scale)} words"
        for key in sorted(common, key=lambda k: chosen[k]):
            draft.scale.append((spelled[key], chosen[key], note))
        for key in sorted(strays):  # never a silent guess: off until a person rates it
            guess = intensity(key)
            perhaps = "" if guess is None else f" (by its words perhaps {guess})"
            draft.scale.append(
                (spelled[key], None, f"CHECK: {counts[key]} answer(s) off the scale{perhaps}")
            )
        draft.scale_note = (
            f'The words fit the {len(scale)}-level scale "{scale[0]}" .. "{scale[-1]}", '
            "spread over 0-5."
        )
        if unused:
            missing = ", ".join(f'"{w}"' for w in unused)
            draft.scale_note += (
                f" No answer is {missing}, so the ratings skip its level. CHECK: if the form "
                "offered only the words found, give them the ratings you mean (evenly "
                "spread, perhaps)."
            )
        if strays:
            draft.scale_note += (
                " A few answers are not on it: their lines are off (reading names each row "
                "and column) until you give each the rating it means, or correct the answers."
            )
        return
    if len(numbered) == len(spelled):
        low, high = _range([n for n, _ in numbered.values()])
        for key in sorted(spelled, key=lambda k: numbered[k][0]):
            value = _spread(numbered[key][0], low, high)
            draft.scale.append((spelled[key], value, "CHECK: placed by its number"))
        draft.scale_note = "The answers are numbered: each is placed by its number. CHECK them."
        return
    # the form's own scale: an answer given once or twice among many is a stray, off
    strays = {k for k in spelled if counts[k] <= 2} if counts.total() >= 50 else set()
    if len(spelled) - len(strays) < 3:
        strays = set()
    order = {  # by number or words, finer than a rating: 'Very high' above 'High'
        k: float(numbers[k]) if k in numbers and numbers[k] <= 5 else _level(k) for k in spelled
    }
    placed: dict[str, int | None] = {
        k: numbers[k] if k in numbers and numbers[k] <= 5 else intensity(k)
        for k in spelled
        if k not in strays
    }
    guesses = {k: intensity(k) for k in strays}
    kept = [order[k] for k in placed]
    distinct = None not in kept and len(set(kept)) == len(kept) > 1
    if distinct:
        # one level each: spread over 0-5 as a known scale's are (its top answer is 5); a
        # stray's level by its words counts too, so that it keeps its place when rated
        levels = sorted({r for r in order.values() if r is not None})
        spread = {r: _round_half_up(i * 5 / (len(levels) - 1)) for i, r in enumerate(levels)}
        placed = {k: spread[r] for k in placed if (r := order[k]) is not None}
        guesses = {k: None if (g := order[k]) is None else spread[g] for k in strays}
    shared = Counter(r for r in placed.values() if r is not None)
    for key in sorted(placed, key=lambda k: (placed[k] is None, placed[k] or 0, k)):
        rating = placed[key]
        note = "CHECK: give it a rating 0-5" if rating is None else "CHECK: placed by its words"
        if rating is not None and shared[rating] > 1:  # two answers, one rating: surely wrong
            note = f"CHECK: another answer has rating {rating} too; give each its own"
        draft.scale.append((spelled[key], rating, note))
    for key in sorted(strays):  # never a silent guess: off until a person rates it
        guess = guesses[key]
        perhaps = "" if guess is None else f" (by its words perhaps {guess})"
        draft.scale.append(
            (spelled[key], None, f"CHECK: {counts[key]} answer(s) off the scale{perhaps}")
        )
    draft.scale_note = (
        "No known scale fits these words: they are placed by their words"
        + (", spread over 0-5" if distinct else "")
        + ". CHECK them."
    )
    if strays:
        draft.scale_note += (
            " A few answers are given only once or twice: their lines are off (reading names "
            "each row and column) until you give each the rating it means, or correct them."
        )
