"""What every roster shows, built once from a result: teams, members, facilitators.

The report, the workbook, the handouts and the mail-merge file all read these views, so
they list the same people in the same order with the same words: each team's
establishments in survey order, the promoted nominee (the senior leader backing the
work) first, each member with their role, job title as typed in the survey and e-mail
when the survey has one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from clnmatch.cohort_summary import cohort_warnings
from clnmatch.models import Role
from clnmatch.report.charts import sector_label
from clnmatch.report.words import DEFAULT_TITLE
from clnmatch.result import Result

__all__ = [
    "Heading",
    "Member",
    "EstablishmentGroup",
    "FacilitatorView",
    "TeamView",
    "ROLE_LABELS",
    "team_views",
    "facilitator_views",
    "cohort_notes",
    "report_notes",
    "diagnosis_text",
    "long_date",
]

ROLE_LABELS = {str(Role.PROMOTED): "Promoted", str(Role.PRACTITIONER): "Practitioner"}


def long_date(day: dt.date) -> str:
    """3 December 2025 (the way a letter is dated in Scotland)."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Heading:
    """What tops every roster: the cohort's title, the date, and whom to contact.

    ``date`` None means today. The title is the user's (``--title``), never a file name.
    """

    title: str = DEFAULT_TITLE
    date: dt.date | None = None
    contact: str | None = None
    # where the schools' facts come from, when a licence asks that a line travel with them
    source: str | None = None

    @property
    def day(self) -> dt.date:
        return self.date or dt.date.today()

    @property
    def date_text(self) -> str:
        return long_date(self.day)


@dataclass(frozen=True)
class Member:
    practitioner_id: str
    name: str
    role: str  # "Promoted" or "Practitioner"
    rating: int | None  # of the team's focus theme, 0..5
    job_title: str | None = None  # as typed in the survey
    email: str | None = None

    @property
    def role_text(self) -> str:
        """'Acting Depute (promoted)', or 'Promoted' without a job title."""
        if self.job_title and self.job_title.casefold() != self.role.casefold():
            return f"{self.job_title} ({self.role.lower()})"
        return self.role


@dataclass(frozen=True)
class EstablishmentGroup:
    id: str
    name: str
    authority: str
    sector: str
    simd_quintile: int | None
    members: tuple[Member, ...]


@dataclass(frozen=True)
class FacilitatorView:
    id: str
    name: str
    authority: str
    role: str
    teams: tuple[int, ...]
    establishments: int  # establishments supported over all its teams
    reason: str = ""
    email: str | None = None

    @property
    def label(self) -> str:
        """'Claire Grant (Glasgow City, QIO)'."""
        where = ", ".join(x for x in (self.authority, self.role) if x)
        return f"{self.name} ({where})" if where else self.name

    @property
    def contact(self) -> str:
        """The label and the e-mail, for the rosters a team is sent."""
        return f"{self.label}, {self.email}" if self.email else self.label


@dataclass(frozen=True)
class TeamView:
    team: int
    focus: str | None
    participants: int
    sectors: tuple[str, ...]
    authorities: dict[str, int]
    establishments: tuple[EstablishmentGroup, ...]
    facilitators: tuple[FacilitatorView, ...]
    focus_mean: float | None  # members' mean rating of the focus theme
    members: tuple[tuple[EstablishmentGroup, Member], ...] = field(default=(), repr=False)

    @property
    def anchor(self) -> str:
        return f"team-{self.team}"


def facilitator_views(result: Result) -> list[FacilitatorView]:
    """Every facilitator with a link (and those of the table without one), in table order."""
    cohort = result.cohort
    teams_of: dict[str, list[int]] = {}
    for fid, team in result.facilitator_links:
        teams_of.setdefault(fid, []).append(int(team))
    est_per_team = Counter(result.establishment_team().values())
    reasons = result.allocation.reasons if result.allocation is not None else {}
    by_id = {f.id: f for f in cohort.facilitators}
    ids = [f.id for f in cohort.facilitators] + [f for f in teams_of if f not in by_id]
    out = []
    for fid in ids:
        f = by_id.get(fid)
        teams = tuple(sorted(teams_of.get(fid, [])))
        out.append(
            FacilitatorView(
                id=fid,
                name=f.name if f else fid,
                authority=f.authority if f else "",
                role=f.role if f else "",
                teams=teams,
                establishments=sum(est_per_team.get(t, 0) for t in teams),
                reason=_reasons(fid, teams, reasons),
                email=f.email if f else None,
            )
        )
    return out


