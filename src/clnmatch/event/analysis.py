"""Help for people deciding at the event: suggestions, "why here", and differences.

* ``suggest``: for a school (or every school of a team) every move to another team and
  every swap with a school of another team (for a team, also every school of another
  team moving in: a team short of a sector needs one) is scored and checked by
  ``clnmatch.evaluate.evaluate``, the one evaluator, on the unit view of the cohort as it
  now is; the candidates that break no rule the board does not already break are ranked
  by fewest breaches left, then by gain in points. Locked schools neither move nor swap.
  At CLN scale (50 schools, 8 teams) one school's ~50 candidates take about 25 ms.
* ``why_here``: ``clnmatch.explain`` on the present state.
* ``diff``: the establishments, practitioners and facilitators whose team differs between
  two assignments (event versions or result folders), with the objective and rule checks
  of both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clnmatch.evaluate import Evaluation, evaluate
from clnmatch.event.engine import Event
from clnmatch.event.export import result_of
from clnmatch.event.state import EventError, EventState
from clnmatch.explain import explain
from clnmatch.models import Cohort
from clnmatch.problem import SCALE, Problem
from clnmatch.rematch import facilitator_changes
from clnmatch.result import split_establishments
from clnmatch.wording import plural

__all__ = ["Side", "diff", "diff_lines", "folder_side", "state_side", "suggest", "why_here"]


def _breach_keys(evaluation: Evaluation) -> set[tuple[object, ...]]:
    return {(b.rule, b.team, b.subject) for b in evaluation.breaches}


def suggest(
    event: Event, *, establishment: str | None = None, team: int | None = None, limit: int = 8
) -> list[dict[str, Any]]:
    """The best rule-keeping moves and swaps for a school or for every school of a team."""
    state = event.state
    cohort = event.cohort_for(state)
    if any(state.teams.get(e.id, 0) < 1 for e in cohort.establishments):
        raise EventError("place every school in a team first (solve, or drag them in)")
    problem = Problem.from_cohort(cohort, event.rules_for(cohort), event.snapshot.objective)
    index = {uid: i for i, uid in enumerate(problem.unit_ids)}
    unit_team = np.array([state.teams[uid] - 1 for uid in problem.unit_ids], dtype=np.int64)
    if establishment is not None:
        if establishment not in index:
            raise EventError(f"{establishment!r} is not a school of the event", 404)
        subjects = [index[establishment]]
    elif team is not None:
        subjects = [int(u) for u in np.flatnonzero(unit_team == int(team) - 1)]
    else:
        raise EventError("name a school or a team", 400)
    movable = np.array([uid not in state.locked for uid in problem.unit_ids])
    base = evaluate(problem, unit_team)
    known = _breach_keys(base)
    names = cohort.establishment_by_id
    seen: set[tuple[tuple[int, int], ...]] = set()
    found: list[tuple[tuple[int, float], dict[str, Any]]] = []

    def consider(changes: dict[int, int], kind: str) -> None:
        key = tuple(sorted(changes.items()))
        if key in seen:
            return
        seen.add(key)
        trial = unit_team.copy()
        for u, t in changes.items():
            trial[u] = t
        ev = evaluate(problem, trial)
        if _breach_keys(ev) - known:
            return  # breaks a rule the board keeps
        gain = (ev.objective_milli - base.objective_milli) / SCALE
        ids = [problem.unit_ids[u] for u in changes]
        found.append(
            (
                (len(ev.breaches), -gain),
                {
                    "kind": kind,
                    "changes": [
                        {
                            "establishment_id": problem.unit_ids[u],
                            "establishment_name": names[problem.unit_ids[u]].name,
                            "from_team": int(unit_team[u]) + 1,
                            "to_team": int(t) + 1,
                        }
                        for u, t in changes.items()
                    ],  # fmt: skip
                    "gain": round(gain, 3),
                    "breaches_left": len(ev.breaches),
                    "establishments": ids,
                },
            )
        )

    for u in subjects:
        if not movable[u]:
            continue
        for t in range(problem.n_teams):
            if t != unit_team[u]:
                consider({u: t}, "move")
        for v in np.flatnonzero((unit_team != unit_team[u]) & movable):
            consider({u: int(unit_team[v]), int(v): int(unit_team[u])}, "swap")
    if team is not None and establishment is None:  # a school of another team joining it
        for v in np.flatnonzero((unit_team != int(team) - 1) & movable):
            consider({int(v): int(team) - 1}, "move")
    found.sort(key=lambda item: item[0])
    return [item for _, item in found[:limit]]


def why_here(event: Event, eid: str) -> dict[str, Any]:
    """``clnmatch.explain`` for one school of the present state."""
    view = event.view()
    if eid not in view.cohort.establishment_by_id:
        raise EventError(f"{eid!r} is not a school of the event", 404)
    if view.unplaced:
        raise EventError("place every school in a team first", 409)
    for explanation in explain(result_of(event, view)):
        if explanation.establishment_id == eid:
            notes = []
            if eid in view.state.locked:
                notes.append(
                    f"Locked in team {explanation.team}: it stays there whatever a move "
                    "would gain (unlock it to move it)."
                )
            return {**explanation.to_dict(), "locked": eid in view.state.locked, "notes": notes}
    raise EventError(f"no explanation for {eid!r}", 404)  # pragma: no cover


# --------------------------------------------------------------------------- diff
@dataclass(frozen=True)
class Side:
    """One assignment to compare: establishment and practitioner teams, links, checks."""

    label: str
    establishments: dict[str, int]
    practitioners: dict[str, int]
    links: tuple[tuple[str, int], ...]
    objective: float | None
    breaches: tuple[str, ...]
    names: dict[str, str]
    checked: bool  # True: re-checked by the evaluator; False: as saved in summary.json
    edited: bool = False  # its tables changed since summary.json checked them: no figures
    # establishments whose nominees are in more than one team (a hand edit): their teams
    split: dict[str, tuple[int, ...]] = field(default_factory=dict)
    schools: dict[str, str] = field(default_factory=dict)  # practitioner -> establishment


def state_side(event: Event, label: str, state: EventState) -> Side:
    """A side from an event state (a saved version or the present)."""
    cohort, evaluation = event.evaluate_state(state)
    # 0: in the event but not placed (a late school waiting); absent: not in the event
    teams = {e.id: max(0, state.teams.get(e.id, 0)) for e in cohort.establishments}
    return Side(
        label=label,
        establishments=teams,
        practitioners={p.id: teams[p.establishment_id] for p in cohort.practitioners},
        links=tuple(state.links),
        objective=evaluation.objective,
        breaches=tuple(b.message for b in evaluation.breaches),
        names={e.id: e.name for e in cohort.establishments},
        checked=True,
        schools={p.id: p.establishment_id for p in cohort.practitioners},
    )


def folder_side(folder: str | Path, survey: Cohort | None = None) -> Side:
    """A side from a result folder (or its teams.csv); re-checked by the evaluator when
    the survey is given."""
    from clnmatch.io.assignment import folder_links, read_assignment
    from clnmatch.io.digests import describes_tables
    from clnmatch.io.outputs import read_summary
    from clnmatch.publish import rebuild_result
    from clnmatch.rematch import cohort_of_folder

    path = Path(folder)
    if path.is_file() and path.name == "teams.csv":  # the folder's teams.csv named instead
        path = path.parent
    links = tuple(folder_links(path))
    if survey is not None:
        cohort, _ = cohort_of_folder(survey, path)
        result = rebuild_result(cohort, path)
        evaluation = result.evaluation
        assert evaluation is not None
        teams = dict(result.assignment)
        est = result.establishment_team()
        school = {p.id: p.establishment_id for p in cohort.practitioners}
        return Side(
            label=str(folder), establishments=est, practitioners=teams, links=links,
            objective=evaluation.objective,
            breaches=tuple(b.message for b in evaluation.breaches),
            names={e.id: e.name for e in cohort.establishments}, checked=True,
            split=split_establishments(teams, school), schools=school,
        )  # fmt: skip
    table = read_assignment(path / "teams.csv")
    est_votes: dict[str, int] = {}
    for pid, team in table.teams.items():
        eid = table.establishments.get(pid)
        if eid is not None:
            est_votes.setdefault(eid, team)
    summary: dict[str, Any] = {}
    if (path / "summary.json").exists():  # unreadable: an input error naming the file
        summary = read_summary(path)
    # tables edited by hand since: the saved objective and breaches are other teams'
    edited = describes_tables(summary, path) is False
    objective = None if edited else summary.get("objective")
    saved = None if edited else summary.get("breaches")
    return Side(
        label=str(folder), establishments=est_votes, practitioners=dict(table.teams),
        links=links, objective=objective if isinstance(objective, int | float) else None,
        breaches=tuple(
            str(b.get("message", "")) for b in saved if isinstance(b, dict)
        ) if isinstance(saved, list) else (),
        names=dict(table.establishment_names), checked=False, edited=edited,
        split=split_establishments(table.teams, table.establishments),
        schools=dict(table.establishments),
    )  # fmt: skip


def _changed(
    a: Mapping[str, int], b: Mapping[str, int]
) -> list[tuple[str, int | None, int | None]]:
    keys = list(dict.fromkeys([*a, *b]))
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def _school_rows(a: Side, b: Side, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Establishments in another team, or split over teams on one side only; a split
    school's "a"/"b" is its first practitioner's team, "a_split"/"b_split" all of them."""
    keys = list(dict.fromkeys([*a.establishments, *b.establishments]))
    rows = []
    for k in keys:
        x, y = a.establishments.get(k), b.establishments.get(k)
        sx, sy = a.split.get(k), b.split.get(k)
        if x == y and sx == sy:
            continue
        row: dict[str, Any] = {"establishment_id": k, "establishment_name": names.get(k, "")}
        row |= {"a": x, "b": y}
        if sx or sy:
            row |= {"a_split": list(sx or ()), "b_split": list(sy or ())}
        rows.append(row)
    return rows


