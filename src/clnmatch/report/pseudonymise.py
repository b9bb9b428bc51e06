"""Pseudonymised copies of a result, for outputs shared beyond the lead officer.

Practitioner and facilitator names become stable pseudonyms ("Practitioner 017",
"Facilitator 03"), numbered in survey order so the same survey always gives the same
pseudonyms. Emails are dropped. Establishment names stay: establishments are not
personal data. A practitioner id that carries personal data (an email address, or the
person's name) is replaced by a pseudonymous id too, and the assignment follows it.
"""

from __future__ import annotations

import dataclasses

from clnmatch.models import Cohort, Facilitator, Practitioner
from clnmatch.result import Result

__all__ = ["pseudonymise", "practitioner_pseudonym", "facilitator_pseudonym"]


def _width(n: int, minimum: int) -> int:
    return max(minimum, len(str(n)))


def practitioner_pseudonym(index: int, total: int) -> str:
    """The pseudonym of the ``index``-th (0-based) of ``total`` practitioners."""
    return f"Practitioner {index + 1:0{_width(total, 3)}d}"


def facilitator_pseudonym(index: int, total: int) -> str:
    """The pseudonym of the ``index``-th (0-based) of ``total`` facilitators."""
    return f"Facilitator {index + 1:0{_width(total, 2)}d}"


def _id_is_personal(practitioner: Practitioner) -> bool:
    """True when the id itself would identify the person (surveys often key rows by email)."""
    pid = practitioner.id.casefold()
    return "@" in pid or pid == practitioner.name.strip().casefold()


def pseudonymise(result: Result) -> Result:
    """A copy of ``result`` whose cohort names no person; the input is left unchanged."""
    cohort = result.cohort
    n = len(cohort.practitioners)
    width = _width(n, 3)
    used_ids = {p.id for p in cohort.practitioners}
    id_map: dict[str, str] = {}
    practitioners: list[Practitioner] = []
    for i, p in enumerate(cohort.practitioners):
        update: dict[str, object] = {"name": practitioner_pseudonym(i, n), "email": None}
        if _id_is_personal(p):
            new_id = f"P{i + 1:0{width}d}"
            while new_id in used_ids:  # never collide with a real id of the survey
                new_id = f"{new_id}x"
            used_ids.add(new_id)
            id_map[p.id] = new_id
            update["id"] = new_id
        practitioners.append(p.model_copy(update=update))
    m = len(cohort.facilitators)
    facilitators: list[Facilitator] = [
        f.model_copy(update={"name": facilitator_pseudonym(i, m)})
        for i, f in enumerate(cohort.facilitators)
    ]
    # model_copy skips validation; rebuilding the cohort re-checks it and drops cached views
    new_cohort = Cohort.model_validate(
        {
            **{name: getattr(cohort, name) for name in Cohort.model_fields},
            "practitioners": tuple(practitioners),
            "facilitators": tuple(facilitators),
        }
    )
    assignment = {id_map.get(pid, pid): team for pid, team in result.assignment.items()}
    return dataclasses.replace(result, cohort=new_cohort, assignment=assignment)
