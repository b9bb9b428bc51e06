"""The event page in a real browser: Playwright drives Debian's Chromium against `clnmatch event`.

One server (the real command, in a subprocess) and one browser serve the whole module;
the tests run in file order and each leaves the board as it found it (undo). Locking,
re-optimising and restarting after kill -9 are in test_web_event_e2e.py. Screenshots for
docs/event.md are taken here and there, at laptop and projector sizes; they replace the
docs' images only with CLNMATCH_DOC_IMAGES=1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clnmatch.cli import sample_paths

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api")

SURVEY, FACILITATORS = sample_paths()
# the docs' screenshots are refreshed only when asked (CLNMATCH_DOC_IMAGES=1): a test run
# leaves the working tree as it found it
IMAGES = (
    Path(__file__).resolve().parents[1] / "docs" / "images"
    if os.environ.get("CLNMATCH_DOC_IMAGES") == "1"
    else Path(tempfile.gettempdir()) / "clnmatch-test-screenshots"
)
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EventServer:
    """`clnmatch event` in a subprocess; ``url`` is the first line it prints."""

    def __init__(self, folder: Path, *extra: str | Path, port: int | None = None):
        self.folder, self.extra, self.port = folder, extra, port or free_port()
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.log = ""  # what the server printed after its address, gathered when it stops

    def start(self) -> EventServer:
        command = [sys.executable, "-m", "clnmatch.cli", "event", str(SURVEY),
                   "--facilitators", str(FACILITATORS), "--dir", str(self.folder),
                   "--port", str(self.port), "--no-browser", *map(str, self.extra)]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith(f"http://127.0.0.1:{self.port}/?token="), self.url
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.api("GET", "/api/state")
                return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the event server did not answer")

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
        return json.loads(raw) if raw[:1] in (b"{", b"[") else raw

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as a crash or `kill -9` would do."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.close_pipes()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.close_pipes()

    def close_pipes(self) -> None:
        if self.process is not None:
            for pipe in (self.process.stdout, self.process.stderr):
                if pipe is not None and not pipe.closed:
                    self.log += pipe.read()
                    pipe.close()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def drag(page: Any, card: Any, target_team: int) -> None:
    """Drag a card onto a team's list with small mouse steps (SortableJS follows the pointer)."""
    box = card.bounding_box()
    target = page.locator(f'.cards[data-team="{target_team}"]').bounding_box()
    x0, y0 = box["x"] + 30, box["y"] + 12
    x1, y1 = target["x"] + 40, target["y"] + 40
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.wait_for_timeout(80)
    for i in range(1, 25):
        page.mouse.move(x0 + (x1 - x0) * i / 24, y0 + (y1 - y0) * i / 24)
        page.wait_for_timeout(25)
    page.wait_for_timeout(150)
    page.mouse.up()


def board(page: Any) -> dict[str, int]:
    """Each card's team as the page shows it."""
    pairs = page.eval_on_selector_all(
        ".cards[data-team] .card",
        "cards => cards.map(c => [c.dataset.id, c.closest('.cards').dataset.team])",
    )
    return {eid: int(team) for eid, team in pairs}


def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 30_000) -> None:
    """Poll ``expression`` (with ``arg``) from here until it is truthy. Not Playwright's
    wait_for_function: its polling evaluates strings inside the page, which the page's
    Content-Security-Policy (no 'unsafe-eval') refuses whenever the first try is false."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout / 1000:g} s waiting for {expression}")
        page.wait_for_timeout(100)


def wait_version(page: Any, version: int) -> None:
    wait_until(
        page,
        "v => document.getElementById('live') && +document.getElementById('live').dataset.version >= v",
        arg=version,
        timeout=30_000,
    )


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A greedy solve of the sample cohort to start the event from."""
    from typer.testing import CliRunner

    from clnmatch.cli import app

    out = tmp_path_factory.mktemp("start") / "solved"
    done = CliRunner().invoke(app, ["solve", str(SURVEY), "--facilitators", str(FACILITATORS),
                                    "--strategy", "greedy", "--time-limit", "3",
                                    "--out", str(out), "--quiet"])  # fmt: skip
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def server(solved: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventServer]:
    running = EventServer(tmp_path_factory.mktemp("event") / "ev", "--from", solved).start()
    yield running
    running.stop()