def diff(a: Side, b: Side) -> dict[str, Any]:
    """What differs between two assignments, with the objective and rule checks of both."""
    names = {**a.names, **b.names}

    def side(s: Side) -> dict[str, Any]:
        return {
            "label": s.label,
            "objective": s.objective,
            "breaches": list(s.breaches),
            "checked": s.checked,
            "edited": s.edited,
        }

    return {
        "a": side(a),
        "b": side(b),
        "establishments": _school_rows(a, b, names),
        "practitioners": [  # with their school: a Forms export's ids are row numbers
            {
                "practitioner_id": k,
                "a": x,
                "b": y,
                "establishment_id": school,
                "establishment_name": names.get(school, ""),
            }
            for k, x, y in _changed(a.practitioners, b.practitioners)
            for school in [b.schools.get(k) or a.schools.get(k, "")]
        ],  # fmt: skip
        "facilitators": [  # named by side, as the establishments and practitioners are
            # (and "before" / "after" kept, as the contract adds and never renames)
            {**c.to_dict(), "a": list(c.before), "b": list(c.after)}
            for c in facilitator_changes(a.links, b.links)
        ],
    }


def _where(team: int | None, split: Sequence[int] = ()) -> str:
    """A side's team in words (result folders: no event need have been held)."""
    if split:
        return "split over teams " + ", ".join(map(str, split[:-1])) + f" and {split[-1]}"
    if team is None:
        return "withdrawn or not yet added"
    return "not placed" if team < 1 else f"team {team}"


