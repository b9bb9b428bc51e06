"""The event's HTTP API (contract section 9) through FastAPI's test client."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from test_event_engine import IDS, late_school, new_event
from test_rematch import PREVIOUS, RULES, sector_cohort

from clnmatch.event import Event
from clnmatch.web.app import CSP, create_app


@pytest.fixture
def event(tmp_path: Path) -> Event:
    return new_event(tmp_path / "event")


def editor_client(event: Event) -> TestClient:
    token = event.tokens()["editor"]
    return TestClient(
        create_app(event, repair_time_limit=3), headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
def client(event: Event) -> TestClient:
    return editor_client(event)


def test_requests_without_a_token_are_refused(event: Event) -> None:
    """No token: 401; a wrong token: 403; the right one in the query: 200."""
    bare = TestClient(create_app(event))
    assert bare.get("/api/state").status_code == 401
    assert bare.get("/").status_code == 401
    assert bare.get("/static/app.js").status_code == 401
    assert bare.get("/api/state?token=wrong").status_code == 403
    token = event.tokens()["editor"]
    assert bare.get(f"/api/state?token={token}").status_code == 200
    # a person who opened the address without its token is told what to open, in a page
    page = bare.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 401 and "?token=" in page.text and "{" not in page.text


def test_the_projector_token_may_only_look(event: Event) -> None:
    """The read-only token reads the state and the page but cannot move anything."""
    viewer = TestClient(
        create_app(event), headers={"Authorization": f"Bearer {event.tokens()['viewer']}"}
    )
    assert viewer.get("/api/state").status_code == 200
    assert viewer.get("/projector").status_code == 200
    assert viewer.post("/api/move", json={"establishment_id": "E5", "team": 1}).status_code == 403
    assert viewer.get("/api/export/teams.csv").status_code == 403
    assert event.state.teams["E5"] == PREVIOUS["E5"]


def test_tokens_are_private_files(event: Event) -> None:
    """tokens.json, event.json and the journal are readable by their owner only, and so
    is the folder (the exports saved in it hold names)."""
    event.move("E5", 1)
    for name in ("tokens.json", "event.json", "journal.jsonl"):
        assert (event.folder / name).stat().st_mode & 0o077 == 0, name
    assert event.folder.stat().st_mode & 0o077 == 0


def test_every_answer_has_a_content_security_policy(client: TestClient) -> None:
    """The page and the API answer with the CSP (scripts only from this server, none inline)."""
    page = client.get("/")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert "<script>" not in page.text  # every script is a static file


def test_state_has_the_contract_shape(client: TestClient) -> None:
    """GET /api/state gives version, teams 1..T, locked, withdrawn, breaches, objective, bound, gap."""
    state = client.get("/api/state").json()
    assert {
        "version",
        "teams",
        "locked",
        "withdrawn",
        "breaches",
        "objective",
        "bound",
        "gap",
    } <= set(state)
    assert state["teams"] == {"1": ["E0", "E1", "E2"], "2": ["E3", "E4", "E5"]}
    assert state["breaches"] == []


def test_a_breaking_move_is_made_and_its_breaches_listed(client: TestClient) -> None:
    """Moving E4 away leaves team 2 all primary: the move is made and min_sectors is listed."""
    state = client.post("/api/move", json={"establishment_id": "E4", "team": 1}).json()
    assert "E4" in state["teams"]["1"]
    rules = {b["rule"] for b in state["breaches"]}
    assert "min_sectors" in rules
    assert any(b["team"] == 2 for b in state["breaches"])


def test_bad_requests_get_clear_errors(client: TestClient) -> None:
    """An unknown school is 404, a team out of range 400, a locked school 409; the body's
    shape and text encoding are checked too."""
    assert client.post("/api/move", json={"establishment_id": "NOPE", "team": 1}).status_code == 404
    assert client.post("/api/move", json={"establishment_id": "E5", "team": 9}).status_code == 400
    client.post("/api/lock", json={"establishment_id": "E5", "locked": True})
    refused = client.post("/api/move", json={"establishment_id": "E5", "team": 1})
    assert refused.status_code == 409 and "locked" in refused.json()["error"]
    # every error is {"error": text}, FastAPI's own too; nothing a request sent is echoed whole
    missing = client.get("/api/nowhere")
    assert missing.status_code == 404 and set(missing.json()) == {"error"}
    # the page's form fields are text: a form's team "1" is team 1, as in /ui/move
    form = client.post("/api/move", data={"establishment_id": "E4", "team": "1"})
    assert form.status_code == 200 and "E4" in form.json()["teams"]["1"]
    client.post("/api/undo")
    for team in (0, 9):  # suggestions for a team that is not one: 400, not an empty list
        assert client.get("/api/suggest", params={"team": team}).status_code == 400
    for name in (None, 123, {"a": 1}):  # a version's name is text, not whatever was sent
        assert client.post("/api/versions", json={"name": name}).status_code == 400
    assert client.get("/api/versions").json() == {"versions": []}
    huge = client.post("/api/move", json={"establishment_id": "x" * 100_000, "team": 1})
    assert huge.status_code == 404 and len(huge.text) < 300
    latin1 = client.post(
        "/ui/move",
        content="establishment_id=\xe9".encode("latin-1"),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["error"]
    yes = client.post("/api/reoptimise", json={"time_limit": True})
    assert yes.status_code == 400 and "time_limit" in yes.json()["error"]


def test_lock_withdraw_undo_redo(client: TestClient) -> None:
    """Lock, withdraw (repaired, lock kept), undo brings the school back, redo withdraws again."""
    state = client.post("/api/lock", json={"establishment_id": "E1", "locked": True}).json()
    assert state["locked"] == ["E1"]
    state = client.post("/api/withdraw", json={"establishment_id": "E4"}).json()
    assert state["withdrawn"] == ["E4"] and state["breaches"] == []
    assert "E1" in state["teams"]["1"]
    state = client.post("/api/undo").json()
    assert state["withdrawn"] == [] and state["teams"]["2"] == ["E3", "E4", "E5"]
    state = client.post("/api/redo").json()
    assert state["withdrawn"] == ["E4"]
    # brought back: the add panel offers it, the API adds it with the rows it had
    assert "Bring back" in client.get("/ui/add").text
    state = client.post("/api/add", json={"establishment_id": "E4"}).json()
    assert state["withdrawn"] == [] and state["breaches"] == []
    assert any("E4" in ids for ids in state["teams"].values())
    card = client.get("/ui/live").text.split('data-id="E4"')[1].split("</h3>")[0]
    assert ">late<" not in card  # brought back, not a late school


def test_reoptimise_keeps_locks_and_team_numbers(client: TestClient) -> None:
    """A re-optimise proposal keeps the locked school, numbers teams by overlap; accept applies it."""
    client.post("/api/lock", json={"establishment_id": "E3", "locked": True})
    proposal = client.post("/api/reoptimise", json={"time_limit": 3}).json()
    assert {"moves", "objective", "bound", "gap"} <= set(proposal)
    assert all(m["establishment_id"] != "E3" for m in proposal["moves"])
    state = client.post("/api/accept").json()
    assert "E3" in state["teams"]["2"]
    assert len(proposal["moves"]) <= 3  # numbered by overlap: at most half of 6 change team
    assert state["objective"] == pytest.approx(proposal["objective"])
    assert client.post("/api/accept").status_code == 409  # nothing left to accept


def test_undo_sets_a_pending_proposal_aside_before_any_decision(client: TestClient) -> None:
    """Ctrl+Z after a re-optimise dismisses its proposal (the last thing that came), and
    only the next undo takes back the move made before it."""
    client.post("/api/move", json={"establishment_id": "E5", "team": 1})
    client.post("/api/reoptimise", json={"time_limit": 3})
    state = client.post("/api/undo").json()
    assert "E5" in state["teams"]["1"]  # the move stands
    assert client.post("/api/accept").status_code == 409  # the proposal is set aside
    state = client.post("/api/undo").json()
    assert "E5" in state["teams"]["2"]


def test_add_a_school_from_pasted_rows(client: TestClient) -> None:
    """Survey rows pasted as CSV text join the event as a late school."""
    cohort = late_school("N7")
    rows = pd.DataFrame(
        [
            {"practitioner_id": p.id, "name": p.name, "establishment_id": p.establishment_id,
             "establishment_name": "Late High", "authority": "B", "sector": "secondary",
             "role": str(p.role), **{f"theme:{t}": p.interests[k] for k, t in enumerate(cohort.themes)}}
            for p in cohort.practitioners
        ]
    )  # fmt: skip
    text = io.StringIO()
    rows.to_csv(text, index=False)
    state = client.post("/api/add", json={"rows": text.getvalue()}).json()
    assert any("N7" in ids for ids in state["teams"].values())
    bad = client.post("/api/add", json={"rows": "just,some\nwords,here"})
    assert bad.status_code == 400 and "DataFrame" not in bad.json()["error"]
    header_only = client.post("/api/add", json={"rows": text.getvalue().splitlines()[0]})
    assert header_only.status_code == 400 and "the paste has none" in header_only.json()["error"]
    assert "DataFrame" not in header_only.json()["error"]
    # a theme spelt otherwise in the header line: named, in the room's words
    misspelt = text.getvalue().replace("theme:Literacy", "theme:Litteracy").replace("N7", "N8")
    refused = client.post("/api/add", json={"rows": misspelt})
    assert refused.status_code == 400 and "do not rate Literacy" in refused.json()["error"]
    assert "parameter" not in refused.json()["error"]
    # a theme the survey has not (an extra column): said in the same words, not rematch's
    lines = text.getvalue().replace("N7", "N9").splitlines()
    extra = "\n".join([lines[0] + ",theme:Knitting", *(line + ",3" for line in lines[1:])])
    refused = client.post("/api/add", json={"rows": extra})
    assert refused.status_code == 400, refused.text
    assert "rate Knitting, not a theme of the survey" in refused.json()["error"]
    assert "parameter" not in refused.json()["error"]
    # a paste of a whole survey is not late schools: refused before any is placed
    header, line = text.getvalue().splitlines()[:2]
    many = "\n".join([header] + [line.replace("N7", f"M{k}") for k in range(25)])
    big = client.post("/api/add", json={"rows": many})
    assert big.status_code == 413 and "at most 20" in big.json()["error"]
    assert not any(
        e.startswith("M") for ids in client.get("/api/state").json()["teams"].values() for e in ids
    )


def test_exports_match_the_state(client: TestClient) -> None:
    """teams.csv from the export has each practitioner in the team the state shows."""
    client.post("/api/move", json={"establishment_id": "E5", "team": 1})
    state = client.get("/api/state").json()
    where = {e: int(t) for t, ids in state["teams"].items() for e in ids}
    response = client.get("/api/export/teams.csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(response.text), dtype=str)
    assert all(
        where[e] == int(t) for e, t in zip(frame["establishment_id"], frame["team"], strict=True)
    )
    summary = client.get("/api/export/summary.json").json()
    assert summary["objective"] == pytest.approx(state["objective"])
    for name in ("facilitators.csv", "teams.xlsx", "report.html", "changes.json"):
        assert client.get(f"/api/export/{name}").status_code == 200, name
    assert client.get("/api/export/secrets.txt").status_code == 404
    # the rosters too, with each person in the team the state shows
    rosters = pd.read_csv(
        io.StringIO(client.get("/api/export/mailmerge.csv").content.decode("utf-8-sig")),
        dtype=str,
    )
    assert set(rosters["team"].astype(int)) == {int(t) for t in state["teams"]}
    handouts = client.get("/api/export/handouts.html")
    assert handouts.status_code == 200 and "Team 1" in handouts.text


def test_versions_and_diff(client: TestClient) -> None:
    """A saved version and the present differ by exactly the schools moved since."""
    client.post("/api/versions", json={"name": "start"})
    client.post("/api/move", json={"establishment_id": "E5", "team": 1})
    result = client.get("/api/diff", params={"a": "start", "b": "current"}).json()
    assert [(r["establishment_id"], r["a"], r["b"]) for r in result["establishments"]] == [
        ("E5", 2, 1)
    ]
    assert {p["practitioner_id"] for p in result["practitioners"]} == {"E5-1", "E5-2"}
    assert client.get("/api/versions").json() == {"versions": ["start"]}
    again = client.post("/api/versions", json={"name": "start"})  # never replaced silently
    assert again.status_code == 409 and "choose another" in again.json()["error"]
    result = client.get("/api/diff", params={"a": "start", "b": "current"}).json()
    assert [r["establishment_id"] for r in result["establishments"]] == ["E5"]
    # a school gone since is said to be gone, not shown as "2 → -"
    client.post("/api/withdraw", json={"establishment_id": "E1"})
    compared = client.get("/ui/diff", params={"a": "start", "b": "current"}).text
    assert "team 1 → not in the event" in compared and "→ -" not in compared


def test_a_locked_school_is_said_to_be_locked_in_its_suggestions(client: TestClient) -> None:
    """A locked school's suggestions say it is locked (not that no move keeps the rules)."""
    assert client.post("/api/lock", json={"establishment_id": "E0", "locked": True}).is_success
    panel = client.get("/ui/suggest", params={"establishment_id": "E0"}).text
    assert "locked in its team" in panel and "No move or swap keeps every rule" not in panel


