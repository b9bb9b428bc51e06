"""Restoring a saved version: the board as saved, one decision that undo takes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_event_engine import late_school, new_event, snapshot
from test_web_api import editor_client

from clnmatch.event import Event, EventError


def test_a_restored_version_is_the_board_as_saved_and_undo_takes_it_back(
    tmp_path: Path,
) -> None:
    """Moves, a lock, a withdrawal and a late school since the version: all go back to it
    (the withdrawn school back, the late one out), the line says which, and one undo
    brings back the board that was replaced."""
    event = new_event(tmp_path)
    event.save_version("start")
    saved = event.state.key()
    event.move("E5", 1)
    event.set_lock("E0", True)
    event.withdraw("E1", time_limit=2)
    event.add(late_school("N1"), time_limit=2)
    replaced = event.state.key()
    view = event.restore_version("start")
    assert view.state.key() == saved
    assert "E1" not in view.state.withdrawn and "N1" not in view.state.teams
    message = event.last_change["message"]
    assert "version 'start' restored" in message
    assert "Late High no longer added" in message and " back" in message
    assert "start" in event.timeline.versions  # still saved
    assert event.undo().state.key() == replaced
    assert event.redo().state.key() == saved


def test_a_restore_survives_a_restart_and_keeps_what_was_proven(tmp_path: Path) -> None:
    """Replayed from the journal, the restore gives the same board, stacks and versions;
    the bound of the version's cohort is the one proven before (nothing solved again)."""
    event = new_event(tmp_path)
    bound = event.view().bound
    event.save_version("start")
    event.withdraw("E1", time_limit=2)
    event.restore_version("start")
    assert event.view().bound == bound
    live = snapshot(event)
    event.close()
    again = Event.open(tmp_path)
    assert snapshot(again) == live
    assert again.view().bound == bound
    again.close()


def test_restoring_the_board_it_already_is_records_nothing(tmp_path: Path) -> None:
    event = new_event(tmp_path)
    event.save_version("start")
    version = event.version
    event.restore_version("start")
    assert event.version == version
    assert "already is version 'start'" in event.last_change["message"]
    with pytest.raises(EventError, match="no version named 'later'") as refused:
        event.restore_version("later")
    assert refused.value.status == 404 and event.version == version


def test_restore_through_the_api_and_the_page(tmp_path: Path) -> None:
    """``POST /api/versions/restore`` answers the state; named with a stale board version
    it does nothing (409); the page's Versions panel offers each saved version."""
    event = new_event(tmp_path / "event")
    client: TestClient = editor_client(event)
    client.post("/api/versions", json={"name": "before lunch"})
    start = client.get("/api/state").json()
    moved = client.post("/api/move", json={"establishment_id": "E5", "team": 1}).json()
    stale = client.post(
        "/api/versions/restore", json={"name": "before lunch", "version": start["version"]}
    )
    assert stale.status_code == 409 and event.state.teams["E5"] == 1
    restored = client.post(
        "/api/versions/restore", json={"name": "before lunch", "version": moved["version"]}
    ).json()
    assert restored["teams"] == start["teams"] and restored["version"] == moved["version"] + 1
    unknown = client.post("/api/versions/restore", json={"name": "after lunch"})
    assert unknown.status_code == 404 and "after lunch" in unknown.json()["error"]
    assert client.post("/api/versions/restore", json={"name": 3}).status_code == 400
    panel = client.get("/ui/versions").text
    assert 'id="restore-version"' in panel and "<option>before lunch</option>" in panel
    client.post("/api/move", json={"establishment_id": "E5", "team": 1})
    page = client.post("/ui/restore", data={"name": "before lunch"})
    assert page.status_code == 200 and "version &#39;before lunch&#39; restored" in page.text
    assert "E5" in start["teams"]["2"] and event.state.teams["E5"] == 2


def test_a_late_school_back_with_other_rows_is_restored_with_its_rows(tmp_path: Path) -> None:
    """The same board with a late school's other nominees was taken for the version
    itself ("nothing changed", a reviewer): the version's rows come back."""
    from clnmatch.models import Practitioner

    event = new_event(tmp_path)
    event.add(late_school("N1"), time_limit=2)
    team = event.state.teams["N1"]
    event.save_version("v")
    event.withdraw("N1", time_limit=2)
    other = late_school("N1").model_copy(
        update={
            "practitioners": (
                Practitioner(
                    id="N1-9",
                    name="Someone Else",
                    establishment_id="N1",
                    role="teacher",
                    interests=(1, 1, 1),
                ),
            )
        }  # fmt: skip
    )
    event.add(other, time_limit=2)
    if event.state.teams["N1"] != team:
        event.move("N1", team)
    version = event.version
    event.restore_version("v")
    assert event.version == version + 1 and "restored" in event.last_change["message"]
    people = [p.name for p in event.view().cohort.practitioners if p.establishment_id == "N1"]
    assert people == ["Late One", "Late Two"]


def test_a_facilitator_added_since_is_said_removed_only(tmp_path: Path) -> None:
    """The restore's line said "facilitator X removed; facilitator X placed by the
    rules" of one added and placed by hand since the version (a re-tester)."""
    from test_event_facilitators import new_event as facilitated_event

    from clnmatch.models import Facilitator

    event = facilitated_event(tmp_path)
    event.save_version("start")
    event.add_facilitator(Facilitator(id="F99", name="Fiona Late", authority="A"))
    event.place_facilitator("F99", 2)
    event.restore_version("start")
    message = event.last_change["message"]
    assert "facilitator Fiona Late removed" in message and "Fiona Late placed" not in message
