"""report.html in a real browser: headless Chromium loads it, prints it to PDF, screenshots it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_report_html import hand_result, many_teams_result

from clnmatch.report.html import write_report

TIMEOUT_S = 60
CHARTS = ("chart-interest", "chart-sizes", "chart-authority", "chart-sector", "chart-trace")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    pytest.skip("chromium not installed: apt-get install chromium")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "report.html"
    write_report(hand_result(), path)
    return path


def _run(report: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on the report with no network, no profile, no background work."""
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        report.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_loads_with_every_card_and_chart(report: Path, tmp_path: Path) -> None:
    """The DOM after loading holds every team card and chart image, and the console is clean."""
    done = _run(report, tmp_path, "--dump-dom")
    dom = done.stdout
    for team in (1, 2, 3):
        assert re.search(rf'<article class="team-card" id="team-{team}">', dom)
    for chart in CHARTS:
        assert re.search(rf'<img id="{chart}" src="data:image/png;base64,', dom)
    # page errors, blocked loads (the CSP forbids any) and JS errors all reach the console
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert "Refused to" not in done.stderr


def test_prints_to_pdf(report: Path, tmp_path: Path) -> None:
    """Printing gives a PDF with a summary page and one page per team at least."""
    pdf = tmp_path / "report.pdf"
    _run(report, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    assert pages >= 4  # summary + 3 team cards, each on its own page


def test_screenshot(report: Path, tmp_path: Path) -> None:
    """A 1280x2000 screenshot is a non-empty PNG of that size."""
    png = tmp_path / "report.png"
    _run(report, tmp_path, "--hide-scrollbars", "--window-size=1280,2000", f"--screenshot={png}")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)


def test_folded_sections_print_open(tmp_path: Path) -> None:
    """Paper cannot be unfolded: the reasons folded at 70 establishments (a closed
    <details>) are hidden on screen and printed open."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "many.html"
    write_report(many_teams_result(35), path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(path.as_uri())
        inside = "document.querySelector('details#why-list > :not(summary)').checkVisibility()"
        assert page.evaluate("document.querySelector('details#why-list').open") is False
        assert page.evaluate(inside) is False
        page.emulate_media(media="print")
        assert page.evaluate(inside) is True
        browser.close()


def test_the_breakout_report_reads_on_a_phone_and_in_order(tmp_path: Path) -> None:
    """The breakout report (accessibility tester): its charts, 520 px wide, made a 390 px
    screen scroll sideways; headings jumped from h2 (Round) to h4 (Room); no <main>."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_breakouts_search import _roster

    from clnmatch.breakouts import BreakoutRules, plan_breakouts
    from clnmatch.breakouts.report import render_report

    plan = plan_breakouts(_roster(40), BreakoutRules(rounds=2, room_size=5), time_limit=2)
    path = tmp_path / "rooms.html"
    path.write_text(render_report(plan), encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        levels = page.eval_on_selector_all("main h1, main h2, main h3, main h4, main h5",
                                           "hs => hs.map(h => +h.tagName[1])")  # fmt: skip
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
        browser.close()