def test_suggest_and_why(client: TestClient) -> None:
    """Suggestions come with gains; 'why here' explains a school's team."""
    found = client.get("/api/suggest", params={"establishment_id": "E0"}).json()["suggestions"]
    assert found and all("gain" in s for s in found)
    why = client.get("/api/why/E0").json()
    assert why["team"] == 1 and why["text"] and why["locked"] is False
    tied = 0  # each reason once in the panel: it listed the text's clauses again
    for eid in IDS:
        reasons = client.get(f"/api/why/{eid}").json()["binding_reasons"]
        panel = client.get(f"/ui/why/{eid}").text
        assert all(panel.count(html.escape(r)) == 1 for r in reasons)
        tied += bool(reasons)
    assert tied
    assert client.post("/api/lock", json={"establishment_id": "E0", "locked": True}).is_success
    why = client.get("/api/why/E0").json()
    assert why["locked"] is True and why["notes"][0].startswith("Locked in team 1")


def test_live_stream_sends_the_version(client: TestClient) -> None:
    """The server-sent event stream opens with the current version."""
    with client.stream("GET", "/api/stream", params={"limit": 1}) as response:
        text = "".join(response.iter_text())
    assert "event: state" in text and '"version": 0' in text


def test_page_fragments_render(client: TestClient) -> None:
    """The page, a school's panel, the team suggestions and a move fragment all render."""
    assert "Team 1" in client.get("/").text
    assert "Why here" in client.get("/ui/school/E0").text
    assert "Best moves" in client.get("/ui/suggest", params={"team": 1}).text
    moved = client.post("/ui/move", data={"establishment_id": "E4", "team": "1"})
    assert moved.status_code == 200 and "min_sectors" not in moved.text and "sector" in moved.text