def _of(row: Mapping[str, Any]) -> str:
    """A practitioner's school, by name (or id), for a line of the diff."""
    school = row.get("establishment_name") or row.get("establishment_id")
    return f" (of {school})" if school else ""


def diff_lines(result: Mapping[str, Any], sides: Sequence[str] = ("a", "b")) -> list[str]:
    """Plain lines for a terminal (ids and establishment names, never people's names)."""
    lines = []
    for key in sides:
        s = result[key]
        if s.get("edited"):
            lines.append(
                f"{key.upper()} {s['label']}: teams.csv or facilitators.csv was edited after its "
                "summary.json was written: its objective and breaches are unknown (give "
                "--survey to check it)"
            )
            continue
        how = "re-checked" if s["checked"] else "as saved in summary.json"
        objective = "-" if s["objective"] is None else f"{s['objective']:,.3f}"
        lines.append(
            f"{key.upper()} {s['label']}: objective {objective}, "
            f"{len(s['breaches'])} breach(es) ({how})"
        )
        lines += [f"  BREACH {m}" for m in s["breaches"]]
    lines.append(f"{len(result['establishments'])} establishment(s) in another team:")
    for row in result["establishments"]:
        name = f" ({row['establishment_name']})" if row["establishment_name"] else ""
        was, now = (_where(row[k], row.get(f"{k}_split", ())) for k in ("a", "b"))
        lines.append(f"  {row['establishment_id']}{name}: {was} -> {now}")
    lines.append(f"{len(result['practitioners'])} practitioner(s) in another team:")
    lines += [
        f"  {row['practitioner_id']}{_of(row)}: {_where(row['a'])} -> {_where(row['b'])}"
        for row in result["practitioners"]
    ]
    lines.append(f"{plural(len(result['facilitators']), 'facilitator')} in another team:")
    lines += [
        f"  {c['facilitator_id']}: team {', '.join(map(str, c['a'])) or 'none'} -> "
        f"{', '.join(map(str, c['b'])) or 'none'}"
        for c in result["facilitators"]
    ]
    return lines
