"""A request's JSON body read into the event engine's decisions (contract section 9).

The page's forms and the JSON API send the same fields; each function here checks them
(a 400 naming the field) and calls the one engine method they ask for.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from clnmatch.errors import ClnmatchError, InvalidInputError, without_command
from clnmatch.event import Event, EventError, EventView
from clnmatch.io.identity import EMAIL, EstablishmentIds, look_alike_names, name_key
from clnmatch.io.mapping import SurveyMapping
from clnmatch.io.survey import read_survey
from clnmatch.models import RATING_MAX, RATING_MIN, Cohort, Establishment, Facilitator

__all__ = [
    "MAX_PASTE_CHARACTERS",
    "MAX_PASTE_SCHOOLS",
    "add",
    "body_id",
    "expertise_of",
    "new_facilitator",
    "one_of",
    "seconds",
    "withdraw",
]

# late schools pasted at once: each is a decision placed with its own repair (a second or
# more), and the board waits for them all; a paste is a few late schools, not a survey
MAX_PASTE_SCHOOLS = 20
MAX_PASTE_CHARACTERS = 200_000


def seconds(value: Any) -> float:
    if isinstance(value, bool):  # float(True) is 1.0: a slip, not a limit
        raise EventError(f"time_limit must be a number of seconds; got {value!r}", 400)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise EventError(f"time_limit must be a number of seconds; got {value!r}", 400) from None
    if not 0 < seconds <= 3600:
        raise EventError(f"time_limit must be in (0, 3600] seconds; got {value!r}", 400)
    return seconds


def body_id(data: dict[str, Any], name: str) -> str:
    """The id ``name`` of a request's body: text (a number is read as its text)."""
    if name not in data:
        raise EventError(f"the body needs {name!r}", 400)
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise EventError(f"{name} must be an id (text); got {str(value)[:80]!r}", 400)
    return str(value)