def test_an_empty_board_lists_what_each_team_lacks_and_nothing_else(tmp_path: Path) -> None:
    """Before any school is placed, each team says it is empty, with no stray marks."""
    event = Event.create(tmp_path / "event", sector_cohort(), RULES, teams=None)
    page = editor_client(event).get("/")
    assert page.status_code == 200
    for team in range(1, RULES.teams + 1):
        assert f"team {team} is empty" in page.text
    assert '<p class="meta">-</p>' not in page.text and '<p class="meta"></p>' not in page.text


def test_reoptimise_can_be_cancelled(client: TestClient, event: Event) -> None:
    """Cancel stops a running re-optimise at once; nothing is proposed or changed."""
    import threading
    import time

    answers: list[dict[str, object]] = []
    worker = threading.Thread(
        target=lambda: answers.append(
            client.post("/api/reoptimise", json={"time_limit": 60}).json()
        )
    )
    started = time.perf_counter()
    worker.start()
    while not event.reoptimising and time.perf_counter() - started < 10:
        time.sleep(0.05)
    assert client.post("/api/reoptimise/cancel").json() == {"cancelled": True}
    worker.join(timeout=20)
    assert answers == [{"cancelled": True, "moves": []}]
    assert time.perf_counter() - started < 20
    assert event.timeline.proposal is None and event.version == 0


