"""A whole matching event run on the page, as a lead officer would, with a kill -9 in the middle.

Solve, two rounds of withdrawals, a late school, three hand moves, a lock, a re-optimise,
an undo, a saved version restored, export: all on the page after `clnmatch event`
starts. The exported files pass `clnmatch check`, and a kill -9 half way loses nothing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
from test_web_browser import (
    FACILITATORS,
    IMAGES,
    LAPTOP,
    SURVEY,
    EventServer,
    board,
    drag,
    launch,
    sync_api,
    wait_version,
)
from typer.testing import CliRunner

from clnmatch.cli import app

SOLVE_S = "4"


def additions_file(folder: Path) -> Path:
    """Survey rows of one late school: two nominees shaped like the sample's."""
    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    first = survey[survey["establishment_id"] == survey["establishment_id"].iloc[0]].head(2).copy()
    first["practitioner_id"] = ["LATE-1", "LATE-2"][: len(first)]
    first["establishment_id"] = "LATE"
    first["establishment_name"] = "Late Hill Primary School"
    first["sector"] = "primary"
    first["name"] = ["Late Nominee One", "Late Nominee Two"][: len(first)]
    path = folder / "late.csv"
    first.to_csv(path, index=False)
    return path


def version(server: EventServer) -> int:
    return int(server.api("GET", "/api/state")["version"])


