"""The Add dialog's list of late schools (``--additions``): a school typed two ways by its
nominees is two schools of one nominee each, which the terminal alone said."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from test_event_engine import THEMES
from test_rematch import PREVIOUS, RULES, sector_cohort

from clnmatch.event import Event
from clnmatch.models import Cohort, Establishment, Practitioner
from clnmatch.web.app import create_app


def _late(names: list[str]) -> Cohort:
    schools = tuple(
        Establishment(id=f"N{i}", name=name, authority="B", sector="secondary")
        for i, name in enumerate(names)
    )
    people = tuple(
        Practitioner(id=f"N{i}-1", name=f"Late {i}", establishment_id=f"N{i}", role="HT",
                     interests=(2, 2, 2))
        for i in range(len(names))
    )  # fmt: skip
    return Cohort(themes=THEMES, establishments=schools, practitioners=people)


def test_look_alike_late_schools_are_pointed_out_with_their_nominees(tmp_path: Path) -> None:
    late = _late(["Woodfarm High School", "Woodfarm High", "Eastwood High"])
    event = Event.create(tmp_path / "event", sector_cohort(), RULES, teams=PREVIOUS, additions=late)
    client = TestClient(
        create_app(event, repair_time_limit=3),
        headers={"Authorization": f"Bearer {event.tokens()['editor']}"},
    )
    form = client.get("/ui/add").text
    assert "Woodfarm High (N1, 1 nominee)" in form
    assert "‘Woodfarm High School’ and ‘Woodfarm High’ look alike" in form
    assert "‘Eastwood High’" not in form
    # one school's nominees added one by one would be two schools, maybe in two teams
    assert "do not add them from this list" in form and "add each of them" not in form