def test_the_command_prints_the_address_first_and_warns_for_other_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`clnmatch event` prints the address first; --host 0.0.0.0 gets a plain warning and
    the address other computers use."""
    from typer.testing import CliRunner

    import clnmatch.web.server as server
    from clnmatch.cli import app, sample_paths

    served: list[dict[str, object]] = []
    monkeypatch.setattr(server, "serve", lambda event, **kw: served.append(kw))
    monkeypatch.setattr(server, "network_address", lambda: "192.168.1.23")
    survey, facilitators = sample_paths()
    args = [
        "event",
        str(survey),
        "--facilitators",
        str(facilitators),
        "--dir",
        str(tmp_path / "ev"),
    ]
    done = CliRunner().invoke(app, [*args, "--no-browser"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    first = done.output.splitlines()[0]
    assert first.startswith("http://127.0.0.1:8765/?token=")
    listener = served[0].pop("listener")  # bound before the address was printed
    assert served == [
        {"host": "127.0.0.1", "port": 8765, "open_browser": False, "repair_time_limit": 10.0,
         "mapping": None}
    ] and listener.getsockname()[0] == "127.0.0.1"  # fmt: skip
    listener.close()
    assert "reachable from other computers" not in done.output
    again = CliRunner().invoke(
        app, [*args, "--host", "0.0.0.0", "--port", "9000"], catch_exceptions=False
    )
    assert again.output.splitlines()[0] == first.replace("8765", "9000")  # same event, same token
    assert "reachable from other computers" in again.output
    # other computers cannot use 127.0.0.1: the network's address is printed too
    assert f"From other computers: {first.replace('127.0.0.1:8765', '192.168.1.23:9000')}" in (
        again.output
    )
    assert "From other computers" not in done.output
    assert served[-1]["host"] == "0.0.0.0" and served[-1]["open_browser"] is True
    assert "ignored" not in again.output
    # resuming, options that only shape a new event are named as ignored, not dropped silently
    resumed = CliRunner().invoke(
        app, [*args, "--no-browser", "--teams", "6", "--from", str(tmp_path)],
        catch_exceptions=False,
    )  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    assert "--from, --teams not read again" in " ".join(resumed.output.split())
    assert "differ" not in resumed.output  # the same files: nothing to say
    # without --facilitators: the event's own stand, and nothing is said to differ
    bare = CliRunner().invoke(app, [*args[:2], *args[4:], "--no-browser"], catch_exceptions=False)
    said = " ".join(bare.output.split())
    assert "differ" not in said and "cannot be read" not in said
    # the event keeps its survey: --dir alone resumes it (the survey was a required argument)
    alone = CliRunner().invoke(app, ["event", "--dir", args[-1], "--no-browser"])
    assert alone.exit_code == 0 and alone.output.splitlines()[0] == first
    elsewhere = CliRunner().invoke(app, ["event", "--dir", str(tmp_path / "new"), "--no-browser"])
    assert elsewhere.exit_code == 2 and "give the survey" in elsewhere.output


def test_the_board_marks_the_rule_that_breaks(tmp_path: Path) -> None:
    """A team with enough authorities but too many from one: its authority count stays
    ticked and the share line is the one marked broken."""
    from clnmatch.web.render import live_context

    rules = RULES.model_copy(update={"max_authority_share": 0.4})
    event = Event.create(tmp_path, sector_cohort(), rules, teams=PREVIOUS)
    event.move("E3", 1)  # team 1: authorities A, B, C, A (2 of 4 from A)
    checks = {c["text"]: c["ok"] for c in live_context(event)["teams"][0]["checks"]}
    assert checks["3 authorities (≥1)"] is True
    assert checks["2 of 4 from one authority (≤40%)"] is False


def test_the_board_marks_a_team_beyond_one_facilitator(tmp_path: Path) -> None:
    """A team holding more schools than one facilitator may support gets its own line,
    marked broken (no other line said why the team breaks a rule)."""
    from clnmatch.web.render import live_context

    rules = RULES.model_copy(update={"schools_per_facilitator": 3, "size_tolerance": 6})
    event = Event.create(tmp_path, sector_cohort(), rules, teams=PREVIOUS)
    event.move("E3", 1)  # team 1: four schools
    checks = {c["text"]: c["ok"] for c in live_context(event)["teams"][0]["checks"]}
    assert checks["4 schools (one facilitator: ≤3)"] is False
    assert "team_establishments" in {b.rule for b in event.view().evaluation.breaches}


def test_the_projector_keeps_names_hidden_when_reopened(event: Event) -> None:
    """After "Hide names", the projector's plain address (as printed) still hides them,
    after a restart too."""
    viewer = TestClient(
        create_app(event, repair_time_limit=3),
        headers={"Authorization": f"Bearer {event.tokens()['viewer']}"},
    )
    name = event.snapshot.cohort.practitioners[0].name
    assert name in viewer.get("/projector").text
    assert name not in viewer.get("/projector", params={"names": "0"}).text
    assert name not in viewer.get("/projector").text and "Show names" in viewer.get("/").text
    restarted = TestClient(  # the server started again on the folder: still hidden
        create_app(event, repair_time_limit=3),
        headers={"Authorization": f"Bearer {event.tokens()['viewer']}"},
    )
    assert name not in restarted.get("/projector").text
    # the board the projector refreshes follows the saved choice, whatever its address says
    assert name not in viewer.get("/ui/live", params={"view": "projector", "names": "1"}).text
    assert name in viewer.get("/projector", params={"names": "1"}).text


def test_hidden_names_hide_job_titles_too(tmp_path: Path) -> None:
    """A job title at a named school names one person ("its Headteacher"), as the
    pseudonymised files say: the projector's "Hide names" showed them."""
    cohort = sector_cohort()
    titled = tuple(
        p.model_copy(update={"job_title": f"Depute Head {i}"})
        for i, p in enumerate(cohort.practitioners)
    )
    cohort = cohort.model_copy(update={"practitioners": titled})
    event = Event.create(tmp_path / "event", cohort, RULES, teams=PREVIOUS)
    viewer = TestClient(
        create_app(event, repair_time_limit=3),
        headers={"Authorization": f"Bearer {event.tokens()['viewer']}"},
    )
    assert "Depute Head 0" in viewer.get("/projector", params={"names": "1"}).text
    hidden = viewer.get("/projector", params={"names": "0"}).text
    assert "Depute Head" not in hidden and "Nominee 1" in hidden