def _reasons(fid: str, teams: tuple[int, ...], reasons: Mapping[tuple[str, int], str]) -> str:
    """Why each link; a facilitator of several teams says which team each reason is for."""
    found = [(t, r) for t in teams if (r := reasons.get((fid, t)))]
    if len(found) == 1:
        return found[0][1]
    return " ".join(f"Team {t}: {r}." for t, r in found)


def team_views(result: Result) -> list[TeamView]:
    """Each team with its members grouped by establishment, in survey order."""
    cohort = result.cohort
    if not result.assignment:
        return []
    theme_index = {theme: k for k, theme in enumerate(cohort.themes)}
    stats = {ts.team: ts for ts in result.evaluation.teams} if result.evaluation else {}
    facilitators = facilitator_views(result)
    by_team: dict[int, list[FacilitatorView]] = {}
    for f in facilitators:
        for t in f.teams:
            by_team.setdefault(t, []).append(f)
    groups: dict[int, list[EstablishmentGroup]] = {t: [] for t in range(1, result.rules.teams + 1)}
    for est in cohort.establishments:
        nominees = sorted(
            (p for p in cohort.nominees[est.id] if p.id in result.assignment),
            key=lambda p: p.role != Role.PROMOTED,
        )
        # each nominee where the assignment puts them: a school split by a hand edit (a
        # breach the rule checks name) shows in both teams, as teams.csv has it
        for team in dict.fromkeys(result.assignment[p.id] for p in nominees):
            k = theme_index.get(result.team_focus.get(team, ""))
            members = tuple(
                Member(
                    practitioner_id=p.id,
                    name=p.name,
                    role=ROLE_LABELS.get(str(p.role), str(p.role)),
                    rating=None if k is None else p.interests[k],
                    job_title=p.job_title or None,
                    email=p.email or None,
                )
                for p in nominees
                if result.assignment[p.id] == team
            )
            groups.setdefault(team, []).append(
                EstablishmentGroup(
                    est.id,
                    est.name,
                    est.authority,
                    sector_label(est.sector),
                    est.simd_quintile,
                    members,
                )
            )
    out = []
    for team, ests in sorted(groups.items()):
        ratings = [m.rating for g in ests for m in g.members if m.rating is not None]
        ts = stats.get(team)
        authorities = dict(ts.authorities) if ts else dict(Counter(g.authority for g in ests))
        out.append(
            TeamView(
                team=team,
                focus=result.team_focus.get(team),
                participants=sum(len(g.members) for g in ests),
                sectors=tuple(sorted({g.sector for g in ests})),
                authorities=authorities,
                establishments=tuple(ests),
                facilitators=tuple(by_team.get(team, ())),
                focus_mean=sum(ratings) / len(ratings) if ratings else None,
                members=tuple((g, m) for g in ests for m in g.members),
            )
        )
    return out


def cohort_notes(result: Result) -> list[str]:
    """What reading the survey warned about, then the cohort's warnings (lone nominees,
    missing senior leaders): for the lead officer."""
    return [*result.cohort.reading_notes, *cohort_warnings(result.cohort, result.rules)]


def report_notes(result: Result) -> list[str]:
    """The result's notes (from the search), then the cohort's warnings."""
    return [*result.notes, *cohort_notes(result)]


def diagnosis_text(result: Result) -> str:
    """The diagnosis of an infeasible result in words ('' when there is none)."""
    diagnosis = result.diagnosis
    if diagnosis is None:
        return ""
    message = getattr(diagnosis, "message", None)
    return str(message() if callable(message) else message or diagnosis)


@dataclass(frozen=True)
class ChangeView:
    """One change a re-match made: a school withdrawn, moved or added, or a person out."""

    what: str  # "withdrawn", "moved", "added", "nominees withdrawn"
    name: str
    from_team: int | None
    to_team: int | None
    reason: str


def change_views(result: Result) -> list[ChangeView]:
    """What a re-match changed (a ``RematchResult``'s moves); [] for any other result."""
    out = [
        ChangeView(what, m.establishment_name, m.from_team, m.to_team, m.reason)
        for what, moves in (
            ("withdrawn", getattr(result, "withdrawn", ())),
            ("moved", getattr(result, "moves", ())),
            ("added", getattr(result, "added", ())),
        )
        for m in moves
    ]
    # people who left are no longer in the cohort: their ids (pseudonymised with the rest)
    gone = getattr(result, "withdrawn_practitioners", ())
    if gone:
        said = "ids of the people who left, those of a withdrawn school included"
        out.append(ChangeView("nominees withdrawn", ", ".join(gone), None, None, said))
    return out
