"""Pseudonymised copies of a result, for outputs shared beyond the lead officer.

What identifies a person is replaced; what does not stays:

* practitioner and facilitator **ids** become keyed-hash pseudonyms ("P-4KQ7ZC2M",
  "F-9T3XW1BD"): HMAC-SHA256 of the id under a secret key, in base 32. Survey ids are
  often e-mails or names ("laura.brown.1"), and a plain hash of such an id could be
  reversed by hashing every name on a staff list; a keyed hash cannot be without the key.
  The key is random for each run unless the caller passes one (``PseudonymKey``,
  ``--pseudonym-key FILE``): the same key gives the same pseudonyms in every run, so a
  pseudonymised rematch lines up with the pseudonymised solve before it;
* **names** become "Practitioner 017" / "Facilitator 03", numbered in the order of their
  keyed ids (not the survey's rows: the survey alone would undo that);
* **e-mails** and **job titles** are dropped (a job title at a named school, such as its
  "Headteacher", names one person);
* establishment names and ids, authorities and roles stay: they are not personal data.

Texts that may quote an id or a name (the search's notes, breach messages, facilitator
reasons) are scrubbed with the same pseudonyms, word for word.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from clnmatch.errors import InputProblem, InvalidInputError
from clnmatch.evaluate import Breach, Evaluation
from clnmatch.io.safe import atomic_write_bytes
from clnmatch.models import Cohort
from clnmatch.rematch import RematchResult
from clnmatch.result import Result

__all__ = [
    "PseudonymKey",
    "key_inside",
    "pseudonymise",
    "pseudonym",
    "practitioner_pseudonym",
    "facilitator_pseudonym",
]

_KEY_BYTES = 32
_CODE_CHARS = 8  # 40 bits of the HMAC: no collision expected below a million ids


def key_inside(key: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether the key file ``key`` would sit inside ``folder`` (whoever receives the
    outputs must not get the key); resolved, so a symbolic link names its target."""
    return Path(folder).resolve() in Path(key).resolve().parents


class PseudonymKey:
    """The secret behind the pseudonyms; ``generate()`` a new one, or ``load``/``save`` it."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise ValueError("a pseudonym key needs at least 16 bytes")
        self.secret = bytes(secret)

    @classmethod
    def generate(cls) -> PseudonymKey:
        return cls(secrets.token_bytes(_KEY_BYTES))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PseudonymKey:
        """Read a key file written by ``save`` (one line of hex)."""
        try:
            text = Path(path).read_text(encoding="ascii").strip()
            return cls(bytes.fromhex(text))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInputError(
                [
                    InputProblem(
                        file=str(path),
                        expected="a pseudonym key file written by clnmatch (64 hex digits)",
                    )
                ]
            ) from exc

    @classmethod
    def load_or_create(cls, path: str | os.PathLike[str]) -> PseudonymKey:
        """The key in ``path``; a new one, saved there, when the file does not exist."""
        if Path(path).exists():
            return cls.load(path)
        key = cls.generate()
        key.save(path)
        return key

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the key as hex, readable by its owner only (from the first byte on)."""
        atomic_write_bytes(path, (self.secret.hex() + "\n").encode("ascii"), mode=0o600)

    def __repr__(self) -> str:  # never print the secret
        return "PseudonymKey(<secret>)"


def pseudonym(key: PseudonymKey, kind: str, original: str, length: int = _CODE_CHARS) -> str:
    """'P-4KQ7ZC2M': the keyed hash of ``original`` (``kind`` 'P' or 'F') in base 32."""
    digest = hmac.new(key.secret, f"{kind}:{original}".encode(), hashlib.sha256).digest()
    return f"{kind}-{base64.b32encode(digest).decode('ascii')[:length]}"


def _width(n: int, minimum: int) -> int:
    return max(minimum, len(str(n)))


def practitioner_pseudonym(index: int, total: int) -> str:
    """The display name of the ``index``-th (0-based) of ``total`` practitioners."""
    return f"Practitioner {index + 1:0{_width(total, 3)}d}"


def facilitator_pseudonym(index: int, total: int) -> str:
    """The display name of the ``index``-th (0-based) of ``total`` facilitators."""
    return f"Facilitator {index + 1:0{_width(total, 2)}d}"