def test_a_token_in_other_letters_is_refused_not_a_server_error(client: TestClient) -> None:
    """A token holding letters such as "é" is a wrong token (403; it was a 500 with a
    traceback: the constant-time comparison refuses non-ASCII text)."""
    for answer in (
        client.get("/api/state", params={"token": "é"}, headers={"Authorization": ""}),
        client.get("/api/state", headers={"Authorization": "Bearer é".encode()}),
    ):
        assert answer.status_code == 403 and "may not" in answer.json()["error"]


def test_suggestions_say_when_nothing_gains(client: TestClient, event: Event) -> None:
    """Once no single change scores more, the panel says so above the least costly ones."""
    for _ in range(20):  # take the best suggestion until none gains
        found = client.get("/api/suggest", params={"team": 1}).json()["suggestions"]
        if not found or found[0]["gain"] <= 0:
            break
        ids = found[0]["establishments"]
        if found[0]["kind"] == "move":
            event.move(ids[0], found[0]["changes"][0]["to_team"])
        else:
            event.swap(ids[0], ids[1])
    text = client.get("/ui/suggest", params={"team": 1}).text
    assert found and found[0]["gain"] <= 0
    assert "No move or swap scores more" in text


def test_a_board_not_begun_says_what_to_do(tmp_path: Path) -> None:
    """With no school placed, the bar says what to do first, not a count of breaches."""
    event = Event.create(tmp_path, sector_cohort(), RULES)
    text = editor_client(event).get("/ui/live").text
    assert "nothing placed yet" in text and "has-breaches" not in text
    event.move("E0", 1)
    assert "nothing placed yet" not in editor_client(event).get("/ui/live").text


