"""The words of the domain: sectors, roles and authorities, and how a survey's words
name them ("Acting Depute", "Primary, ELC", "Teacher of English"), so that every reader
and a mapping's extra words compare them alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import TypeVar

__all__ = ["Role", "Sector", "authority_key", "word_key"]


def _fold(text: str) -> str:
    """Trim, case-fold and collapse inner white space, '-' and '_' to one space."""
    return re.sub(r"[\s_\-]+", " ", str(text)).strip().casefold()


_Word = TypeVar("_Word")

#: The key sector and role words are compared by (a mapping's extra words use it too).
word_key = _fold

# "Acting Depute", "Depute (acting)": the post held for now is the post
_STAND_IN = re.compile(
    r"^(?:acting|interim|temporary|temp|seconded)\s+|\s*\((?:acting|interim|temporary|temp)\)$"
)


def _lookup(
    text: object, table: Mapping[str, _Word], extra: Mapping[str, _Word] | None
) -> _Word | None:
    """The value ``text`` names in ``extra`` (a mapping's words) or ``table``, else None
    (naming none, or several: see ``_named``)."""
    found = _named(text, table, extra)
    return next(iter(found)) if len(found) == 1 else None


def _named(
    text: object, table: Mapping[str, _Word], extra: Mapping[str, _Word] | None
) -> set[_Word]:
    """The values ``text`` names in ``extra`` (a mapping's words) or ``table``.

    Tried in order: the whole text; without an 'acting'/'interim' prefix; then, when a
    form's choice reads "Promoted (e.g. HT, DHT, PT)" or "Special / ASN", each part
    around '/' and each part's text outside the brackets and inside them: used only when
    every part that names something names the same. A form's tick-boxes ("Primary, Early
    Learning and Childcare (ELC)", "Primary;") are read box by box, ',' or ';' apart
    (outside brackets): every box must name something (one naming nothing is never
    passed over); last, the text before ' of ' or ' for ' ("Teacher of English" is a
    teacher).
    """
    words = {**table, **(extra or {})}
    key = _fold(str(text))
    if key in words:
        return {words[key]}
    bare = _STAND_IN.sub("", key).strip()
    if bare in words:
        return {words[bare]}
    found: set[_Word] = set()
    boxes = [b for b in re.split(r"[,;](?![^()]*\))", bare) if _fold(b)]  # a bracket's own
    for box in boxes:
        named: set[_Word] = set()
        for item in _STAND_IN.sub("", _fold(box)).strip().split("/"):  # "Acting PT" too
            parts = [item, re.sub(r"\(.*?\)", " ", item), *re.findall(r"\((.*?)\)", item)]
            named |= {words[p] for part in parts if (p := _fold(part)) in words}
        if not named and len(boxes) > 1:  # "Secondary, ASN base": not read as secondary
            found = set()
            break
        found |= named
    if not found:  # "Teacher of English", "Principal Teacher for ASN": the post, not its field
        post = _fold(re.sub(r"\s+(?:of|for)\s+.*$", "", bare))
        found = {words[post]} if post in words else set()
    return found


@cache  # asked per establishment, again and again: 161,000 times at 5,000
def authority_key(name: str) -> str:
    """The key authorities are compared by: trimmed, case-folded, spaces collapsed."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


class Sector(StrEnum):
    """The sector of an establishment."""

    ELC = "ELC"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"

    @classmethod
    def parse(cls, text: object, extra: Mapping[str, Sector] | None = None) -> Sector | None:
        """The sector a survey's wording names, or None when it names none.

        ``extra``: more words (keys as ``word_key`` gives them), e.g. a mapping's [sectors].
        """
        if isinstance(text, Sector):
            return text
        return _lookup(text, _SECTOR_ALIASES, extra)

    @classmethod
    def named(cls, text: object, extra: Mapping[str, Sector] | None = None) -> list[Sector]:
        """Every sector the wording names ("Primary, ELC" ticked on a form names two)."""
        return sorted(_named(text, _SECTOR_ALIASES, extra), key=list(Sector).index)


_SECTOR_ALIASES: dict[str, Sector] = {
    **{
        a: Sector.ELC
        for a in (
            "elc",
            "nursery",
            "nursery school",
            "nursery class",
            "early years",
            "early learning and childcare",
            "early learning & childcare",
            "early learning",
            "early learning centre",
            "early years centre",
            "family centre",
            "elcc",
            "n",
        )
    },
    **{a: Sector.PRIMARY for a in ("primary", "primary school", "p", "pri")},
    **{
        a: Sector.SECONDARY
        for a in (
            "secondary",
            "secondary school",
            "high school",
            "academy",
            "s",
            "sec",
        )
    },
    **{
        a: Sector.SPECIAL
        for a in (
            "special",
            "special school",
            "asn",
            "additional support needs",
            "additional support needs school",
            "asn school",
            "sen",
            "asl",
            "additional support for learning",
            "special needs",
            "specialist provision",
        )
    },
}


class Role(StrEnum):
    """A nominee's role: the promoted member of staff (senior leader) or a practitioner."""

    PROMOTED = "promoted"
    PRACTITIONER = "practitioner"

    @classmethod
    def parse(cls, text: object, extra: Mapping[str, Role] | None = None) -> Role | None:
        """The role a survey's wording (a role or a job title) names, or None.

        ``extra``: more words (keys as ``word_key`` gives them), e.g. a mapping's [roles].
        """
        if isinstance(text, Role):
            return text
        return _lookup(text, _ROLE_ALIASES, extra)

    @classmethod
    def named(cls, text: object, extra: Mapping[str, Role] | None = None) -> list[Role]:
        """Every role the wording names ("Class Teacher; Principal Teacher" names two)."""
        return sorted(_named(text, _ROLE_ALIASES, extra), key=list(Role).index)


_ROLE_ALIASES: dict[str, Role] = {
    **{
        a: Role.PROMOTED
        for a in (
            "promoted",
            "promoted staff",
            "senior leader",
            "senior leadership",
            "slt",
            "headteacher",
            "head teacher",
            "head",
            "hT",
            "depute",
            "depute head",
            "depute head teacher",
            "dht",
            "deputy head",
            "pt",
            "principal teacher",
            "faculty head",
            "head of centre",
            "depute head of centre",
            "manager",
            "nursery manager",
            "ht",
            # job titles a form's free-text answer often gives
            "acting depute",
            "acting head teacher",
            "deputy head teacher",
            "depute headteacher",
            "deputy headteacher",
            "assistant head teacher",
            "assistant head",
            "executive headteacher",
            "head of establishment",
            "head of department",
            "centre manager",
            "early years manager",
            "senior cdo",
            "senior child development officer",
            "senior early years practitioner",
            "senior eyp",
            "senior practitioner",
            "lead practitioner",
            "lead early years practitioner",
        )
    },
    **{
        a: Role.PRACTITIONER
        for a in (
            "practitioner",
            "teacher",
            "class teacher",
            "classroom teacher",
            "eyp",
            "early years practitioner",
            "elc practitioner",
            "nursery teacher",
            "support for learning teacher",
            "staff",
            # job titles a form's free-text answer often gives
            "child development officer",
            "cdo",
            "nursery practitioner",
            "nursery nurse",
            "nursery officer",
            "early years worker",
            "early years officer",
            "early learning and childcare practitioner",
            "childcare practitioner",
            "family learning worker",
            "family support worker",
            "support for learning worker",
            "classroom assistant",
            "pupil support assistant",
            "psa",
            "primary teacher",
            "secondary teacher",
            "subject teacher",
            "probationer teacher",
            "probationer",
        )
    },
}
_ROLE_ALIASES = {k.casefold(): v for k, v in _ROLE_ALIASES.items()}
