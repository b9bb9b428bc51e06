"""The teams a re-match starts from: read from a teams.csv (by establishment) and a result
folder's facilitator links."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from clnmatch.models import Cohort
from clnmatch.result import split_establishments

__all__ = ["establishment_teams", "load_previous", "load_previous_links"]


def establishment_teams(cohort: Cohort, previous: Mapping[str, int]) -> dict[str, int]:
    """Establishment id -> team; practitioner-keyed entries are folded into establishments."""
    out: dict[str, int] = {}
    votes: dict[str, Counter[int]] = {}
    for key, team in previous.items():
        if key in cohort.establishment_by_id:
            out[key] = int(team)
        elif key in cohort.practitioner_by_id:
            votes.setdefault(cohort.practitioner_by_id[key].establishment_id, Counter())[
                int(team)
            ] += 1
    for est, counter in votes.items():
        out.setdefault(est, counter.most_common(1)[0][0])
    return out


def load_previous(
    survey_cohort: Cohort,
    teams_csv_path: str | os.PathLike[str],
    skipped: list[str] | None = None,
    notes: list[str] | None = None,
) -> dict[str, int]:
    """Establishment id -> team (1..T) from a teams.csv (``practitioner_id``, ``team``).

    An establishment's team is the one most of its listed nominees are in. Rows naming
    practitioners the survey no longer holds are skipped (they may have withdrawn); their
    ids are appended to ``skipped`` when it is given, for the caller to say so. Rows whose
    ids name other people of the survey (its rows renumbered) are matched back by name
    and e-mail (``match_to_survey``), said in ``notes``.
    """
    from clnmatch.io.assignment import match_to_survey, read_assignment

    read = read_assignment(teams_csv_path, themes=survey_cohort.themes)
    table = match_to_survey(read, survey_cohort)
    if notes is not None:
        notes += [str(w) for w in table.warnings[len(read.warnings) :]]
    known = survey_cohort.practitioner_by_id
    if skipped is not None:
        skipped += [pid for pid in table.teams if pid not in known]
    listed = {pid: team for pid, team in table.teams.items() if pid in known}
    joined = establishment_teams(survey_cohort, listed)
    if notes is not None:
        notes += _split_notes(survey_cohort, listed, joined, teams_csv_path)
    return joined


def _split_notes(
    cohort: Cohort,
    listed: Mapping[str, int],
    joined: Mapping[str, int],
    teams_csv_path: str | os.PathLike[str],
) -> list[str]:
    """A note for each establishment whose nominees teams.csv puts in several teams (a hand
    edit): here they are together again, in the team most of them are in, unsaid before."""
    school = {pid: cohort.practitioner_by_id[pid].establishment_id for pid in listed}
    out = []
    for est, teams in split_establishments(listed, school).items():
        name = cohort.establishment_by_id[est].name or est
        shown = " and ".join(map(str, teams))
        out.append(
            f"{teams_csv_path}: the nominees of {name} ({est}) are in teams {shown}; an "
            f"establishment's nominees stay together here: all in team {joined[est]}, "
            "where most of them were, or the first listed on a tie (move the school to "
            "change it)"
        )
    return out


def load_previous_links(
    cohort: Cohort, folder: str | os.PathLike[str]
) -> list[tuple[str, int]] | None:
    """The facilitator-team links of a result folder (its facilitators.csv), or None when
    it has none. A folder with links and a cohort without facilitators is refused: carrying
    on would drop every link silently."""
    from clnmatch.errors import InputProblem, InvalidInputError
    from clnmatch.io.assignment import folder_links

    links = folder_links(folder)
    if not links:  # a result made without facilitators
        return None
    if not cohort.facilitators:
        raise InvalidInputError(
            [
                InputProblem(
                    f"the facilitators table this result was made with (--facilitators "
                    f"FILE), to keep its {len(links)} facilitator link(s): without it "
                    "they would all be dropped (and rosters would name facilitators by id)",
                    file=str(Path(folder) / "facilitators.csv"),
                )
            ]
        )
    return links
