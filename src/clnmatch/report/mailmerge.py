"""mailmerge.csv: one row per person, ready for a word processor's or mail tool's merge.

Each row carries everything a letter or e-mail to that person needs: their name, e-mail
(when the survey has one), role and job title, establishment, team and focus theme, their
team mates with their establishments (one text cell) and their team mates' e-mails (one
cell, "; " between, for a Cc line: each person gets their own team's addresses, never
another team's), the team's facilitator(s) and the cohort's contact. Column names are plain lower-case words so that Word, Outlook and
Google Docs add-ons offer them as merge fields. Written with ``clnmatch.io.safe.write_csv``
(UTF-8 with a BOM, formulas neutralised).
"""

from __future__ import annotations

import pandas as pd

from clnmatch.io.identity import EMAIL
from clnmatch.report.views import Heading, TeamView, team_views
from clnmatch.result import Result

__all__ = ["MAILMERGE_COLUMNS", "mailmerge_frame"]

MAILMERGE_COLUMNS = (
    "practitioner_id",
    "name",
    "email",
    "role",
    "job_title",
    "establishment",
    "authority",
    "team",
    "focus",
    "team_mates",
    "team_emails",
    "facilitators",
    "contact",
    "cohort",
    "date",
)


def _facilitators(team: TeamView) -> str:
    return "; ".join(f.contact for f in team.facilitators)


def mailmerge_frame(result: Result, heading: Heading | None = None) -> pd.DataFrame:
    """One row per placed person, in team order then survey order (``MAILMERGE_COLUMNS``)."""
    heading = heading or Heading()
    rows = []
    for team in team_views(result):
        facilitators = _facilitators(team)
        for g, m in team.members:
            others = [(og, o) for og, o in team.members if o.practitioner_id != m.practitioner_id]
            mates = "; ".join(f"{other.name} ({og.name})" for og, other in others)
            # only addresses: one typed as no address (a warning when read) in nobody's Cc
            emails = "; ".join(o.email for _, o in others if o.email and EMAIL.fullmatch(o.email))
            rows.append(
                {
                    "practitioner_id": m.practitioner_id,
                    "name": m.name,
                    "email": m.email or "",
                    "role": m.role,
                    "job_title": m.job_title or "",
                    "establishment": g.name,
                    "authority": g.authority,
                    "team": team.team,
                    "focus": team.focus or "",
                    "team_mates": mates,
                    "team_emails": emails,
                    "facilitators": facilitators,
                    "contact": heading.contact or "",
                    "cohort": heading.title,
                    "date": heading.date_text,
                }
            )
    return pd.DataFrame(rows, columns=list(MAILMERGE_COLUMNS))
