"""The event page from the keyboard and for a screen reader, as an accessibility tester
used it: where the focus goes, what is said, what Escape closes and what it keeps, and
the mark of a school that moved for those who ask for less motion.

One server (the real command) and one browser for the module, as in test_web_browser.py,
whose helpers these tests share; each test leaves the board as it found it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web_browser import (
    FACILITATORS,
    LAPTOP,
    SURVEY,
    EventServer,
    wait_until,
    wait_version,
)
from typer.testing import CliRunner

from clnmatch.cli import app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventServer]:
    out = tmp_path_factory.mktemp("start") / "solved"
    done = CliRunner().invoke(app, ["solve", str(SURVEY), "--facilitators", str(FACILITATORS),
                                    "--strategy", "greedy", "--time-limit", "3",
                                    "--out", str(out), "--quiet", "--no-pdf"])  # fmt: skip
    assert done.exit_code == 0, done.output
    running = EventServer(tmp_path_factory.mktemp("event") / "ev", "--from", out).start()
    yield running
    running.stop()


def _open(browser: Any, server: EventServer, **options: Any) -> Any:
    context = browser.new_context(viewport=LAPTOP, **options)
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector(".card")
    return page


def _focused(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)"))


def test_saving_every_file_says_so_and_keeps_the_focus(browser: Any, server: EventServer) -> None:
    """'Save every file in the event folder' from the keyboard: the focus fell to the page,
    nothing was announced, and the answer had no heading and no Close button."""
    page = _open(browser, server)
    page.focus("details.exports summary")
    page.keyboard.press("Enter")
    page.focus("#export-folder")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel .saved h2", timeout=15_000)
    wait_until(page, "() => document.activeElement.matches('#panel h2')", timeout=5_000)
    said = page.locator("#panel [role=status]").inner_text()
    assert said.startswith(f"Saved every file in {Path(server.folder).resolve()}"), said
    page.keyboard.press("Escape")
    wait_until(page, "() => document.getElementById('panel').innerHTML === ''", timeout=5_000)
    assert "summary" in _focused(page)  # back on the Export menu it came from
    page.context.close()


def test_escape_closes_a_refusal_first_and_never_drops_pasted_rows(
    browser: Any, server: EventServer
) -> None:
    """Rows pasted and refused (the focus on 'Add these rows'): Escape closed the panel and
    the rows were gone when it opened again, and the red notice could not be closed from
    the keyboard. Escape now closes the notice, then leaves the panel and its rows."""
    page = _open(browser, server)
    page.click("#add-school")
    page.wait_for_selector("#add-text")
    page.fill("#add-text", "practitioner_id,name\nX1,Someone")
    page.focus("#add-rows button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error:not([hidden])", timeout=15_000)
    page.keyboard.press("Escape")
    assert page.locator("#error").is_hidden()
    page.keyboard.press("Escape")
    assert page.input_value("#add-text").startswith("practitioner_id,name")
    page.context.close()


def test_the_export_menu_closes_with_escape_and_when_the_focus_leaves(
    browser: Any, server: EventServer
) -> None:
    """The Export menu stayed open after Escape, and over the board when tabbed past."""
    page = _open(browser, server)
    page.focus("details.exports summary")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('details.exports').open")
    page.keyboard.press("Escape")
    assert not page.evaluate("() => document.querySelector('details.exports').open")
    page.keyboard.press("Enter")
    page.focus("#add-school")
    assert not page.evaluate("() => document.querySelector('details.exports').open")
    page.context.close()


def test_a_moved_school_is_marked_without_motion_when_less_is_asked(
    browser: Any, server: EventServer
) -> None:
    """The amber mark of a school that moved faded (an animation) even for a reader who asks
    for reduced motion; it now stays still for its few seconds."""
    page = _open(browser, server, reduced_motion="reduce")
    card = page.locator('.cards[data-team="1"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    version = int(server.api("GET", "/api/state")["version"])
    card.click()
    page.keyboard.press("2")
    wait_version(page, version + 1)
    marked = page.locator(f'.card.changed[data-id="{eid}"]')
    marked.wait_for(timeout=5_000)
    style = marked.evaluate(
        "c => [getComputedStyle(c).animationName, getComputedStyle(c).boxShadow]"
    )
    assert style[0] == "none" and "4px" in style[1], style
    server.api("POST", "/api/undo")
    page.context.close()


def test_a_school_is_found_by_name_and_opened_with_enter(browser: Any, server: EventServer) -> None:
    """At a region's scale 400 schools are 20 screens of cards, and the page had no way to
    find one but scrolling (a region tester): the Find box outlines every school whose
    name holds the words, and Enter opens the first."""
    page = _open(browser, server)
    card = page.locator('.cards[data-team="8"] .card').last  # below the first screen
    name = (card.get_attribute("aria-label") or "").split(",")[0]
    page.click("#find")
    page.keyboard.type(name.lower())
    found = page.locator(".card.found")
    assert found.count() >= 1
    assert name in (found.first.get_attribute("aria-label") or "")
    # scrolled to (it was scrolled and then back to the box, as the browser kept the caret
    # in view: a second re-tester)
    wait_until(page, "() => { const r = document.querySelector('.card.found')"
               ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
               timeout=5_000)  # fmt: skip
    assert "found" in page.inner_text("#announce")
    page.focus("#find")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel .school[data-school]", timeout=10_000)
    page.keyboard.press("Escape")
    page.focus("#find")
    page.keyboard.press("Escape")
    assert page.locator(".card.found").count() == 0
    assert page.inner_text("#announce") == "Find cleared"  # it said the old count
    page.context.close()


def test_a_key_pressed_after_tabbing_on_acts_on_the_school_tabbed_to(
    browser: Any, server: EventServer
) -> None:
    """A team number pressed on school X, Tab to school Y before the board was redrawn,
    then a team number: the redraw took the focus back to X, so X moved twice and Y not at
    all (the matching day's tester). The focus now stays with the card it was on."""
    page = _open(browser, server)
    cards = page.locator('.cards[data-team="1"] .card:not(.locked)')
    first, second = cards.nth(0).get_attribute("data-id"), cards.nth(1).get_attribute("data-id")
    version = int(server.api("GET", "/api/state")["version"])
    held: list[Any] = []  # the move's request, held until Tab has gone on to Y
    page.route("**/ui/move", lambda route: held.append(route))
    cards.nth(0).focus()
    page.keyboard.press("2")
    while not held:
        page.wait_for_timeout(50)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.dataset.id") == second
    held[0].continue_()
    page.unroute("**/ui/move")
    wait_version(page, version + 1)
    assert page.evaluate("() => document.activeElement.dataset.id") == second
    page.keyboard.press("3")
    wait_version(page, version + 2)
    teams = server.api("GET", "/api/state")["teams"]
    assert first in teams["2"] and second in teams["3"]
    server.api("POST", "/api/undo")
    server.api("POST", "/api/undo")
    page.context.close()


def test_a_team_heading_keeps_the_focus_and_moves_no_school(
    browser: Any, server: EventServer
) -> None:
    """Tab from a team's last card reaches the next team's heading; after the redraw the
    focus went back to the school just moved, and the next number moved it again (a
    re-tester). The heading keeps the focus, and a number pressed there moves nothing."""
    page = _open(browser, server)
    card = page.locator('.cards[data-team="1"] .card:not(.locked)').first
    version = int(server.api("GET", "/api/state")["version"])
    card.focus()
    page.keyboard.press("2")  # the school is now the selected one
    wait_version(page, version + 1)
    page.focus('#live .team-number[data-team="3"]')
    server.api("POST", "/api/undo")  # another laptop's decision redraws the board
    wait_version(page, version + 2)
    assert page.evaluate("() => document.activeElement.dataset.team") == "3"
    page.keyboard.press("4")
    page.wait_for_timeout(1000)
    assert int(server.api("GET", "/api/state")["version"]) == version + 2  # nothing moved
    page.context.close()


def test_letters_and_digits_act_on_a_school_only_from_the_school(
    browser: Any, server: EventServer
) -> None:
    """A school selected, the focus moved to the toolbar's Help button: L locked the school
    and a digit moved it (an accessibility audit: WCAG 2.1.4, single-key shortcuts; voice
    input says letters). From a toolbar control they do nothing now; from the school's
    card they act as before."""
    page = _open(browser, server)
    card = page.locator('.cards[data-team="1"] .card:not(.locked)').first
    school = card.get_attribute("data-id")
    version = int(server.api("GET", "/api/state")["version"])
    card.click()  # selected, its panel open
    page.wait_for_selector("#panel h2")
    page.focus("#help-button")
    page.keyboard.press("l")
    page.keyboard.press("2")
    page.wait_for_timeout(1000)
    state = server.api("GET", "/api/state")
    assert int(state["version"]) == version and school in state["teams"]["1"]
    page.locator(f'.card[data-id="{school}"]').focus()
    page.keyboard.press("l")
    wait_version(page, version + 1)
    assert school in server.api("GET", "/api/state")["locked"]
    server.api("POST", "/api/undo")
    page.context.close()


def test_a_refusal_stays_until_it_is_closed(browser: Any, server: EventServer) -> None:
    """A long refusal of pasted rows hid itself after 30 s while the rows were still being
    mended (an accessibility audit: WCAG 2.2.1, timing adjustable)."""
    page = _open(browser, server)
    page.clock.install()
    page.click("#add-school")
    page.wait_for_selector("#add-text")
    page.fill("#add-text", "practitioner_id,name\nX1,Someone")
    page.click("#add-rows button[type=submit]")
    page.wait_for_selector("#error:not([hidden])", timeout=15_000)
    page.clock.run_for(120_000)  # two minutes on the page's clock
    assert page.locator("#error").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#error").is_hidden()
    page.context.close()


def test_a_file_of_rows_is_read_as_utf8_or_refused_in_words(
    browser: Any, server: EventServer
) -> None:
    """Add a school, load a file: a Windows-1252 CSV garbled 'Siobhán' into every roster
    and a workbook filled the box with binary (a first-time lead officer); refused now,
    saying what to do, and a UTF-8 file (with its byte order mark) fills the box."""
    page = _open(browser, server)
    page.click("#add-school")
    page.wait_for_selector("#add-file", state="attached")
    rows = "practitioner_id,name\nX1,Siobhán Ó Dónaill\n"
    for name, data, said in (
        ("late.csv", rows.encode("cp1252"), "is not saved as UTF-8 text"),
        ("late.xlsx", b"PK\x03\x04" + bytes(200), "is an Excel workbook"),
    ):
        page.set_input_files("#add-file", files=[{"name": name, "mimeType": "text/csv",
                                                  "buffer": data}])  # fmt: skip
        page.wait_for_selector("#error:not([hidden])")
        assert f"{name} {said}" in page.inner_text("#error")
        assert page.input_value("#add-text") == ""
        page.keyboard.press("Escape")
    page.set_input_files(
        "#add-file",
        files=[
            {"name": "late.csv", "mimeType": "text/csv", "buffer": rows.encode("utf-8-sig")}
        ],  # fmt: skip
    )
    wait_until(page, "() => document.getElementById('add-text').value.length > 0")
    assert page.input_value("#add-text") == rows
    page.context.close()


def test_a_team_number_no_team_has_is_said(browser: Any, server: EventServer) -> None:
    """With 8 teams, a school selected and 9 pressed: nothing happened, nothing was said
    (a first-time lead officer)."""
    page = _open(browser, server)
    teams = int(page.evaluate("() => document.querySelectorAll('.team-number[data-team]').length"))
    version = int(server.api("GET", "/api/state")["version"])
    page.locator('.cards[data-team="1"] .card:not(.locked)').first.focus()
    page.keyboard.press("9")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == f"There is no team 9: the teams are 1 to {teams}."
    assert int(server.api("GET", "/api/state")["version"]) == version
    page.context.close()