def withdraw_on_page(page: Any, server: EventServer, team: int) -> str:
    """Select the first unlocked school of a team and withdraw it with the panel's button."""
    card = page.locator(f'.cards[data-team="{team}"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    before = version(server)
    card.click()
    page.wait_for_selector(f'#panel .school[data-school="{eid}"]')
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('#panel button[data-post="/ui/withdraw"]')  # the school's, not a nominee's
    wait_version(page, before + 1)
    return str(eid)


def reoptimise_and_accept(page: Any, server: EventServer, screenshot: str | None = None) -> None:
    page.fill("#time-limit", SOLVE_S)
    page.click("#reoptimise")
    page.wait_for_selector("#proposal", timeout=90_000)
    if screenshot:
        page.screenshot(path=str(IMAGES / screenshot))
    before = version(server)
    page.click("#proposal .accept")
    wait_version(page, before + 1)
    page.wait_for_selector("#proposal", state="detached")


def test_a_whole_event_on_the_page(tmp_path: Path) -> None:
    """solve, 2 withdrawal rounds, a late school, 3 hand moves, a lock, re-optimise, undo,
    a version restored, export."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "event"
    server = EventServer(folder, "--additions", additions_file(tmp_path)).start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport=LAPTOP)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(f"{exc} at {page.url}: {exc.stack}"))
            page.goto(server.url)
            page.wait_for_selector(".unplaced-col .card")
            page.screenshot(path=str(IMAGES / "event-start.png"))

            # solve: nothing is placed yet, so re-optimise places every school
            reoptimise_and_accept(page, server)
            state = server.api("GET", "/api/state")
            assert state["unplaced"] == [] and state["breaches"] == []

            # two rounds of withdrawals, each repaired with the fewest moves
            gone = [withdraw_on_page(page, server, 1), withdraw_on_page(page, server, 2)]
            assert server.api("GET", "/api/state")["breaches"] == []
            gone.append(withdraw_on_page(page, server, 3))
            state = server.api("GET", "/api/state")
            assert sorted(state["withdrawn"]) == sorted(gone) and state["breaches"] == []

            # one nominee withdraws (the school stays), then comes back, from the panel
            person = page.locator('.cards[data-team="5"] .card:not(.locked)').first
            person.click()
            page.wait_for_selector("#panel .school")
            before = version(server)
            page.once("dialog", lambda dialog: dialog.accept())
            page.click('#panel button[data-post="/ui/withdraw_person"]')
            wait_version(page, before + 1)
            page.wait_for_selector("#panel li.gone")  # the panel refreshed: struck through
            state = server.api("GET", "/api/state")
            assert len(state["withdrawn_people"]) == 1 and state["breaches"] == []
            page.click('#panel button[data-post="/ui/return_person"]')
            wait_version(page, before + 2)
            assert server.api("GET", "/api/state")["withdrawn_people"] == []
            page.keyboard.press("Escape")

            # a facilitator withdraws and is replaced, from the Facilitators panel
            page.click("#facilitators")
            page.wait_for_selector("#panel .facilitators")
            before = version(server)
            page.once("dialog", lambda dialog: dialog.accept())
            page.click('#panel button[data-post="/ui/withdraw_facilitator"]')
            wait_version(page, before + 1)
            page.wait_for_selector("#panel .facilitators li.gone")
            gone = server.api("GET", "/api/state")["withdrawn_facilitators"]
            authority = page.locator("#panel li.gone .muted").inner_text().split("(")[1]
            page.fill('#add-facilitator input[name="facilitator_id"]', "NEW-1")
            page.fill('#add-facilitator input[name="name"]', "New Facilitator")
            page.fill('#add-facilitator input[name="authority"]', authority.split(")")[0])
            page.click('#add-facilitator button[type="submit"]')
            wait_version(page, before + 2)
            state = server.api("GET", "/api/state")
            assert len(gone) == 1 and "NEW-1" in {f for f, _ in state["facilitators"]}
            assert state["breaches"] == [], state["breaches"]
            # the newcomer placed with team 2 by hand: the panel says so when it is done
            page.click('#panel button[aria-label="Place New Facilitator with team 2"]')
            page.wait_for_selector("#panel b:has-text('Placed with team 2')")
            state = server.api("GET", "/api/state")
            assert (
                state["facilitators_placed"] == {"NEW-1": 2}
                and ["NEW-1", 2] in state["facilitators"]
            )
            page.keyboard.press("Escape")

            # a late school, picked from the list given at the start
            before = version(server)
            page.click("#add-school")
            page.wait_for_selector("#add-pick")
            page.screenshot(path=str(IMAGES / "event-add.png"))
            page.click("#add-pick button")
            wait_version(page, before + 1)
            assert "LATE" in board(page)

            # three hand moves: a drag, a key, a panel button
            cards = page.locator('.cards[data-team="4"] .card:not(.locked)')
            dragged = cards.first.get_attribute("data-id")
            before = version(server)
            drag(page, cards.first, 5)
            wait_version(page, before + 1)
            keyed_card = page.locator('.cards[data-team="6"] .card:not(.locked)').first
            keyed = keyed_card.get_attribute("data-id")
            keyed_card.click()
            page.keyboard.press("7")
            wait_version(page, before + 2)
            buttoned = page.locator('.cards[data-team="8"] .card:not(.locked)').first
            buttoned_id = buttoned.get_attribute("data-id")
            buttoned.click()
            page.wait_for_selector(f'#panel .school[data-school="{buttoned_id}"]')
            page.click('#panel .keys button:text-is("1")')
            wait_version(page, before + 3)
            shown = board(page)
            assert (shown[dragged], shown[keyed], shown[buttoned_id]) == (5, 7, 1)

            # a lock
            locked = page.locator('.cards[data-team="2"] .card').first.get_attribute("data-id")
            locked_card = page.locator(f'.card[data-id="{locked}"]')
            locked_card.click()
            page.keyboard.press("Escape")
            locked_card.click()
            # the school is selected once its panel is open (a board refresh may land between)
            page.wait_for_selector(f'#panel .school[data-school="{locked}"]')
            page.keyboard.press("l")
            wait_version(page, before + 4)
            assert locked in server.api("GET", "/api/state")["locked"]

            # kill -9 half way: nothing decided is lost
            state = server.api("GET", "/api/state")
            server.kill()
            server.start()
            assert server.api("GET", "/api/state") == state
            page.goto(server.url)
            page.wait_for_selector(".card")
            assert board(page) == shown

            # re-optimise the rest: the locked school stays, the rules hold again
            reoptimise_and_accept(page, server, screenshot="event-reoptimise.png")
            state = server.api("GET", "/api/state")
            assert locked in state["teams"]["2"] and state["breaches"] == []
            accepted = board(page)

            # an accidental drag, undone
            stray = page.locator('.cards[data-team="3"] .card:not(.locked)').first
            before = version(server)
            drag(page, stray, 4)
            wait_version(page, before + 1)
            page.keyboard.press("Control+z")
            wait_version(page, before + 2)
            assert board(page) == accepted

            # a version saved, two moves made, and the saved version restored
            page.click("#versions")
            page.fill('#save-version input[name="name"]', "accepted")
            page.click('#save-version button[type="submit"]')
            wait_version(page, before + 3)
            page.keyboard.press("Escape")
            moved = [
                page.locator(f'.cards[data-team="{t}"] .card:not(.locked)').first.get_attribute(
                    "data-id"
                )
                for t in (3, 5)
            ]
            for eid, team in zip(moved, (4, 6), strict=True):  # from another program
                server.api("POST", "/api/move", {"establishment_id": eid, "team": team})
            wait_version(page, before + 5)
            assert (board(page)[moved[0]], board(page)[moved[1]]) == (4, 6)
            page.click("#versions")
            page.wait_for_selector("#restore-version")
            page.click('#restore-version button[type="submit"]')
            wait_version(page, before + 6)
            assert board(page) == accepted

            # export: every file into the event folder, from the page
            page.click(".exports summary")
            page.click("#export-folder")
            page.wait_for_selector("#panel .message")
            exported = folder / "exports" / f"version-{version(server)}"
            rows = list(
                csv.DictReader(io.StringIO((exported / "teams.csv").read_text("utf-8-sig")))
            )
            assert {r["establishment_id"]: int(r["team"]) for r in rows} == board(page)
            assert errors == [], errors
            browser.close()
    finally:
        server.stop()
    done = CliRunner().invoke(
        app,
        ["check", str(SURVEY), str(exported / "teams.csv"), "--facilitators", str(FACILITATORS),
         "--links", str(exported / "facilitators.csv")],
        catch_exceptions=False,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    report = CliRunner().invoke(  # its handouts.pdf is printed in test_rosters
        app,
        ["report", str(exported), "--survey", str(SURVEY), "--facilitators", str(FACILITATORS),
         "--no-pdf"],
    )  # fmt: skip
    assert report.exit_code == 0, report.output


def test_kill_9_loses_no_acknowledged_decision(tmp_path: Path) -> None:
    """Decisions sent over HTTP, then SIGKILL: every acknowledged one is there after a restart."""
    decisions = 7
    server = EventServer(tmp_path / "event").start()
    try:
        state = server.api("GET", "/api/state")
        ids = state["unplaced"]
        acknowledged = []
        for i, eid in enumerate(ids[:decisions]):
            team = i % 8 + 1
            answer = server.api("POST", "/api/move", {"establishment_id": eid, "team": team})
            acknowledged.append((eid, team, answer["version"]))
        server.api("POST", "/api/lock", {"establishment_id": ids[0], "locked": True})
        rows = pd.read_csv(SURVEY, dtype=str, encoding="utf-8-sig")
        pairs = rows.groupby("establishment_id")["practitioner_id"].agg(list)
        pid = next(people[0] for e, people in pairs.items() if len(people) > 1 and e != ids[0])
        server.api("POST", "/api/withdraw", {"practitioner_id": pid})
        server.api("POST", "/api/versions", {"name": "before the crash"})
        expected = server.api("GET", "/api/state")
        assert expected["withdrawn_people"] == [pid]
        server.kill()
        server.start()
        again = server.api("GET", "/api/state")
        assert again == expected
        for eid, team, _ in acknowledged:
            assert eid in again["teams"][str(team)]
        assert server.api("GET", "/api/versions") == {"versions": ["before the crash"]}
    finally:
        server.stop()
    survey = pd.read_csv(SURVEY, dtype=str, encoding="utf-8-sig")
    assert server.log, "the server printed its addresses"
    leaked = [n for n in survey["name"] if n in server.log]
    assert leaked == [], "the server's output names nobody"


def test_an_event_begun_with_a_mapping_resumes_with_it(tmp_path: Path) -> None:
    """Begun with --map, started again after a crash without it (forgotten): the survey
    was read without the mapping, so it "now differs" (or "cannot be read now", for a
    form's export), and rows pasted later were read without it too. The event keeps a copy
    of the mapping and reads with it, saying so."""
    mapping = tmp_path / "map.toml"
    mapping.write_text("leave_out_rows = [2]\n", encoding="utf-8")
    server = EventServer(tmp_path / "event", "--map", mapping)
    try:
        server.start()
        before = server.api("GET", "/api/state")
        server.kill()
        server.extra = ()
        server.start()
        assert server.api("GET", "/api/state") == before
    finally:
        server.stop()
    said = " ".join(server.log.split())
    assert "using the event's copy of its mapping" in said
    assert "differs" not in said and "cannot be read" not in said


def test_the_notice_that_the_server_did_not_answer_goes_when_it_answers(
    tmp_path: Path,
) -> None:
    """After a kill -9 and a restart the red "did not answer" notice stayed until closed,
    over a board that was again as the server held it (the re-tester): it goes when the
    page hears from the server again."""
    server = EventServer(tmp_path / "event").start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport=LAPTOP)
            page.goto(server.url)
            page.wait_for_selector(".card")
            server.kill()
            page.keyboard.press("Control+z")  # sent to no server
            page.wait_for_selector("#error:not([hidden])")
            assert "did not answer" in page.locator("#error").inner_text()
            # a notice stays until closed: this one goes when the server answers again
            server.start()  # the same port: the page's stream reconnects by itself
            page.wait_for_selector("#error", state="hidden", timeout=60_000)
            browser.close()
    finally:
        server.stop()