@pytest.fixture
def page(browser: Any, server: EventServer) -> Iterator[Any]:
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.goto(server.url)
    opened.wait_for_selector(".card")
    yield opened
    context.close()
    assert errors == [], errors


def test_drag_a_card_and_see_the_breach(page: Any, server: EventServer) -> None:
    """Dragging a school to a full team makes the move; the breach shows in red with numbers."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / "event-board.png"))
    card = page.locator('.cards[data-team="1"] .card').first
    eid = card.get_attribute("data-id")
    version = server.api("GET", "/api/state")["version"]
    drag(page, card, 2)
    wait_version(page, version + 1)
    assert board(page)[eid] == 2
    assert page.locator(f'.card.changed[data-id="{eid}"]').count() == 1  # marked, dragged too
    state = server.api("GET", "/api/state")
    assert eid in state["teams"]["2"]
    assert state["breaches"], "moving a school out of a balanced team breaks a size rule"
    assert page.locator(".figure.bad").count() == 1
    red = page.locator(".team.broken .breaches li").first.inner_text()
    assert any(ch.isdigit() for ch in red)  # the numbers of the breach
    assert "points" in page.locator("#last-change").inner_text()
    page.screenshot(path=str(IMAGES / "event-breach.png"))
    page.keyboard.press("Control+z")
    wait_version(page, version + 2)
    assert board(page)[eid] == 1
    assert server.api("GET", "/api/state")["breaches"] == []


def test_keyboard_move_and_the_school_panel(page: Any, server: EventServer) -> None:
    """Click a school, press a team's number: it moves; the panel shows why it was placed."""
    card = page.locator('.cards[data-team="3"] .card').first
    eid = card.get_attribute("data-id")
    card.click()
    page.wait_for_selector("#panel .school .why")
    page.screenshot(path=str(IMAGES / "event-school.png"))
    version = server.api("GET", "/api/state")["version"]
    page.keyboard.press("5")
    wait_version(page, version + 1)
    assert board(page)[eid] == 5
    page.click("#undo")
    wait_version(page, version + 2)
    assert board(page)[eid] == 3