def test_ids_with_quotes_slashes_and_backslashes_work_in_the_panel(event: Event) -> None:
    """A school id holding '"', '\\' and '/': its panel renders, every button's values read
    back as that id, and the 'why here' link and /api/why reach it."""
    import html
    import json

    odd = 'N"1\\/x'
    event.add(late_school(odd), time_limit=5)
    client = editor_client(event)
    panel = client.get("/ui/school/" + quote(odd, safe=""))
    assert panel.status_code == 200, panel.text
    values = [
        json.loads(html.unescape(v)) for v in re.findall(r"data-values='([^']*)'", panel.text)
    ]
    assert values and all(v.get("establishment_id", odd) == odd for v in values)
    why = re.search(r'data-get="(/ui/why/[^"]*)"', panel.text)
    assert why and client.get(html.unescape(why.group(1))).status_code == 200
    assert "/" not in why.group(1).removeprefix("/ui/why/")  # a browser would resolve ../
    assert client.get("/api/why/" + quote(odd, safe="")).json()["establishment_id"] == odd
    moved = client.post("/ui/move", data={"establishment_id": odd, "team": "1"})
    assert moved.status_code == 200 and event.state.teams[odd] == 1


def test_what_the_tooltips_say_reaches_screen_readers(client: TestClient) -> None:
    """The bound's meaning and a lock's were in title tooltips only, which neither a
    keyboard nor a touch screen can open: they are in the page's text for screen readers."""
    eid = next(iter(client.get("/api/state").json()["teams"]["1"]))
    client.post("/api/lock", json={"establishment_id": eid, "locked": True})
    page = client.get("/").text
    assert '<span class="visually-hidden">: The most any teams of this cohort' in page
    assert "(locked: stays in this team)" in page