def _codes(key: PseudonymKey, kind: str, ids: Iterable[str], taken: set[str]) -> dict[str, str]:
    """A pseudonym per id, lengthened where two would collide (never in practice)."""
    out: dict[str, str] = {}
    for original in ids:
        length = _CODE_CHARS
        code = pseudonym(key, kind, original, length)
        while code in taken:
            length += 4
            code = pseudonym(key, kind, original, length)
        taken.add(code)
        out[original] = code
    return out


def _scrubber(replacements: Mapping[str, str]) -> Callable[[str], str]:
    """Replace each original as a whole word (longest first); identity when there is none.
    An id that is a plain number (a form's row number) is replaced only where a text names
    it as an id, quoted or after "practitioner" / "facilitator": elsewhere "2" is a count."""
    words = sorted((w for w in replacements if w.strip()), key=len, reverse=True)
    if not words:
        return lambda text: text
    plain = [w for w in words if not w.isdigit()]
    numbers = [w for w in words if w.isdigit()]
    either = []
    if plain:
        either.append(r"(?<![\w@.])(?:" + "|".join(re.escape(w) for w in plain) + r")(?![\w@])")
    if numbers:
        named = r"(?:(?<=')|(?<=\")|(?<=practitioner )|(?<=facilitator ))"
        either.append(named + r"(?:" + "|".join(numbers) + r")(?![\w@.])")
    pattern = re.compile("|".join(either))
    folded = {w: replacements[w] for w in words}
    return lambda text: pattern.sub(lambda m: folded[m.group(0)], text)


def _scrub_breach(b: Breach, scrub: Callable[[str], str]) -> Breach:
    return dataclasses.replace(
        b, message=scrub(b.message), subject=None if b.subject is None else scrub(b.subject)
    )


def _scrub_evaluation(
    evaluation: Evaluation, fac_ids: Mapping[str, str], scrub: Callable[[str], str]
) -> Evaluation:
    teams = tuple(
        dataclasses.replace(ts, facilitators=tuple(fac_ids.get(f, f) for f in ts.facilitators))
        for ts in evaluation.teams
    )
    breaches = tuple(_scrub_breach(b, scrub) for b in evaluation.breaches)
    return dataclasses.replace(evaluation, teams=teams, breaches=breaches)


def _scrub_allocation(
    allocation: Any, fac_ids: Mapping[str, str], scrub: Callable[[str], str]
) -> Any:
    return dataclasses.replace(
        allocation,
        links=tuple((fac_ids.get(f, f), t) for f, t in allocation.links),
        details=tuple(
            dataclasses.replace(
                d,
                facilitator_id=fac_ids.get(d.facilitator_id, d.facilitator_id),
                reason=scrub(d.reason),
            )
            for d in allocation.details
        ),
        team_facilitators={
            t: tuple(fac_ids.get(f, f) for f in fs)
            for t, fs in allocation.team_facilitators.items()
        },
        load={fac_ids.get(f, f): n for f, n in allocation.load.items()},
    )