def test_decisions_made_in_a_rush_are_all_made(page: Any, server: EventServer) -> None:
    """Three team numbers pressed at once, each while the one before is still on its way:
    every one reaches the server, in order (htmx alone would drop the middle one)."""
    card = page.locator('.cards[data-team="2"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    card.click()
    version = server.api("GET", "/api/state")["version"]
    for key in "345":
        page.keyboard.press(key)
    wait_version(page, version + 3)
    assert server.api("GET", "/api/state")["version"] == version + 3
    assert board(page)[eid] == 5


def test_export_equals_what_the_page_shows(page: Any, server: EventServer) -> None:
    """teams.csv downloaded from the page puts every school where the board shows it."""
    import csv
    import io

    shown = board(page)
    page.click(".exports summary")
    with page.expect_download() as info:
        page.click('a[href^="/api/export/teams.csv"]')
    rows = list(
        csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig")))
    )
    assert rows and {r["establishment_id"]: int(r["team"]) for r in rows} == shown


def test_the_projector_follows_the_editor(browser: Any, page: Any, server: EventServer) -> None:
    """The read-only view updates by itself when the editor moves a school, and hides names."""
    viewer = browser.new_context(viewport=PROJECTOR)
    projector = viewer.new_page()
    projector.goto(_viewer_url(server) + "&names=0")
    projector.wait_for_selector(".card")
    assert projector.locator("#reoptimise").count() == 0
    names = projector.locator(".card .nominees li").first.inner_text()
    assert names.startswith("Nominee")
    card = page.locator('.cards[data-team="6"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    version = server.api("GET", "/api/state")["version"]
    card.click()
    page.keyboard.press("7")
    wait_version(projector, version + 1)
    assert board(projector)[eid] == 7
    projector.screenshot(path=str(IMAGES / "event-projector.png"))
    page.keyboard.press("Control+z")
    wait_version(projector, version + 2)
    assert board(projector)[eid] == 6
    viewer.close()


def _viewer_url(server: EventServer) -> str:
    viewer = json.loads((server.folder / "tokens.json").read_text())["viewer"]
    return f"{server.base}/projector?token={viewer}"


def test_on_paper_the_board_wraps_and_the_controls_go(page: Any) -> None:
    """Printed, the page keeps the figures and the teams (two to a row, each kept whole on
    its page) without its buttons."""
    page.emulate_media(media="print")
    assert not page.locator("#reoptimise").is_visible()
    assert not page.locator("#undo").is_visible()
    assert page.locator(".status").is_visible()
    tops = page.eval_on_selector_all(".board .team", "els => els.map(e => e.offsetTop)")
    assert len(tops) == 8 and tops[0] == tops[1] and tops[2] > tops[0]
    assert page.eval_on_selector(".board .team", "e => getComputedStyle(e).breakInside") == "avoid"
    page.emulate_media(media="screen")
    assert page.locator("#reoptimise").is_visible()


def test_a_running_reoptimise_shows_its_clock_and_a_change_made_meanwhile(
    page: Any, server: EventServer
) -> None:
    """While re-optimising, the seconds run on between the solver's reports (it reports
    only when it finds better), and a move made meanwhile is said at once to make the
    proposal out of date (it was said only at the end). The request is held here, so the
    page's own clock is what runs, however fast the solver would be."""
    page.route("**/ui/reoptimise", lambda route: None)  # held: never answered
    page.fill("#time-limit", "30")
    page.click("#reoptimise")
    wait_until(
        page,
        "() => /Re-optimising \\.\\.\\. [1-9]\\.\\d s of 30 s/"
        ".test(document.getElementById('progress-text').textContent)",
        timeout=15_000,
    )
    card = page.locator('.cards[data-team="4"] .card:not(.locked)').first
    server.api("POST", "/api/move", {"establishment_id": card.get_attribute("data-id"), "team": 3})
    wait_until(
        page,
        "() => document.getElementById('progress-text').textContent.includes('out of date')",
        timeout=15_000,
    )


def test_stopping_with_a_page_open_is_quick_and_quiet(browser: Any, tmp_path: Path) -> None:
    """Ctrl+C / SIGTERM while a page holds its live stream open: the server ends the
    stream and stops, printing no ERROR (it waited 2 s for the stream, then reported
    cancelling it)."""
    running = EventServer(tmp_path / "ev").start()
    context = browser.new_context(viewport=LAPTOP)
    try:
        opened = context.new_page()
        opened.goto(running.url)
        opened.wait_for_selector(".card")
        opened.wait_for_timeout(500)  # the live stream is open
        running.stop()
    finally:
        context.close()
        running.stop()
    # the ERROR is what uvicorn prints when its graceful stop times out waiting on a stream
    assert "ERROR" not in running.log and "timeout graceful shutdown" not in running.log


def test_a_failed_read_is_said_once_not_asked_again_and_again(page: Any) -> None:
    """A panel part the server refuses (here: "Why here?" answered 404) is an error shown
    once; the board is not reloaded for it (that reloaded the panel, which asked again:
    about 25 requests in 4 s for a school whose id held "../")."""
    page.route(
        "**/ui/why/**",
        lambda route: route.fulfill(
            status=404, content_type="application/json", body='{"error": "no such address"}'
        ),
    )
    boards: list[str] = []
    page.on("request", lambda r: boards.append(r.url) if "/ui/live" in r.url else None)
    page.locator(".card").first.click()
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    page.wait_for_timeout(2_000)
    assert boards == []
    page.unroute("**/ui/why/**")


def test_on_a_phone_a_proposal_is_not_left_under_a_panel(browser: Any, server: EventServer) -> None:
    """On a phone a school's panel covers the lower part of the screen: when a re-optimise
    ends, the panel closes and the proposal's Accept is in sight (it could sit under it)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        phone.goto(server.url)
        phone.wait_for_selector(".card")
        phone.locator(".card").last.click()
        phone.wait_for_selector("#panel .school")
        # a slow network: the board refreshed (the server's event) before the proposal came,
        # so the open school panel was asked again; its answer comes after the proposal
        # closed the panel, and must not open it again
        answered: list[str] = []

        def late(route: Any) -> None:
            response = route.fetch()
            time.sleep(1.0)
            route.fulfill(response=response)

        phone.route("**/ui/reoptimise", late)
        phone.route("**/ui/school/**", late)
        phone.on(
            "requestfinished", lambda r: answered.append(r.url) if "/ui/school/" in r.url else None
        )
        phone.fill("#time-limit", "2")
        phone.click("#reoptimise")
        phone.wait_for_selector("#proposal button.accept", timeout=30_000)
        wait_until(phone, 'document.getElementById("panel").innerHTML === ""')
        deadline = time.monotonic() + 30
        while not answered and time.monotonic() < deadline:
            phone.wait_for_timeout(100)
        assert answered, "the board's refresh asked for the school panel again"
        phone.wait_for_timeout(500)  # htmx swaps (and settles) just after the answer
        assert phone.evaluate('document.getElementById("panel").innerHTML') == ""
        box = phone.locator("#proposal button.accept").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
        phone.click("#proposal button.reject")
        phone.wait_for_selector("#proposal", state="detached")
    finally:
        context.close()


def test_a_withdrawal_says_it_is_working_until_it_is_done(page: Any, server: EventServer) -> None:
    """Withdraw (confirmed): a note says the teams are being repaired while the server
    works (the request is held 1.5 s here), then goes; the school has left the board.
    Near the end of this file: it changes the shared event (the next test brings it back)."""
    card = page.locator('.cards[data-team="1"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    card.click()
    page.wait_for_selector("#panel .school")
    page.on("dialog", lambda dialog: dialog.accept())

    def slow(route: Any) -> None:
        time.sleep(1.5)
        route.continue_()

    page.route("**/ui/withdraw", slow)
    page.click('#panel button[data-post="/ui/withdraw"]')  # the school's, not a nominee's
    page.wait_for_selector("#busy:not([hidden])", timeout=10_000)
    assert "repairing the teams" in page.inner_text("#busy")
    page.wait_for_selector("#busy", state="hidden", timeout=30_000)
    wait_until(
        page, 'id => !document.querySelector(`.card[data-id="${id}"]`)', arg=eid, timeout=30_000
    )
    assert eid in server.api("GET", "/api/state")["withdrawn"]


def test_a_withdrawn_school_is_brought_back_from_the_add_panel(
    page: Any, server: EventServer
) -> None:
    """After the withdrawal above (this test runs after it): Add a school lists the school
    under Bring back; pressing it puts the school back on the board and closes the panel."""
    gone = server.api("GET", "/api/state")["withdrawn"]
    assert gone, "runs after the withdrawal test"
    page.click("#add-school")
    button = page.locator("#panel ul.back button").first
    button.wait_for()
    button.click()
    wait_until(
        page,
        'id => !!document.querySelector(`.card[data-id="${id}"]`)',
        arg=gone[0],
        timeout=30_000,
    )
    assert gone[0] not in server.api("GET", "/api/state")["withdrawn"]
    wait_until(page, '!document.querySelector("#panel .add")', timeout=10_000)


def test_a_school_is_chosen_moved_and_left_with_the_keyboard_alone(
    page: Any, server: EventServer
) -> None:
    """Tab to a school, Enter: its panel opens with the focus on its heading; a number
    moves it; Escape closes the panel and the focus is back on the school (Enter did
    nothing, and each redraw dropped the focus to the page)."""
    card = page.locator('.cards[data-team="2"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    card.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel .school h2:focus", timeout=10_000)
    page.keyboard.press("3")
    wait_until(
        page,
        'id => !!document.querySelector(`.cards[data-team="3"] .card[data-id="${id}"]`)',
        arg=eid,
        timeout=15_000,
    )
    page.wait_for_timeout(500)  # the panel is asked again for the new board
    page.keyboard.press("Escape")
    wait_until(
        page,
        "id => document.activeElement && document.activeElement.dataset.id === id",
        arg=eid,
        timeout=5_000,
    )
    said = page.text_content("#announce") or ""  # what a screen reader is told
    assert "team 3" in said and ("breach" in said or "every rule holds" in said), said
    # after Escape the keys act on the school with the focus (L did nothing, unsaid)
    page.keyboard.press("l")
    wait_until(
        page,
        'id => !!document.querySelector(`.card.locked[data-id="${id}"]`)',
        arg=eid,
        timeout=10_000,
    )
    server.api("POST", "/api/undo")
    server.api("POST", "/api/undo")


def test_each_teams_title_stays_in_view_as_its_schools_scroll(page: Any) -> None:
    """On a laptop every team fits across (no sideways scroll), and each team's number and
    focus stay just under the status bar while the page scrolls down its schools; with a
    school's panel open the teams wrap beside it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    page.mouse.wheel(0, 700)
    page.wait_for_timeout(300)
    title, bar = page.evaluate(
        "[document.querySelector('.team-title').getBoundingClientRect().top,"
        " document.querySelector('.status').getBoundingClientRect().bottom]"
    )
    assert abs(title - bar) <= 2  # not scrolled away
    page.locator('.cards[data-team="1"] .card').first.click()
    page.wait_for_selector("#panel .school")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]


def _teams_beside(page: Any, right: float) -> None:
    """No sideways scroll, and every team's column ends left of ``right``."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    edges = page.evaluate(
        "[...document.querySelectorAll('.board > .team')].map(t => t.getBoundingClientRect().right)"
    )
    assert len(edges) >= 8 and max(edges) <= right + 1, (edges, right)


def test_every_team_is_in_view_on_a_small_laptop_and_beside_a_panel(
    browser: Any, server: EventServer
) -> None:
    """At 1,024 px, and at 1,280 px with a school's panel open, no team is off screen to
    the side (team 8 and Not placed were) and their titles stay under the bar as the page
    scrolls; beside a panel at 1,280 px the eight teams still fit in one row (team 8 was
    2,600 px down, wrapped under the others)."""
    for width in (1024, 1280):
        context = browser.new_context(viewport={"width": width, "height": 768})
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_selector(".card")
        if width == 1280:
            page.locator('.cards[data-team="1"] .card').first.click()
            page.wait_for_selector("#panel .school")
            right = page.evaluate("document.getElementById('panel').getBoundingClientRect().left")
            tops = page.evaluate(
                "[...document.querySelectorAll('.board > .team')]"
                ".slice(0, 8).map(t => Math.round(t.getBoundingClientRect().top))"
            )
            assert len(set(tops)) == 1, tops
        else:
            right = width
        _teams_beside(page, right)
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(300)
        title, bar = page.evaluate(
            "[document.querySelector('.team-title').getBoundingClientRect().top,"
            " document.querySelector('.status').getBoundingClientRect().bottom]"
        )
        assert abs(title - bar) <= 2
        context.close()


def test_a_school_that_moved_is_marked_and_keeps_the_focus_after_undo(
    page: Any, server: EventServer
) -> None:
    """A moved school's card is marked for the room to see, and stays marked when the board
    is drawn again meanwhile (the stream's refresh after a decision redrew it unmarked:
    the mark was lost, and this test failed once in CI); after Ctrl+Z the focus is back on
    that school's card, not on the page."""
    card = page.locator('.cards[data-team="4"] .card:not(.locked)').first
    eid = card.get_attribute("data-id")
    version = server.api("GET", "/api/state")["version"]
    card.focus()
    page.keyboard.press("5")
    wait_version(page, version + 1)
    marked = "[...document.querySelectorAll('.card.changed')].map(c => c.dataset.id)"
    # the new board is in the page before htmx settles it and marks the moved school: wait
    wait_until(page, f"id => {{ const m = {marked}; return m.length === 1 && m[0] === id; }}",
               arg=eid, timeout=5_000)  # fmt: skip
    assert page.evaluate(marked) == [eid]
    page.evaluate("htmx.ajax('GET', '/ui/live', {target: '#live', swap: 'outerHTML'})")
    page.wait_for_timeout(600)  # the board drawn again, well within the mark's 5 s
    assert page.evaluate(marked) == [eid]
    page.keyboard.press("Escape")
    page.locator(f'.card[data-id="{eid}"]').focus()
    page.keyboard.press("Control+z")
    wait_version(page, version + 2)
    assert board(page)[eid] == 4
    wait_until(
        page,
        "id => document.activeElement && document.activeElement.dataset.id === id",
        arg=eid,
        timeout=5_000,
    )


def test_a_card_tells_a_screen_reader_more_than_its_name_and_escape_leaves_a_field(
    page: Any,
) -> None:
    """A card's name read out carries its authority, sector and nominees (it was the name
    alone); Escape closes a panel from inside its text box too, as Help says."""
    label = page.locator(".cards .card").first.get_attribute("aria-label") or ""
    assert label.count(",") >= 3 and "nominee" in label, label
    page.click("#add-school")
    page.wait_for_selector("#panel textarea")
    page.focus("#panel textarea")
    page.keyboard.press("Escape")
    wait_until(page, "() => document.getElementById('panel').innerHTML === ''", timeout=5_000)


def test_after_accept_the_focus_is_on_the_status_not_lost(page: Any, server: EventServer) -> None:
    """Accept goes with the redraw; the focus went to the page and Tab began again at Undo.
    It is on the status bar, which says what happened."""
    server.api("POST", "/api/reoptimise", {"time_limit": 2})
    page.wait_for_selector("button.accept", timeout=15_000)
    version = server.api("GET", "/api/state")["version"]
    page.focus("button.accept")
    page.keyboard.press("Enter")
    wait_version(page, version + 1)
    wait_until(page, "() => document.activeElement.classList.contains('status')", timeout=5_000)
    server.api("POST", "/api/undo")


def test_a_refusals_notice_goes_when_the_next_decision_is_made(
    page: Any, server: EventServer
) -> None:
    """A locked school moved by its number: refused, in a red notice. The next move,
    made, took the notice away only 3-6 s later: it read as if that move had failed."""
    locked = page.locator('.cards[data-team="1"] .card').first
    locked_id = locked.get_attribute("data-id")
    server.api("POST", "/api/lock", {"establishment_id": locked_id, "locked": True})
    wait_until(page, 'id => !!document.querySelector(`.card.locked[data-id="${id}"]`)',
               arg=locked_id, timeout=10_000)  # fmt: skip
    page.locator(f'.card[data-id="{locked_id}"]').click()
    page.keyboard.press("5")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    free = page.locator('.cards[data-team="2"] .card:not(.locked)').first
    free_id = free.get_attribute("data-id")
    version = server.api("GET", "/api/state")["version"]
    free.click()
    page.keyboard.press("4")
    wait_version(page, version + 1)
    assert board(page)[free_id] == 4
    assert page.locator("#error").is_hidden()
    server.api("POST", "/api/undo")
    server.api("POST", "/api/lock", {"establishment_id": locked_id, "locked": False})
