"""What changed in a cohort since the survey: withdrawals and late additions.

``apply_changes`` turns a cohort and the day's changes into the new cohort. A rematch
records every change it made in its result folder (``changes.json``: the ids that
withdrew and the full records of late additions, which the survey file does not hold),
so that a rematch of a rematched result, ``report`` and ``check`` start from the cohort
as it now is: a withdrawn establishment never comes back unless it is added again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union

from clnmatch.errors import InputProblem, InvalidInputError, InvalidParameterError
from clnmatch.io.identity import additions_row_prefix, name_key
from clnmatch.io.outputs import CHANGES_FILE, refuse_pseudonymised
from clnmatch.io.survey import read_survey
from clnmatch.io.uploads import upload_name
from clnmatch.models import Cohort, Establishment, Facilitator, Practitioner

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AddedInput",
    "AdditionClash",
    "CHANGES_FILE",
    "ChangeRecord",
    "CohortChange",
    "apply_changes",
    "as_cohort",
    "cohort_of_folder",
]

# an upload too, as the survey readers take it: bytes or a file object
AddedInput = Union[Cohort, "pd.DataFrame", str, Path, bytes, IO[bytes], IO[str]]
_KINDS = ("practitioner", "establishment", "facilitator")
_FORMAT = "clnmatch changes 1"


class AdditionClash(InvalidParameterError):
    """Late additions that clash with the cohort (``clashes``: one sentence each)."""

    def __init__(self, clashes: Sequence[str]):
        self.clashes = tuple(clashes)
        super().__init__(
            "The 'added' parameter of rematch must not clash with the cohort. Got: "
            + "; ".join(self.clashes[:10])
            + " instead."
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.clashes,))


@dataclass(frozen=True)
class CohortChange:
    """The cohort after withdrawals and additions, and what changed (ids only)."""

    cohort: Cohort
    withdrawn_practitioners: tuple[str, ...] = ()
    withdrawn_establishments: tuple[str, ...] = ()  # every nominee withdrew
    withdrawn_facilitators: tuple[str, ...] = ()
    added_establishments: tuple[str, ...] = ()  # new to the cohort
    added_practitioners: tuple[str, ...] = ()
    added_facilitators: tuple[str, ...] = ()
    passed_over: tuple[str, ...] = ()  # withdrawn before, in a fresh export: still out
    passed_over_schools: tuple[str, ...] = ()  # their establishments' names


def _resolve_withdrawn(cohort: Cohort, withdrawn: Sequence[str]) -> dict[str, set[str]]:
    """Each withdrawn id by kind; ``kind:id`` settles an id that names two things."""
    known = {
        "practitioner": set(cohort.practitioner_by_id),
        "establishment": set(cohort.establishment_by_id),
        "facilitator": {f.id for f in cohort.facilitators},
    }
    out: dict[str, set[str]] = {k: set() for k in _KINDS}
    unknown: list[str] = []
    for raw in withdrawn:
        text = str(raw).strip()
        kinds = [k for k in _KINDS if text in known[k]]
        if not kinds:
            head, sep, rest = text.partition(":")
            kind = head.strip().casefold()
            if sep and kind in known and rest.strip() in known[kind]:
                out[kind].add(rest.strip())
                continue
            unknown.append(text)
        elif len(kinds) == 1:
            out[kinds[0]].add(text)
        else:
            options = " or ".join(f"'{k}:{text}'" for k in kinds)
            raise InvalidParameterError(
                f"The 'withdrawn' parameter of rematch names {text!r}, which is the id of "
                f"{' and of '.join(('an ' if k[0] in 'aeiou' else 'a ') + k for k in kinds)}. "
                f"Write {options} instead."
            )
    if unknown:
        raise InvalidParameterError(
            "The 'withdrawn' parameter of rematch must name practitioner, establishment or "
            f"facilitator ids of the cohort. Got {unknown!r} instead{_ids_of_names(cohort, unknown)}"
        )
    return out


def _ids_of_names(cohort: Cohort, texts: Sequence[str]) -> str:
    """The ids of the schools and people ``texts`` name (a survey export has no ids: a
    lead officer knows the names), or where the ids are."""
    ids: dict[str, list[str]] = {}
    for group in (cohort.establishments, cohort.practitioners, cohort.facilitators):
        for named in group:
            ids.setdefault(name_key(named.name), []).append(named.id)
    found = [
        f"{t!r} is the name of {' and '.join(ids[k])}" for t in texts if (k := name_key(t)) in ids
    ]
    if found:
        return f": {'; '.join(found)}; give the id (of teams.csv's establishment_id or practitioner_id column)."
    return ": the ids are in teams.csv's establishment_id and practitioner_id columns."


def as_cohort(added: AddedInput | None) -> Cohort | None:
    if added is None:
        return None
    if isinstance(added, Cohort):
        return added
    if isinstance(added, (str, Path)):
        # rows without ids are numbered by this file, never like the survey's rows
        return read_survey(added, row_id_prefix=additions_row_prefix(added)).cohort
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None  # type: ignore[assignment]
    if pd is not None and isinstance(added, pd.DataFrame):
        return Cohort.from_dataframe(added)
    if isinstance(added, bytes | bytearray | memoryview) or callable(getattr(added, "read", None)):
        prefix = additions_row_prefix(upload_name(added, "added"))
        return read_survey(added, row_id_prefix=prefix).cohort
    raise InvalidParameterError.for_value(
        "added",
        "rematch",
        "a Cohort, a DataFrame shaped like the survey, or a survey file (its path, bytes or "
        "file object)",
        added,
    )


def _reorder_themes(added: Cohort, themes: tuple[str, ...]) -> tuple[Practitioner, ...]:
    """The additions' practitioners with ratings in the cohort's theme order."""
    if tuple(added.themes) == themes:
        return added.practitioners
    if set(added.themes) != set(themes):
        missing = [t for t in themes if t not in added.themes]
        extra = [t for t in added.themes if t not in themes]
        raise InvalidParameterError(
            "The 'added' parameter of rematch must rate the cohort's themes. "
            f"Got missing themes {missing} and unknown themes {extra} instead."
        )
    order = [added.themes.index(t) for t in themes]
    return tuple(
        p.model_copy(update={"interests": tuple(p.interests[i] for i in order)})
        for p in added.practitioners
    )


def _joining(
    cohort: Cohort,
    candidates: Sequence[Practitioner],
    clashes: list[str],
    withdrawn_before: Sequence[Practitioner] = (),
    passed_over: list[tuple[str, str]] | None = None,
) -> list[Practitioner]:
    """The additions' practitioners who are not in the cohort yet.

    A file of additions may be a fresh export of the whole survey: a row the survey
    already holds (the same id and answers, or the same name in the same establishment)
    is that person, not a newcomer, and is passed over. So is someone who withdrew
    before (``withdrawn_before``) when the file holds anyone still in the cohort (a fresh
    export: the withdrawal stands; their id before and establishment go to
    ``passed_over``); a file of only such people brings them back. An id the survey gives
    someone else is a clash (a second form numbers its responses from 1 again)."""
    by_id = {p.id: p for p in cohort.practitioners}
    by_person = {(p.establishment_id, name_key(p.name)) for p in cohort.practitioners}
    gone_id = {p.id: p for p in withdrawn_before}
    gone_person = {(p.establishment_id, name_key(p.name)): p.id for p in withdrawn_before}

    def present(p: Practitioner) -> bool:
        return by_id.get(p.id) == p or (p.establishment_id, name_key(p.name)) in by_person

    def withdrew(p: Practitioner) -> str | None:
        if gone_id.get(p.id) == p:
            return p.id
        return gone_person.get((p.establishment_id, name_key(p.name)))

    fresh_export = any(present(p) for p in candidates)
    out: list[Practitioner] = []
    for p in candidates:
        same = by_id.get(p.id)
        if present(p):
            continue
        earlier = withdrew(p) if fresh_export else None
        if earlier is not None:
            if passed_over is not None:
                passed_over.append((earlier, p.establishment_id))
            continue
        if same is not None:
            clashes.append(
                f"practitioner id {p.id!r} is already someone else's in the cohort (a second "
                "form numbers its responses from 1 again: give the additions ids of their own)"
            )
            continue
        out.append(p)
    return out


def apply_changes(
    cohort: Cohort,
    withdrawn: Sequence[str] = (),
    added: AddedInput | None = None,
    *,
    withdrawn_before: Sequence[Practitioner] = (),
) -> CohortChange:
    """The cohort after ``withdrawn`` ids leave and ``added`` (same themes) joins.

    ``withdrawn`` names practitioner, establishment or facilitator ids (``kind:id`` when
    an id names two things). An establishment whose nominees all withdraw leaves.
    ``added`` may bring new nominees of an existing establishment (same authority and
    sector) and new facilitators; people of ``withdrawn_before`` (withdrawn at an earlier
    change) in a fresh export of the whole survey stay out (``passed_over``).
    """
    if isinstance(withdrawn, str):
        withdrawn = [withdrawn]
    gone = _resolve_withdrawn(cohort, withdrawn)
    gone_people = set(gone["practitioner"])
    for est in gone["establishment"]:
        gone_people.update(p.id for p in cohort.nominees[est])
    practitioners = [p for p in cohort.practitioners if p.id not in gone_people]
    staying = {p.establishment_id for p in practitioners}
    establishments = [e for e in cohort.establishments if e.id in staying]
    left = tuple(e.id for e in cohort.establishments if e.id not in staying)
    facilitators = [f for f in cohort.facilitators if f.id not in gone["facilitator"]]

    extra = as_cohort(added)
    passed_over: list[tuple[str, str]] = []  # (their id before, their establishment)
    schools: list[str] = []  # the names of those establishments
    added_est: list[str] = []
    added_people: list[str] = []
    added_fac: list[str] = []
    if extra is not None:
        clashes: list[str] = []
        candidates = _reorder_themes(extra, tuple(cohort.themes))
        joining = _joining(cohort, candidates, clashes, withdrawn_before, passed_over)
        schools = list(dict.fromkeys(extra.establishment_by_id[e].name for _, e in passed_over))
        hosts = {p.establishment_id for p in joining}
        by_id: dict[str, Establishment] = {e.id: e for e in establishments}
        for e in extra.establishments:
            old = by_id.get(e.id)
            if old is None and e.id in hosts:
                establishments.append(e)
                by_id[e.id] = e
                added_est.append(e.id)
            elif old is not None and (
                old.authority_key != e.authority_key or old.sector != e.sector
            ):
                clashes.append(
                    f"establishment {e.id!r} is {old.authority}/{old.sector} in the "
                    f"cohort but {e.authority}/{e.sector} in the additions"
                )
        practitioners += joining
        added_people += [p.id for p in joining]
        fac_by_id = {f.id: f for f in cohort.facilitators}
        for f in extra.facilitators:
            if fac_by_id.get(f.id) == f:
                continue  # already in the cohort (a fresh export of the whole table)
            if f.id in fac_by_id:
                clashes.append(f"facilitator id {f.id!r} is already someone else's in the cohort")
            else:
                facilitators.append(f)
                added_fac.append(f.id)
        if clashes:
            raise AdditionClash(clashes)
    new = Cohort(
        themes=cohort.themes,
        establishments=tuple(establishments),
        practitioners=tuple(practitioners),
        facilitators=tuple(facilitators),
        source=cohort.source,
    )
    return CohortChange(
        cohort=new,
        withdrawn_practitioners=tuple(p.id for p in cohort.practitioners if p.id in gone_people),
        withdrawn_establishments=left,
        withdrawn_facilitators=tuple(
            f.id for f in cohort.facilitators if f.id in gone["facilitator"]
        ),
        added_establishments=tuple(added_est),
        added_practitioners=tuple(added_people),
        added_facilitators=tuple(added_fac),
        passed_over=tuple(earlier for earlier, _ in passed_over),
        passed_over_schools=tuple(schools),
    )


# --------------------------------------------------------------------------- the record
@dataclass(frozen=True)
class ChangeRecord:
    """Every withdrawal and addition since the survey, as kept in a result folder.

    ``withdrawn`` maps a kind (practitioner, establishment, facilitator) to ids;
    ``added_*`` hold the full records of late additions (the survey does not have them).
    """

    themes: tuple[str, ...] = ()
    withdrawn: dict[str, tuple[str, ...]] = field(default_factory=dict)
    added_establishments: tuple[Establishment, ...] = ()
    added_practitioners: tuple[Practitioner, ...] = ()
    added_facilitators: tuple[Facilitator, ...] = ()

    @property
    def empty(self) -> bool:
        return not any(self.withdrawn.values()) and not (
            self.added_establishments or self.added_practitioners or self.added_facilitators
        )

    def withdrawn_of(self, kind: str) -> tuple[str, ...]:
        return tuple(self.withdrawn.get(kind, ()))

    def apply(self, survey: Cohort) -> Cohort:
        """The survey's cohort as it now is: additions joined, withdrawals gone.

        Records the survey already holds (a late school typed into the survey file) are
        not added twice; withdrawn ids the survey does not know are passed over.
        """
        if self.empty:
            return survey
        establishments = list(survey.establishments)
        known = {e.id for e in establishments}
        establishments += [e for e in self.added_establishments if e.id not in known]
        people = {p.id for p in survey.practitioners}
        practitioners = list(survey.practitioners)
        order = _theme_order(self.themes, survey.themes)
        for p in self.added_practitioners:
            if p.id not in people:
                ratings = tuple(p.interests[i] for i in order) if order else p.interests
                practitioners.append(p.model_copy(update={"interests": ratings}))
        fac_ids = {f.id for f in survey.facilitators}
        facilitators = list(survey.facilitators)
        facilitators += [f for f in self.added_facilitators if f.id not in fac_ids]
        gone_est = set(self.withdrawn_of("establishment"))
        gone_people = set(self.withdrawn_of("practitioner"))
        gone_fac = set(self.withdrawn_of("facilitator"))
        practitioners = [
            p
            for p in practitioners
            if p.id not in gone_people and p.establishment_id not in gone_est
        ]
        staying = {p.establishment_id for p in practitioners}
        return Cohort(
            themes=survey.themes,
            establishments=tuple(e for e in establishments if e.id in staying),
            practitioners=tuple(practitioners),
            facilitators=tuple(f for f in facilitators if f.id not in gone_fac),
            source=survey.source,
        )

    def reused_ids(self, survey: Cohort, added: Cohort) -> list[tuple[str, str]]:
        """(id, establishment) of each added practitioner whose id the survey or an earlier
        addition gives a nominee of another establishment, withdrawn or not: an id is one
        person's for good (``apply`` would bring the first one back under it)."""
        owners = {p.id: p.establishment_id for p in survey.practitioners}
        owners |= {p.id: p.establishment_id for p in self.added_practitioners}
        return [
            (p.id, owners[p.id])
            for p in added.practitioners
            if owners.get(p.id, p.establishment_id) != p.establishment_id
        ]

    def then(self, change: CohortChange, base: Cohort) -> ChangeRecord:
        """This record followed by ``change`` (made on ``base``, this record's cohort)."""
        new = change.cohort
        back_est = set(change.added_establishments)
        back_people = set(change.added_practitioners)
        withdrawn = {
            "establishment": _merge(
                [e for e in self.withdrawn_of("establishment") if e not in back_est],
                change.withdrawn_establishments,
            ),
            "practitioner": _merge(
                [p for p in self.withdrawn_of("practitioner") if p not in back_people],
                change.withdrawn_practitioners,
            ),
            "facilitator": _merge(
                [f for f in self.withdrawn_of("facilitator") if f not in change.added_facilitators],
                change.withdrawn_facilitators,
            ),
        }
        added_est = [e for e in self.added_establishments if e.id not in back_est]
        added_est += [new.establishment_by_id[e] for e in change.added_establishments]
        added_people = [p for p in self.added_practitioners if p.id not in back_people]
        added_people += [new.practitioner_by_id[p] for p in change.added_practitioners]
        fac_by_id = {f.id: f for f in new.facilitators}
        added_fac = [f for f in self.added_facilitators if f.id not in change.added_facilitators]
        added_fac += [fac_by_id[f] for f in change.added_facilitators]
        return ChangeRecord(
            themes=base.themes,
            withdrawn=withdrawn,
            added_establishments=tuple(added_est),
            added_practitioners=tuple(added_people),
            added_facilitators=tuple(added_fac),
        )

    def to_dict(self, *, pseudonyms: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The record as JSON; with ``pseudonyms`` (a person's id -> the id the outputs
        give them) it names no person: ids replaced, names numbered, no email or title."""
        people = [p.model_dump(mode="json") for p in self.added_practitioners]
        facilitators = [f.model_dump(mode="json") for f in self.added_facilitators]
        withdrawn = {kind: list(self.withdrawn_of(kind)) for kind in _KINDS}
        if pseudonyms is not None:
            for i, p in enumerate(people, 1):
                p.update(id=pseudonyms.get(p["id"], f"Late addition {i:02d}"),
                         name=f"Late addition {i:02d}", email=None, job_title=None)  # fmt: skip
            for i, f in enumerate(facilitators, 1):
                f.update(id=pseudonyms.get(f["id"], f"Late facilitator {i:02d}"),
                         name=f"Late facilitator {i:02d}", email=None)  # fmt: skip
            for kind in ("practitioner", "facilitator"):
                withdrawn[kind] = [pseudonyms.get(x, f"Withdrawn {kind} {i:02d}")
                                   for i, x in enumerate(withdrawn[kind], 1)]  # fmt: skip
        return {
            "format": _FORMAT,
            "themes": list(self.themes),
            "withdrawn": withdrawn,
            "added": {
                "establishments": [e.model_dump(mode="json") for e in self.added_establishments],
                "practitioners": people,
                "facilitators": facilitators,
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: str = CHANGES_FILE) -> ChangeRecord:
        try:
            added = data.get("added", {})
            return cls(
                themes=tuple(data.get("themes", ())),
                withdrawn={k: tuple(v) for k, v in data.get("withdrawn", {}).items()},
                added_establishments=tuple(
                    Establishment.model_validate(e) for e in added.get("establishments", ())
                ),
                added_practitioners=tuple(
                    Practitioner.model_validate(p) for p in added.get("practitioners", ())
                ),
                added_facilitators=tuple(
                    Facilitator.model_validate(f) for f in added.get("facilitators", ())
                ),
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise InvalidInputError(
                [InputProblem(file=file, expected=f"a changes.json written by clnmatch ({exc})")]
            ) from exc

    @classmethod
    def read(cls, folder: str | Path) -> ChangeRecord:
        """The record in ``folder`` (a result folder); an empty one when it has none."""
        path = Path(folder) / CHANGES_FILE
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInputError(
                [
                    InputProblem(
                        file=str(path), expected=f"a changes.json written by clnmatch ({exc})"
                    )
                ]
            ) from exc
        if not isinstance(data, dict):
            raise InvalidInputError(
                [InputProblem(file=str(path), expected="a JSON object written by clnmatch")]
            )
        return cls.from_dict(data, str(path))

    def summary_line(self, survey: Cohort | None = None) -> str:
        """In words; with the ``survey``, its schools listed as added (one that withdrew
        and came back is recorded so) are said to be back, not added."""
        parts = [
            f"{len(self.withdrawn_of(kind))} {kind}(s) withdrawn"
            for kind in _KINDS
            if self.withdrawn_of(kind)
        ]
        known = survey.establishment_by_id if survey is not None else {}
        back = [e for e in self.added_establishments if e.id in known]
        new = [e for e in self.added_establishments if e.id not in known]
        back_ids = {e.id for e in back}  # their rows came back with them
        people = [p for p in self.added_practitioners if p.establishment_id not in back_ids]
        if new or people:
            parts.append(f"{len(new)} establishment(s) and {len(people)} practitioner(s) added")
        if back:
            parts.append(f"{len(back)} establishment(s) of the survey back")
        if self.added_facilitators:
            parts.append(f"{len(self.added_facilitators)} facilitator(s) added")
        return "; ".join(parts) or "no changes"


def _merge(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


def _theme_order(recorded: Sequence[str], themes: Sequence[str]) -> list[int] | None:
    """Indices that put ratings recorded in ``recorded`` order into ``themes`` order."""
    if not recorded or tuple(recorded) == tuple(themes):
        return None
    if set(recorded) != set(themes):
        raise InvalidParameterError(
            "The late additions recorded in changes.json rate other themes than the survey: "
            f"recorded {list(recorded)}, survey {list(themes)}."
        )
    return [list(recorded).index(t) for t in themes]


def cohort_of_folder(survey: Cohort, folder: str | Path) -> tuple[Cohort, ChangeRecord]:
    """The cohort a result folder was made for: the survey plus its recorded changes (a
    pseudonymised folder is refused: nobody in it is the survey's)."""
    if not isinstance(survey, Cohort):  # a path, as the readers take: refused by name
        raise InvalidParameterError.for_value(
            "survey",
            "cohort_of_folder",
            "a Cohort (clnmatch.read_cohort(path) reads one)",
            survey,
        )
    refuse_pseudonymised(folder)
    record = ChangeRecord.read(folder)
    return record.apply(survey), record