def pseudonymise(result: Result, key: PseudonymKey | None = None) -> Result:
    """A copy of ``result`` whose outputs name no person; the input is left unchanged.

    ``key`` None: a fresh random key, so the ids are consistent within this result only.
    """
    key = key or PseudonymKey.generate()
    cohort = result.cohort
    taken: set[str] = set()
    pids = _codes(key, "P", (p.id for p in cohort.practitioners), taken)
    fids = _codes(key, "F", (f.id for f in cohort.facilitators), taken)
    # ids met only in the result (a withdrawn practitioner or facilitator of a rematch)
    gone_p = result.withdrawn_practitioners if isinstance(result, RematchResult) else ()
    gone_f = result.withdrawn_facilitators if isinstance(result, RematchResult) else ()
    extra_p = [p for p in gone_p if p not in pids]
    extra_f = [f for f in gone_f if f not in fids]
    pids.update(_codes(key, "P", extra_p, taken))
    fids.update(_codes(key, "F", extra_f, taken))

    n, m = len(cohort.practitioners), len(cohort.facilitators)
    words: dict[str, str] = {**pids, **fids}
    # numbered in the order of their keyed ids, not the survey's (whoever has the survey
    # would read "Practitioner 017" as its row 17): the same numbers with the same key and
    # the same people (one added or withdrawn renumbers those after it; the ids stay)
    number = {pid: i for i, pid in enumerate(sorted(pids[p.id] for p in cohort.practitioners))}
    practitioners = []
    for p in cohort.practitioners:
        name = practitioner_pseudonym(number[pids[p.id]], n)
        words.update({p.name: name, **({p.email: pids[p.id]} if p.email else {})})
        practitioners.append(
            p.model_copy(update={"id": pids[p.id], "name": name, "email": None, "job_title": None})
        )
    facilitators = []
    number = {fid: i for i, fid in enumerate(sorted(fids[f.id] for f in cohort.facilitators))}
    for f in cohort.facilitators:
        name = facilitator_pseudonym(number[fids[f.id]], m)
        words.update({f.name: name, **({f.email: fids[f.id]} if f.email else {})})
        facilitators.append(f.model_copy(update={"id": fids[f.id], "name": name, "email": None}))
    if cohort.source:  # the survey's file name, which the reading notes begin with
        words[Path(cohort.source).name] = "the survey"
    scrub = _scrubber(words)
    # model_copy skips validation; rebuilding the cohort re-checks it and drops cached views
    new_cohort = Cohort.model_validate(
        {
            **{field: getattr(cohort, field) for field in Cohort.model_fields},
            "practitioners": tuple(practitioners),
            "facilitators": tuple(facilitators),
            "source": None,
            "reading_notes": tuple(scrub(note) for note in cohort.reading_notes),
        }
    )
    changes: dict[str, Any] = {
        "cohort": new_cohort,
        "assignment": {pids.get(pid, pid): team for pid, team in result.assignment.items()},
        "facilitator_links": tuple((fids.get(f, f), t) for f, t in result.facilitator_links),
        "notes": tuple(scrub(note) for note in result.notes),
    }
    if result.evaluation is not None:
        changes["evaluation"] = _scrub_evaluation(result.evaluation, fids, scrub)
    if result.allocation is not None:
        changes["allocation"] = _scrub_allocation(result.allocation, fids, scrub)
    if isinstance(result, RematchResult):
        changes["withdrawn_practitioners"] = tuple(pids[p] for p in result.withdrawn_practitioners)
        changes["added_practitioners"] = tuple(pids[p] for p in result.added_practitioners)
        # names and ids: write_result writes changes.json from the original, pseudonymised
        changes.update(change=None, record=None, withdrawn_rows=())
        changes["withdrawn_facilitators"] = tuple(fids[f] for f in result.withdrawn_facilitators)
        for name in ("moves", "withdrawn", "added"):
            changes[name] = tuple(
                dataclasses.replace(move, reason=scrub(move.reason))
                for move in getattr(result, name)
            )
        changes["facilitator_changes"] = tuple(
            dataclasses.replace(c, facilitator_id=fids.get(c.facilitator_id, c.facilitator_id))
            for c in result.facilitator_changes
        )
        changes["broken_before"] = tuple(_scrub_breach(b, scrub) for b in result.broken_before)
        changes["previous_teams"] = {pids.get(k, k): t for k, t in result.previous_teams.items()}
    return dataclasses.replace(result, **changes)


def pseudonym_ids(original: Result, written: Result) -> dict[str, str]:
    """Each person's id in ``original`` -> their id in ``written`` (its ``pseudonymise``d
    copy, which keeps every list's order), withdrawn people included."""
    ids = {
        a.id: b.id
        for a, b in zip(original.cohort.practitioners, written.cohort.practitioners, strict=True)
    }
    ids.update(
        (a.id, b.id)
        for a, b in zip(original.cohort.facilitators, written.cohort.facilitators, strict=True)
    )
    if isinstance(original, RematchResult) and isinstance(written, RematchResult):
        for kind in ("withdrawn_practitioners", "withdrawn_facilitators"):
            ids.update(zip(getattr(original, kind), getattr(written, kind), strict=True))
    return ids