def one_of(data: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """Which of ``names`` the body gives (None for none; two are refused, never one guessed)."""
    given = [n for n in names if data.get(n) not in (None, "")]
    if len(given) > 1:
        raise EventError(f"give one of {' or '.join(given)}, not both", 400)
    return given[0] if given else None


def withdraw(event: Event, data: dict[str, Any], time_limit: float) -> EventView:
    """Withdraw a school (``establishment_id``), one of its nominees (``practitioner_id``)
    or a facilitator (``facilitator_id``)."""
    chosen = one_of(data, ("establishment_id", "practitioner_id", "facilitator_id"))
    if chosen is None:
        raise EventError(
            "the body needs 'establishment_id', 'practitioner_id' or 'facilitator_id'", 400
        )
    if chosen == "practitioner_id":
        return event.withdraw_person(body_id(data, "practitioner_id"), time_limit)
    if chosen == "facilitator_id":
        return event.withdraw_facilitator(body_id(data, "facilitator_id"))
    return event.withdraw(body_id(data, "establishment_id"), time_limit)


def new_facilitator(event: Event, data: dict[str, Any]) -> EventView:
    """Add a facilitator from ``facilitator`` (``id``, ``name``, ``authority``, ``role``,
    optional ``email`` and ``expertise``), or from the page's form (its id as
    ``facilitator_id``: a field named "id" hides the form's; one theme of expertise as
    ``expertise_theme`` and ``expertise_rating``)."""
    given = (
        data["facilitator"] if "facilitator" in data else {**data, "id": data.get("facilitator_id")}
    )
    if not isinstance(given, dict):
        raise EventError("facilitator must be an object: id, name, authority, role", 400)
    fields = {k: given.get(k) or "" for k in ("id", "name", "authority", "role", "email")}
    if not all(isinstance(v, str) for v in fields.values()):
        raise EventError("a facilitator's id, name, authority, role and email are text", 400)
    fields = {k: v.strip() for k, v in fields.items()}
    missing = [k for k in ("id", "name", "authority") if not fields[k]]
    if missing:
        raise EventError(f"a facilitator needs {', '.join(missing)}", 400)
    for key, longest in (("id", 80), ("name", 200), ("authority", 200), ("role", 200),
                         ("email", 200)):  # fmt: skip
        if len(fields[key]) > longest or any(ord(c) < 32 or ord(c) == 127 for c in fields[key]):
            raise EventError(
                f"a facilitator's {key} is one line of at most {longest} characters", 400
            )
    if fields["email"] and not EMAIL.fullmatch(fields["email"]):  # their teams' rosters show it
        raise EventError("a facilitator's email is an address such as name@school.org", 400)
    expertise = given.get("expertise")
    if "facilitator" not in data and given.get("expertise_theme"):  # the page's form
        theme, rating = given["expertise_theme"], given.get("expertise_rating") or "5"
        if not isinstance(theme, str):
            raise EventError("expertise_theme is a theme's name", 400)
        expertise = {theme: rating}
    return event.add_facilitator(
        Facilitator(
            id=fields["id"],
            name=fields["name"],
            authority=fields["authority"],
            role=fields["role"],
            expertise=expertise_of(event.snapshot.cohort.themes, expertise),
            email=fields["email"] or None,
        )
    )


def expertise_of(themes: tuple[str, ...], given: object) -> dict[str, int]:
    """A new facilitator's ``expertise``: survey themes (any case) rated 0-5."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise EventError(
            'expertise must be an object of theme: rating 0-5, e.g. {"Literacy": 4}', 400
        )
    named = {theme.casefold(): theme for theme in themes}
    rated: dict[str, int] = {}
    for theme, rating in given.items():
        known = named.get(str(theme).strip().casefold())
        if known in rated:
            raise EventError(f"expertise names {known} twice", 400)
        if known is None:
            raise EventError(
                f"expertise names {str(theme)[:80]!r}, not a theme of the survey: "
                + ", ".join(themes),
                400,
            )
        if isinstance(rating, str) and rating.strip().isdigit():
            rating = int(rating)
        whole = isinstance(rating, int) and not isinstance(rating, bool)
        if not whole or not RATING_MIN <= rating <= RATING_MAX:  # as Facilitator checks it
            raise EventError(f"expertise in {known} is a whole number 0-5; got {rating!r}", 400)
        rated[known] = rating
    return rated


def add(
    event: Event, data: dict[str, Any], time_limit: float, mapping: SurveyMapping | None
) -> EventView:
    """Add from the list given at the start (``establishment_id``), bring back a nominee
    who withdrew (``practitioner_id``) or add from survey rows (``rows``)."""
    kinds = ("establishment_id", "practitioner_id", "facilitator_id", "facilitator", "rows")
    chosen = one_of(data, kinds)
    if chosen == "establishment_id":
        return event.add_from_list(body_id(data, "establishment_id"), time_limit)
    if chosen == "practitioner_id":
        return event.return_person(body_id(data, "practitioner_id"), time_limit)
    if chosen == "facilitator_id":
        return event.return_facilitator(body_id(data, "facilitator_id"))
    if chosen == "facilitator":
        return new_facilitator(event, data)
    if not isinstance(data.get("rows") or "", str):
        raise EventError("rows must be text: survey rows with their header line", 400)
    rows = str(data.get("rows") or "").strip()
    if not rows:
        raise EventError("paste survey rows (with their header line) or pick a school", 400)
    if len(rows) > MAX_PASTE_CHARACTERS:  # each school is a decision with its own repair
        raise EventError(
            f"the pasted rows are {len(rows):,} characters: paste at most "
            f"{MAX_PASTE_SCHOOLS} schools' rows at a time",
            413,
        )
    try:
        frame = pd.read_csv(
            io.StringIO(rows), dtype=str, keep_default_na=False, sep=None, engine="python"
        )
        # rows without ids are numbered apart from the survey's own (its row 7 is R007)
        prefix = f"pasted-{event.version}-R"
        reading = read_survey(frame, mapping=mapping, row_id_prefix=prefix)
    except (ClnmatchError, ValueError) as exc:
        raise EventError(
            f"the rows could not be read as a survey: {_paste_advice(exc)}", 400
        ) from exc
    extra = reading.cohort
    _refuse_second_schools(event, extra)
    missing = [t for t in event.snapshot.cohort.themes if t not in extra.themes]
    unknown = [t for t in extra.themes if t not in event.snapshot.cohort.themes]
    if missing or unknown:
        what = f"do not rate {', '.join(missing)}" if missing else ""
        what += " and " if missing and unknown else ""
        what += f"rate {', '.join(unknown)}, not a theme of the survey" if unknown else ""
        raise EventError(
            f"the pasted rows {what}: their header line must name the themes as the survey's does",
            400,
        )
    if len(extra.establishments) > MAX_PASTE_SCHOOLS:
        raise EventError(
            f"the pasted rows name {len(extra.establishments)} schools: paste at most "
            f"{MAX_PASTE_SCHOOLS} at a time (each is placed, and undone, on its own)",
            413,
        )
    return event.add(extra, time_limit)


def _refuse_second_schools(event: Event, extra: Cohort) -> None:
    """Pasted rows naming a school (no establishment_id given) spelled like another one,
    pasted or in the event, or with its authority typed two ways, would add a second
    school ('Busby Primary' beside 'Busby Primary School': testers' nominees went to two
    teams): refused, saying what to write."""
    present = event.cohort_for(event.state).establishments
    known = {e.id for e in present}
    named = {(e.authority_key, name_key(e.name)): e for e in present}
    # schools whose ids the rows did not give (they were made from the names)
    pasted = [
        e
        for e in extra.establishments
        if e.id not in known and EstablishmentIds().id_for(e.authority, e.name) == e.id
    ]
    first_of: dict[str, Establishment] = {}
    for est in pasted:  # one school's rows with its authority typed two ways: two schools
        twin = first_of.setdefault(name_key(est.name), est)
        if twin.authority_key != est.authority_key:
            raise EventError(
                f"the pasted rows give the school '{est.name}' in two authorities, "
                f"{twin.authority} and {est.authority}: write its authority the same way in "
                "every row; for two schools of that name, give the rows an establishment_id "
                "column",
                409,
            )
    authorities = {e.authority_key for e in present}
    by_name = {name_key(e.name): e for e in present}
    for est in pasted:
        same = named.get((est.authority_key, name_key(est.name)))
        if same is not None:  # the same name under the survey's own id
            raise EventError(
                f"the pasted school '{est.name}' is in the event already (establishment id "
                f"{same.id}): to add nominees to it, give the rows an establishment_id "
                f"column holding {same.id}",
                409,
            )
        there = by_name.get(name_key(est.name))
        if there is not None and est.authority_key not in authorities:  # a slip: 'Inverclyd'
            raise EventError(
                f"the pasted school '{est.name}' is in the event already, in {there.authority} "
                f"(establishment id {there.id}), but the rows give the authority "
                f"'{est.authority}', which no school here has: write it as the event has it; "
                "for another school of that name, give the rows an establishment_id column",
                409,
            )
    # sectors aside: a pasted row's sector typed wrong must not make a second school
    rows = [(e.authority, e.name) for e in (*present, *pasted)]
    ours = {e.name for e in pasted}
    for first, later, *_ in look_alike_names(rows):
        name, other = next((n for n in later if n in ours), None), first
        if name is None and first in ours:
            name, other = first, later[0]
        if name is not None:
            raise EventError(
                f"the pasted school '{name}' looks like '{other}' (the same authority): "
                "write one school's name the same way in every row and as the event has it; "
                "for two schools, give the rows an establishment_id column",
                409,
            )


def _paste_advice(exc: Exception) -> str:
    """A reader's message for pasted rows: no Python names, and no command-line advice
    (the room cannot run `clnmatch map`): the one thing to do is said instead."""
    problems = exc.problems if isinstance(exc, InvalidInputError) else ()
    text = (
        "\n".join(str(p) for p in without_command(problems, "clnmatch map"))
        if problems
        else str(exc)
    )
    text = text.replace("survey DataFrame", "the pasted rows").replace("the DataFrame", "the paste")
    # the event reads with its own copy of the mapping: an edit of the file changes nothing
    text = re.sub(
        r"; add it to the \[scale\] of .*? with the rating it means, or correct the answer",
        "; correct the answer in the pasted rows (the event reads them with the [scale] "
        "it began with)",
        text,
    )
    return text + (
        "\nCopy the rows from the survey file the event started from, with its header line."
    )
