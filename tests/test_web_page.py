"""The event page as the room reads it: the score and bound when a school waits, the
rows pasted from a form's export, the projector's one-line teams."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_event_engine import late_school, new_event
from test_rematch import PREVIOUS, RULES, sector_cohort
from test_web_api import editor_client

from clnmatch.event import Event
from clnmatch.web.app import create_app


@pytest.fixture
def event(tmp_path: Path) -> Event:
    return new_event(tmp_path / "event")


def test_a_school_over_the_cap_shows_the_score_and_no_proven_bound(tmp_path: Path) -> None:
    """A late school the cap leaves in Not placed: the bar shows the placed schools'
    score (it showed "-"), no bound called proven (no teams keep every rule), and the
    people in no team by their school."""
    rules = RULES.model_copy(update={"max_participants": 12})
    event = Event.create(tmp_path, sector_cohort(), rules, teams=PREVIOUS)
    event.add(late_school(), time_limit=5)
    html = editor_client(event).get("/ui/live").text
    objective = re.search(r'<span id="objective">([^<]*)</span>', html)
    assert objective is not None and objective.group(1) == f"{event.view().objective:,.1f}"
    assert "(the placed schools)" in html and "1 school. Drag it" in html
    assert re.search(r'<span id="bound">-</span>', html) and 'id="impossible"' in html
    assert "Late High is in no team (2 people)" in html and "N1-1" not in html
    assert ">2 breaches<" in html  # as the lines say them: the two people once, as a school
    client = editor_client(event)  # a comparison says "not placed", not "not in the event"
    assert client.post("/api/versions", json={"name": "waiting"}).is_success
    assert client.post("/api/move", json={"establishment_id": "N1", "team": 1}).is_success
    compared = client.get("/ui/diff", params={"a": "waiting", "b": "current"}).text
    assert "Late High: not placed → team 1" in compared


def test_rows_pasted_from_a_forms_export_are_read_with_the_events_mapping(
    tmp_path: Path,
) -> None:
    """An event started from a form's export with a mapping reads rows pasted from the
    same export (its own headers, words for ratings, no ids) as the survey was read; the
    rows are numbered apart from the survey's, and a failed paste gives no CLI advice."""
    from test_mapping import HEADER, MAPPING, ROWS

    from clnmatch.io.mapping import load_mapping
    from clnmatch.io.survey import read_survey
    from clnmatch.models import Rules

    mapping = load_mapping(MAPPING)
    survey = tmp_path / "export.csv"
    survey.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    cohort = read_survey(survey, mapping=mapping).cohort
    rules = Rules(teams=1, min_sectors=1, min_authorities=1, max_authority_share=1.0)
    event = Event.create(
        tmp_path / "event", cohort, rules, teams={e.id: 1 for e in cohort.establishments}
    )
    token = event.tokens()["editor"]
    client = TestClient(create_app(event, repair_time_limit=3, mapping=mapping),
                        headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    late = "Eve Muir,Oak Primary,Glasgow City,Primary,Head Teacher,eve@x.org,Very,Slightly,"
    done = client.post("/api/add", json={"rows": f"{HEADER}\n{late}\n"})
    assert done.status_code == 200, done.text
    added = [p for p in event.view().cohort.practitioners if p.name == "Eve Muir"]
    assert len(added) == 1 and added[0].interests == (4, 1)
    assert added[0].id not in {p.id for p in cohort.practitioners}
    bad = client.post("/api/add", json={"rows": "name,school\nAnn,Foo\n"})
    assert bad.status_code == 400 and "clnmatch map" not in bad.json()["error"]
    assert "the survey file the event started from" in bad.json()["error"]
    # a word the [scale] lacks: the event reads with its own copy of the mapping, so
    # "add it to the [scale] of <file>" could not help (a Forms tester did, in vain)
    odd = late.replace("Eve Muir", "Ed Muir").replace(",Very,", ",Extremely keen,")
    said = client.post("/api/add", json={"rows": f"{HEADER}\n{odd}\n"}).json()["error"]
    assert "correct the answer in the pasted rows" in said and "add it to" not in said, said
    # rows without their header line: said whole, not "expected" and nothing (a tester's)
    second = late.replace("Eve Muir", "Ed Muir")
    headless = client.post("/api/add", json={"rows": f"{late}\n{second}\n"}).json()["error"]
    assert "expected \n" not in headless and "was drafted from?" in headless, headless
    assert "clnmatch map" not in headless


def test_the_projector_says_a_team_keeping_every_rule_in_one_line(event: Event) -> None:
    """Read from the back of a room, a team that keeps every rule says so in one line (its
    checks and mix lists pushed its schools below the screen); a broken team keeps them."""
    viewer = TestClient(
        create_app(event), headers={"Authorization": f"Bearer {event.tokens()['viewer']}"}
    )
    page = viewer.get("/projector").text
    broken = {b.team for b in event.view().evaluation.breaches if b.team is not None}
    kept = event.n_teams - len(broken)
    assert page.count("every rule kept") == kept > 0
    assert page.count('<ul class="checks">') == len(broken)


def test_the_browser_is_opened_on_a_private_file_not_on_the_token(event: Event) -> None:
    """The browser's command line (which other users of the computer can list) carried the
    editor's address, token and all; it now names a file only the user can read, which
    sends the browser on."""
    from clnmatch.web.server import addresses, page_opener

    editor, _ = addresses(event, "127.0.0.1", 8765)
    opened = page_opener(event, editor)
    token = event.tokens()["editor"]
    assert opened.startswith("file://") and token not in opened
    path = Path(opened.removeprefix("file://"))
    assert path.stat().st_mode & 0o077 == 0
    assert f'url={editor.replace("&", "&amp;")}"' in path.read_text(encoding="utf-8")


def test_withdrawing_a_locked_school_says_it_is_locked(event: Event) -> None:
    """The confirmation of a withdrawal said nothing of the school's lock."""
    client = editor_client(event)
    eid, team = event.view().cohort.establishments[0].id, 2
    assert client.post("/api/move", json={"establishment_id": eid, "team": team}).is_success
    assert client.post("/api/lock", json={"establishment_id": eid, "locked": True}).is_success
    html = client.get(f"/ui/school/{eid}").text
    assert f"It is locked in team {team}, and leaves it all the same." in html
    assert client.post("/api/lock", json={"establishment_id": eid, "locked": False}).is_success
    assert "It is locked" not in client.get(f"/ui/school/{eid}").text


def test_the_bar_speaks_the_reports_words_not_the_solvers(event: Event) -> None:
    """The bar, the last change, a proposal and a comparison said "Objective", "Bound" and
    "the objective changes by": words the report does not use ("Score", "Best possible at
    most"), with no word on what the gap means (a plain-language reviewer)."""
    client = editor_client(event)
    client.post("/api/move", json={"establishment_id": "E0", "team": 2})
    assert "the score changes by" in re.sub(r"<[^>]+>", " ", client.get("/ui/live").text)
    client.post("/api/reoptimise", json={"time_limit": 2})
    text = re.sub(r"<[^>]+>", " ", client.get("/").text)
    assert "Score" in text and "Best possible at most" in text and "best possible at most" in text
    assert "How far below the best possible the score may be" in text
    assert not re.search(r"\b(Objective|Bound)\b|the objective|, bound ", text)
    compare = client.get("/ui/diff", params={"a": "current", "b": "current"}).text
    assert "<th>Score</th>" in compare and "Objective" not in compare


def test_a_cards_name_says_its_team(event: Event) -> None:
    """A screen reader heard "St Thomas' ..., ELC, 2 nominees" with no word of the team it
    is in (a plain-language reviewer)."""
    page = editor_client(event).get("/").text
    team = event.state.teams["E0"]
    assert re.search(rf'data-id="E0"[^>]*aria-label="[^",]*, team {team}, ', page)
