"""Requests the event refuses: refused whole, in words, with the right status."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_event_engine import late_school, new_event
from test_rematch import PREVIOUS, RULES, sector_cohort

from clnmatch.event import Event
from clnmatch.event import engine as engine_module
from clnmatch.event.optimise import SolverTimeout
from clnmatch.event.state import EventError
from clnmatch.models import Cohort
from clnmatch.web.app import create_app


def _client(event: Event) -> TestClient:
    token = event.tokens()["editor"]
    return TestClient(create_app(event), headers={"Authorization": f"Bearer {token}"})


def _pasted(event: Event, *people: tuple[str, str, str, str, str]) -> tuple[int, str]:
    """Paste rows (name, school, authority, sector, role; every theme rated 3): the
    answer's status and its error ('' when done)."""
    themes = event.snapshot.cohort.themes
    head = "name,establishment_name,authority,sector,role," + ",".join(f"theme:{t}" for t in themes)
    ratings = ",".join("3" for _ in themes)
    rows = [",".join([*person, ratings]) for person in people]
    answer = _client(event).post("/api/add", json={"rows": "\n".join([head, *rows])})
    return answer.status_code, answer.json().get("error", "") if answer.status_code != 200 else ""


def test_a_paste_with_one_school_refused_adds_none(tmp_path: Path) -> None:
    """Two pasted schools, the second already in the event: nothing is added (the first
    was placed and recorded, and the reply still said the paste was refused)."""
    event = new_event(tmp_path / "ev")
    event.add(late_school("N8"))
    version = event.version
    first, second = late_school("N7"), late_school("N8")
    both = Cohort(
        themes=first.themes,
        establishments=first.establishments + second.establishments,
        practitioners=first.practitioners + second.practitioners,
    )
    with pytest.raises(EventError, match="already in the event"):
        event.add(both)
    assert event.version == version and "N7" not in event.state.teams


def test_an_unplaced_school_cannot_be_locked_and_says_why(tmp_path: Path) -> None:
    """Locking a school in Not placed was a 200 that did nothing."""
    teams = {e: t for e, t in PREVIOUS.items() if e != "E5"}
    event = Event.create(tmp_path / "ev", sector_cohort(), RULES, teams=teams)
    answer = _client(event).post("/api/lock", json={"establishment_id": "E5", "locked": True})
    assert answer.status_code == 409 and "in no team" in answer.json()["error"]
    assert event.version == 0


def test_lock_takes_a_forms_true_and_false(tmp_path: Path) -> None:
    """A form-encoded body's locked=false unlocks (it was refused: "got 'false'")."""
    client = _client(new_event(tmp_path / "ev"))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    client.post("/api/lock", content="establishment_id=E1&locked=true", headers=form)
    assert client.get("/api/state").json()["locked"] == ["E1"]
    answer = client.post("/api/lock", content="establishment_id=E1&locked=false", headers=form)
    assert answer.status_code == 200 and answer.json()["locked"] == []