def test_adding_a_school_already_in_the_event_is_a_conflict(client: TestClient) -> None:
    """POST /api/add with a present school's id: 409 "already in the event", as
    docs/event.md says (it was a 404 "neither in the list of late additions nor withdrawn")."""
    eid = next(iter(client.get("/api/state").json()["teams"]["1"]))
    answer = client.post("/api/add", json={"establishment_id": eid})
    assert answer.status_code == 409 and "already in the event" in answer.json()["error"]


def test_an_empty_team_says_so_in_one_line(client: TestClient) -> None:
    """A team emptied by hand shows "no schools yet" (it listed "0 of 0 from one
    authority" and the other counts of nothing)."""
    for eid in client.get("/api/state").json()["teams"]["2"]:
        client.post("/api/move", json={"establishment_id": eid, "team": 1})
    page = client.get("/").text
    assert "no schools yet" in page and "0 of 0" not in page


def test_a_proposal_says_in_words_whether_it_is_proven(client: TestClient) -> None:
    """The page's proposal says "proven the best possible" or "not proven best" (it showed
    the solver's status word, "feasible.")."""
    proposal = client.post("/api/reoptimise", json={"time_limit": 3}).json()
    page = client.get("/").text
    assert "Re-optimised proposal" in page and "; feasible." not in page
    words = "proven the best possible" if proposal["status"] == "optimal" else "not proven best"
    assert words in page


def test_a_saved_folder_is_whole_and_private(client: TestClient, event: Event) -> None:
    """Export > Save a folder (the page) and POST /api/export/folder write every file into
    exports/NAME, readable by the user only (the page's folder was 0755, and the page
    made another name of one the API refused)."""
    answer = client.post("/api/export/folder", json={"name": "after-lunch"}).json()
    folder = Path(answer["folder"])
    assert folder == event.folder / "exports" / "after-lunch"
    assert {"teams.csv", "summary.json", "changes.json"} <= set(answer["files"])
    page = client.post("/ui/export", data={})
    assert page.status_code == 200 and f"version-{event.version}" in page.text
    for saved in (folder, event.folder / "exports" / f"version-{event.version}"):
        assert saved.stat().st_mode & 0o077 == 0, saved
        assert (saved / "teams.csv").is_file()
        for file in saved.iterdir():  # the files too: private when the folder is copied
            assert file.stat().st_mode & 0o077 == 0, file
    for refused in (
        client.post("/api/export/folder", json={"name": "../up"}),
        client.post("/ui/export", data={"name": "a b"}),
        client.post("/api/export/folder", json={"name": "a" * 300}),  # was a 500 (OSError)
        client.post("/api/export/folder", json={"name": "日" * 100}),  # 300 bytes: a 500 too
    ):
        assert refused.status_code == 400 and "letters a-z, digits" in refused.text