def test_json_nested_past_pythons_depth_is_a_bad_request(tmp_path: Path) -> None:
    """It was a 500 and a traceback on the server's terminal."""
    answer = _client(new_event(tmp_path / "ev")).post(
        "/api/move", content="[" * 100_000 + "]" * 100_000,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 400 and "not JSON" in answer.json()["error"]


def test_a_search_that_gives_no_answer_in_time_says_the_computer_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """503 in the room's words, the board as it was (it was a 500 "re-optimise failed")."""

    def too_late(*args: object, **kwargs: object) -> None:
        raise SolverTimeout("no answer within 0.5 s and 10 s more")

    monkeypatch.setattr(engine_module, "solve_in_child", too_late)
    event = new_event(tmp_path / "ev")
    answer = _client(event).post("/api/reoptimise", json={"time_limit": 0.5})
    assert answer.status_code == 503 and "busy" in answer.json()["error"]
    assert "more seconds" in answer.json()["error"] and event.version == 0


def test_a_version_name_is_one_line_and_pasted_rows_are_text(tmp_path: Path) -> None:
    """A name with a newline or NUL was saved; rows given as a list were read as text and
    the error spoke of 'the DataFrame'."""
    client = _client(new_event(tmp_path / "ev"))
    for name in ("two\\nlines", "nul\\u0000"):
        answer = client.post(
            "/api/versions", content=f'{{"name": "{name}"}}',
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert answer.status_code == 400 and "one line" in answer.json()["error"]
    assert client.post("/api/versions", json={"name": "Plan\u00a0B"}).status_code == 200
    answer = client.post("/api/add", json={"rows": ["a"]})
    assert answer.status_code == 400 and "rows must be text" in answer.json()["error"]


def test_with_nothing_placed_the_state_has_no_objective(tmp_path: Path) -> None:
    """It said 24.763: the schools' own pairs, scored in no team."""
    event = Event.create(tmp_path / "ev", sector_cohort(), RULES)
    assert _client(event).get("/api/state").json()["objective"] is None
    event.move("E0", 1)
    assert _client(event).get("/api/state").json()["objective"] is not None


def test_requests_another_web_site_could_send_are_refused(tmp_path: Path) -> None:
    """Bound to this computer, the page answers to its own names only (a site whose name
    points here, DNS rebinding, is refused), and a change sent by another site's page (its
    Origin, or Sec-Fetch-Site) is refused even with the token; the page's own are not."""
    event = new_event(tmp_path / "ev")
    token = event.tokens()["editor"]
    app = create_app(event, hosts=("127.0.0.1", "localhost", "::1"))
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/state", headers=auth).status_code == 200
    rebound = client.get("/api/state", headers={**auth, "Host": "attacker.example:8765"})
    assert rebound.status_code == 403 and "attacker.example" in rebound.json()["error"]
    assert client.get("/", headers={**auth, "Host": "localhost:8765"}).status_code == 200
    move = {"establishment_id": "E5", "team": 1}
    version = event.version
    for headers in (
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        refused = client.post(f"/api/move?token={token}", json=move, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.json()["error"] == "a change sent from another web site is refused"
    assert event.version == version
    own = {"Origin": "http://127.0.0.1:8765", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/api/move", json=move, headers={**auth, **own}).status_code == 200
    assert event.version == version + 1
    anywhere = TestClient(create_app(event), headers=auth)  # bound for other computers too
    assert anywhere.get("/api/state", headers={"Host": "10.0.0.5:8765"}).status_code == 200


def test_the_host_typed_in_capitals_is_its_own_name() -> None:
    """`--host MyLaptop.local` refused every request (a Host is read in lower case)."""
    from clnmatch.web.app import _foreign
    from clnmatch.web.server import page_hosts

    hosts = page_hosts("MyLaptop.local")
    assert hosts is not None and "mylaptop.local" in hosts and page_hosts("0.0.0.0") is None
    assert page_hosts("[::1]") == ("127.0.0.1", "localhost", "::1")  # each name once
    assert page_hosts("127.0.0.1") == ("127.0.0.1", "localhost", "::1")

    class Asked:  # the parts of a request _foreign reads
        method = "GET"
        headers = {"host": "MyLaptop.local:8765"}

    assert _foreign(Asked(), hosts) == ""  # type: ignore[arg-type]


def test_a_paste_with_one_school_typed_two_ways_is_refused(tmp_path: Path) -> None:
    """'Kilmacolm Primary School' and 'Kilmacolm Primary' pasted together became two schools
    (their nominees in two teams) with no word; now refused, saying what to write."""
    event = new_event(tmp_path / "ev")
    heather = ("Heather Kelly", "Kilmacolm Primary School", "B", "primary", "promoted")
    declan = ("Declan Quinn", "Kilmacolm Primary", "B", "primary", "practitioner")
    status, said = _pasted(event, heather, declan)
    assert status == 409, said
    assert "looks like" in said and "'Kilmacolm Primary'" in said
    assert "'Kilmacolm Primary School'" in said
    assert "the same way in every row" in said and event.version == 0
    assert _pasted(event, heather, (*declan[:1], heather[1], *declan[2:]))[0] == 200


def test_a_full_disk_is_said_plainly_and_the_decision_is_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A move the journal could not write was a bare 500 ('unexpected error'); it says the
    folder could not be written, and nothing changed."""
    import errno

    from clnmatch.event import journal

    event = new_event(tmp_path / "ev")
    client = _client(event)

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(journal.os, "write", full)
        answer = client.post("/api/move", json={"establishment_id": "E1", "team": 2})
    assert answer.status_code == 507
    assert "could not be written (No space left on device)" in answer.json()["error"]
    assert "free some disk space" in answer.json()["error"] and event.version == 0
    done = client.post("/api/move", json={"establishment_id": "E1", "team": 2})
    assert done.status_code == 200 and event.version == 1


def test_an_export_on_a_full_disk_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save every file and a download on a full disk answered 500 "the server met an
    unexpected error" (and printed a traceback): they say the disk is full (507)."""
    import errno

    from clnmatch.event import export
    from clnmatch.web import app as app_module

    event = new_event(tmp_path / "ev")
    client = _client(event)

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(export, "write_folder", full)
        patch.setattr(app_module, "export_bytes", full)
        for answer in (
            client.post("/api/export/folder", json={}),
            client.get("/api/export/teams.xlsx"),
        ):
            assert answer.status_code == 507, answer.text
            said = answer.json()["error"]
            assert "(No space left on device)" in said and "free some disk space" in said
    assert client.post("/api/export/folder", json={}).status_code == 200


def test_a_pasted_school_spelled_like_one_in_the_event_is_refused(tmp_path: Path) -> None:
    """'Busby Primary' pasted beside 'Busby Primary School' became a second school (a
    re-tester); refused, unless the rows give an establishment_id (another school)."""
    event = new_event(tmp_path / "ev")
    themes = event.snapshot.cohort.themes
    head = "name,establishment_name,authority,sector,role," + ",".join(f"theme:{t}" for t in themes)
    row = "Ann Lee,School 1 Primary,B,primary,promoted," + ",".join("3" for _ in themes)
    answer = _client(event).post("/api/add", json={"rows": f"{head}\n{row}"})
    assert answer.status_code == 409, answer.json()
    said = answer.json()["error"]
    assert "the pasted school 'School 1 Primary' looks like 'School 1'" in said
    assert event.version == 0
    # its very name, without its id, was a second school of that name
    same = _client(event).post("/api/add", json={"rows": f"{head}\n{row.replace(' Primary', '')}"})
    assert same.status_code == 409 and "(establishment id E1)" in same.json()["error"]
    with_id = f"establishment_id,{head}\nN9,{row}"
    assert _client(event).post("/api/add", json={"rows": with_id}).status_code == 200


def test_a_pasted_school_with_its_authority_typed_two_ways_is_refused(tmp_path: Path) -> None:
    """'Houston Primary School' pasted with 'Renfrewshre' in one row and 'Renfrewshire' in
    the other became two schools, its nominees in two teams, with no word on the page (a
    Forms tester). Refused, saying what to write; typed one way it is one school."""
    event = new_event(tmp_path / "ev")
    ann = ("Ann Lee", "Houston Primary School", "Bee", "primary", "promoted")
    bo = ("Bo Ray", "Houston Primary School", "B", "primary", "practitioner")
    status, said = _pasted(event, ann, bo)
    assert status == 409, said
    assert "'Houston Primary School' in two authorities, Bee and B" in said, said
    assert "the same way in every row" in said and event.version == 0
    assert _pasted(event, (*ann[:2], "B", *ann[3:]), bo)[0] == 200
    assert event.version == 1 and len(set(event.state.teams)) == len(event.state.teams)
    # the same school pasted again with its authority mistyped was a second school of the
    # same people (a re-tester): refused, naming the event's spelling
    status, said = _pasted(
        event, ("Cy Doe", "Houston Primary School", "Bee", "primary", "promoted")
    )
    assert status == 409 and "is in the event already, in B" in said and "'Bee'" in said, said


def test_a_paste_of_several_schools_says_each_schools_line(tmp_path: Path) -> None:
    """A paste of two schools showed the second's line only: the first's note (an
    authority no school has, 'did you mean ...?') was never seen (a Forms tester), and
    the points were the second's. The line has both schools' lines and the paste's points."""
    event = new_event(tmp_path / "ev")
    before = event.view().objective
    first, second = late_school("N7"), late_school("N8")
    first = first.model_copy(
        update={
            "establishments": tuple(
                e.model_copy(update={"name": "Early High"}) for e in first.establishments
            )
        }
    )
    both = Cohort(
        themes=first.themes,
        establishments=first.establishments + second.establishments,
        practitioners=first.practitioners + second.practitioners,
    )
    view = event.add(both)
    said = event.last_change["message"]
    assert said.startswith("2 schools pasted, each undone on its own: added Early High to ")
    assert "; added Late High to team" in said  # each school's whole line, its notes too
    assert event.last_change["delta"] == pytest.approx(view.objective - before)


def test_json_sent_without_its_content_type_is_read_as_json(tmp_path: Path) -> None:
    """curl -d '{"establishment_id": ..., "team": 2}' without -H Content-Type sends a form:
    it was refused as "the body needs 'team'"."""
    event = new_event(tmp_path / "ev")
    client = _client(event)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    moved = client.post(
        "/api/move", content='{"establishment_id": "E0", "team": 2}', headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert event.state.teams["E0"] == 2


def test_a_decision_sent_again_with_its_version_is_not_made_twice(tmp_path: Path) -> None:
    """An Undo retried after a timeout took back two decisions. A body naming the board's
    version is made on that board only: sent again, it is refused (409) and changes nothing;
    without it, as before."""
    event = new_event(tmp_path / "ev")
    client = _client(event)
    for team in (2, 1):
        assert client.post("/api/move", json={"establishment_id": "E1", "team": team}).is_success
    version = event.version
    undo = {"version": version}
    assert client.post("/api/undo", json=undo).status_code == 200
    again = client.post("/api/undo", json=undo)
    assert again.status_code == 409 and "nothing was done" in again.json()["error"]
    assert event.version == version + 1 and event.state.teams["E1"] == 2
    stale = client.post("/api/move", json={"establishment_id": "E3", "team": 2, "version": 0})
    assert stale.status_code == 409 and event.version == version + 1
    wrong = client.post("/api/lock", json={"establishment_id": "E3", "version": "x"})
    assert wrong.status_code == 400
    assert client.post("/api/undo").status_code == 200  # no version: as before
    # a proposal is recorded: accept names its id, the version with it waiting
    proposal = client.post("/api/reoptimise", json={"time_limit": 2}).json()
    assert client.post("/api/accept", json={"version": proposal["id"] - 1}).status_code == 409
    assert client.post("/api/accept", json={"version": proposal["id"]}).status_code == 200


def test_a_body_past_the_largest_size_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A 9 MB body (declared, or streamed without a length) is a 413, nothing done; a
    paste at the largest size allowed, form-encoded, is still read (and refused by its
    own rule)."""
    event = new_event(tmp_path / "ev")
    client = _client(event)
    big = b'{"establishment_id": "E5", "team": 1, "pad": "' + b"x" * 9_000_000 + b'"}'
    answer = client.post("/api/move", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "larger than 8 MB" in answer.json()["error"]

    def streamed() -> object:
        yield big[:4_000_000]
        yield big[4_000_000:]

    answer = client.post(
        "/api/move", content=streamed(), headers={"Content-Type": "application/json"}
    )  # type: ignore[arg-type]
    assert answer.status_code == 413 and event.version == 0
    pasted = client.post("/ui/add", data={"rows": "é" * 200_001})  # 1.2 MB form-encoded
    assert pasted.status_code == 413 and "schools' rows at a time" in pasted.text


def test_rows_pasted_without_their_header_say_so_with_no_clause_left_hanging(
    tmp_path: Path,
) -> None:
    """The reader's advice to run `clnmatch map` is left out on the page, and with it its
    whole clause: "...; for a form's export" was left hanging."""
    client = _client(new_event(tmp_path / "ev"))
    rows = "Ann,N7,Late School,B,secondary,HT,3,3,3\nBob,N7,Late School,B,secondary,HT,3,3,3"
    said = client.post("/api/add", json={"rows": rows}).json()["error"]
    assert "are missing; columns found: 'Ann'" in said
    assert "for a form's export" not in said and "clnmatch map" not in said, said


def test_a_browser_setting_that_cannot_be_read_is_a_note(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BROWSER variable Python cannot split printed a thread's traceback (a tester)."""
    import webbrowser

    from clnmatch.web.server import open_page

    monkeypatch.setenv("BROWSER", 'sh -c "echo %s')
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read the variable again
    open_page("http://127.0.0.1:1/")
    assert "no browser could be opened (No closing quotation)" in capsys.readouterr().out