def test_saving_a_folder_of_an_empty_board_is_refused_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new event with nothing placed: saving a folder says why not (409; it was a 500
    "Internal Server Error"), and any unexpected server error is {"error": text} too."""
    event = Event.create(tmp_path / "ev", sector_cohort(), RULES)
    client = TestClient(
        create_app(event),
        headers={"Authorization": f"Bearer {event.tokens()['editor']}"},
        raise_server_exceptions=False,
    )
    for answer in (client.post("/api/export/folder", json={}), client.post("/ui/export")):
        assert answer.status_code == 409 and "nothing is placed yet" in answer.json()["error"]
    monkeypatch.setattr(event, "view", lambda: 1 / 0)
    broken = client.get("/ui/add")
    assert broken.status_code == 500 and "ZeroDivisionError" in broken.json()["error"]


def test_scripts_are_served_as_javascript_whatever_the_system_says(event: Event) -> None:
    """Some Windows registries map .js to text/plain; served so (with nosniff) the page's
    scripts would not run and the page would be dead."""
    import mimetypes

    mimetypes.add_type("text/plain", ".js")  # as such a registry says
    client = editor_client(event)
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_the_pages_name_their_controls_and_say_breaches_in_words(
    client: TestClient, event: Event
) -> None:
    """For keyboards and screen readers: a school breaking a rule says so in text (it was a
    red border only), panels' controls are named, and the projector offers nothing to
    focus or press (59 controls that did nothing)."""

    from clnmatch.web.app import _templates

    page = client.get("/").text
    card = {"id": "E1", "name": "Hillhead", "breach": True, "nominees": [], "themes": []}
    html = _templates().get_template("card.html").render(c=card, projector=False)
    assert '<span class="tag bad-tag">breach</span>' in html and "(breaks a rule)" in html
    assert 'lang="en-GB"' in page and 'id="announce"' in page
    for url in ("/ui/add", "/ui/versions", "/ui/school/E1"):
        panel = client.get(url).text
        assert 'aria-label="Close"' in panel and '<h2 tabindex="-1">' in panel, url
        for control in re.findall(r"<(?:select|textarea|input)\b[^>]*>", panel):
            assert "aria-label=" in control or 'type="hidden"' in control, (url, control)
    viewer = TestClient(
        create_app(event), headers={"Authorization": f"Bearer {event.tokens()['viewer']}"}
    )
    board = viewer.get("/projector").text
    assert "tabindex" not in board and 'class="team-number" data-team' not in board


def test_a_start_refused_for_a_busy_port_leaves_no_event_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port is checked before the event is created: no folder holding the survey's
    names is left behind by a start that could not serve."""
    from typer.testing import CliRunner

    import clnmatch.web.server as server
    from clnmatch.cli import app, sample_paths

    monkeypatch.setattr(server, "port_in_use", lambda host, port: True)
    survey, _ = sample_paths()
    done = CliRunner().invoke(app, ["event", str(survey), "--dir", str(tmp_path / "ev")])
    assert done.exit_code == 1 and "in use already" in done.output
    assert not (tmp_path / "ev").exists()


def test_a_torn_journal_is_said_plainly_when_the_event_starts_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash mid-write tore the journal's last line: the command says so in a plain note
    (not Python's warning with its source line), and the event opens."""
    from typer.testing import CliRunner

    import clnmatch.web.server as server
    from clnmatch.cli import app, sample_paths

    monkeypatch.setattr(server, "serve", lambda event, **kw: None)
    monkeypatch.setattr(server, "port_in_use", lambda host, port: False)
    survey, _ = sample_paths()
    args = ["event", str(survey), "--dir", str(tmp_path / "ev"), "--no-browser"]
    assert CliRunner().invoke(app, args).exit_code == 0
    with (tmp_path / "ev" / "journal.jsonl").open("ab") as journal:
        journal.write(b'{"op": "move", "establish')
    again = CliRunner().invoke(app, args)
    said = " ".join(again.output.split())
    assert again.exit_code == 0 and "note: " in said and "torn by a crash" in said, said
    assert "JournalWarning" not in said and "journal.py" not in said
