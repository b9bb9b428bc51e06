"""handouts.html (and handouts.pdf): one printed page per team, to hand to the team.

Each page carries the cohort's title and the date, the team's focus theme, its members
with their role, job title, establishment and e-mail (when the survey has them), its
facilitator(s) and whom to contact; the page number and count are printed by CSS
(``@page`` margin boxes with the ``page`` and ``pages`` counters). The page is
self-contained like report.html: inline CSS, no script, nothing loaded.

The PDF is printed from that page by headless Chromium when one is installed
(``find_chromium``), in a throw-away profile, with every background service off and
every host name resolving to nothing, so that printing never makes a network call. No
Chromium, or a Chromium that fails: no PDF, and a note saying so; handouts.html prints
the same pages from any browser.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from clnmatch.io.safe import atomic_write_text, scratch_prefix, sweep_stale_scratch
from clnmatch.report.html import template_environment
from clnmatch.report.views import Heading, team_views
from clnmatch.result import Result

__all__ = [
    "CHROMIUM_ENV",
    "render_handouts",
    "write_handouts",
    "find_chromium",
    "print_to_pdf",
    "pdf_timeout",
]

CHROMIUM_ENV = "CLNMATCH_CHROMIUM"  # a browser's path, or "none" to never print PDFs
_CANDIDATES = (
    "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge"
)  # fmt: skip
# where Windows and macOS install them, off the PATH (Edge comes with every Windows)
_INSTALLED = (
    r"{ProgramFiles}\Google\Chrome\Application\chrome.exe",
    r"{ProgramFiles(x86)}\Google\Chrome\Application\chrome.exe",
    r"{LOCALAPPDATA}\Google\Chrome\Application\chrome.exe",
    r"{ProgramFiles(x86)}\Microsoft\Edge\Application\msedge.exe",
    r"{ProgramFiles}\Microsoft\Edge\Application\msedge.exe",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)


def render_handouts(result: Result, heading: Heading | None = None) -> str:
    """The handouts as one self-contained HTML string (one section per team)."""
    from clnmatch.version import __version__

    heading = heading or Heading()
    teams = team_views(result) if result.assignment else []
    return (
        template_environment()
        .get_template("handouts.html")
        .render(
            heading=heading,
            teams=teams,
            emails=any(m.email for t in teams for _, m in t.members),
            version=__version__,
        )
    )


def write_handouts(result: Result, path: str | Path, *, heading: Heading | None = None) -> None:
    """Write ``render_handouts(result)`` to ``path``, whole or not at all."""
    atomic_write_text(path, render_handouts(result, heading))


def find_chromium() -> str | None:
    """A headless-capable Chromium or Chrome, or None.

    ``CLNMATCH_CHROMIUM`` names one (or is ``none`` to never print); else the first of
    chromium, chromium-browser, google-chrome, chrome or msedge on the PATH; else Chrome
    or Edge where Windows or macOS installs them.
    """
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen is not None:
        if _printing_turned_off():
            return None
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    for name in _CANDIDATES:
        if found := shutil.which(name):
            return found
    for pattern in _INSTALLED:
        try:
            path = Path(pattern.format_map(os.environ))
        except KeyError:  # that variable is not set here (another system)
            continue
        if path.is_file():
            return str(path)
    return None


def _printing_turned_off() -> bool:
    chosen = os.environ.get(CHROMIUM_ENV)
    return chosen is not None and chosen.strip().lower() in ("", "none", "0", "off")


def pdf_timeout(pages: int) -> float:
    """Seconds to allow Chromium for a print of this many pages (measured: about 0.05 s
    a page at 1,000 teams, plus about 1 s to start)."""
    return 30.0 + 0.2 * pages


def print_to_pdf(html: Path, pdf: Path, *, timeout: float = 60.0) -> str | None:
    """Print ``html`` to ``pdf`` with headless Chromium; None on success, else why not.

    Never raises for a missing or failing browser: the PDF is optional.
    """
    browser = find_chromium()
    if browser is None:
        if _printing_turned_off():
            return f"handouts.pdf was not written: {CHROMIUM_ENV} says not to print PDFs"
        if os.environ.get(CHROMIUM_ENV):
            return (
                f"handouts.pdf was not written: {CHROMIUM_ENV} names "
                f"{os.environ[CHROMIUM_ENV]!r}, which is no browser found here"
            )
        return (
            "handouts.pdf was not written: no Chrome, Edge or Chromium found (install one, "
            "or print handouts.html from a browser)"
        )
    where = _short_temp_dir()
    sweep_stale_scratch(where)
    with tempfile.TemporaryDirectory(
        prefix=scratch_prefix("chromium"), dir=where, ignore_cleanup_errors=True
    ) as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--disable-breakpad",  # no crash dumps (a page that crashed left one in ~/.config)
            "--disable-crash-reporter",
            "--disable-features=Translate,MediaRouter,OptimizationHints",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: no network at all
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.absolute().as_uri(),
        ]
        # its temporary folders in the profile, removed with it: a Chromium ended early
        # (out of time, Ctrl-C) left org.chromium.Chromium.* folders in the user's TMPDIR;
        # and its home too: it wrote crash reports and caches into the user's own
        # (fonts the user installed stay found: XDG_DATA_HOME is theirs)
        data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        env = {**os.environ, "TMPDIR": profile, "HOME": profile, "XDG_DATA_HOME": data,
               "XDG_CONFIG_HOME": os.path.join(profile, "config"),
               "XDG_CACHE_HOME": os.path.join(profile, "cache")}  # fmt: skip
        try:
            # its own process group: Chromium's helper processes end with it, so none
            # writes into the profile folder after it is removed (a stopped run left it)
            chromium = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
            )
        except OSError as exc:
            return f"handouts.pdf was not written: Chromium failed ({exc.strerror or exc})"
        try:
            code = chromium.wait(timeout=timeout)
        except BaseException as exc:  # out of time, or the run is stopped (Ctrl-C, SIGTERM)
            _end_group(chromium)
            pdf.unlink(missing_ok=True)
            if not isinstance(exc, subprocess.TimeoutExpired):
                raise
            return f"handouts.pdf was not written: Chromium took more than {timeout:g} s"
    if code != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        pdf.unlink(missing_ok=True)
        ended = "ended without writing it" if code == 0 else f"exited with code {code}"
        return f"handouts.pdf was not written: Chromium {ended}"
    return None


def _short_temp_dir() -> str | None:
    """Where the browser's profile goes: the temporary folder, or /tmp where that one's
    path is too long for Chromium's socket in it (at most 107 characters: it aborted)."""
    socket = "/clnmatch-chromium-4194304-12345678/org.chromium.Chromium.123456/SingletonSocket"
    too_long = os.name == "posix" and len(tempfile.gettempdir()) + len(socket) > 107
    if too_long and os.path.isdir("/tmp") and os.access("/tmp", os.W_OK | os.X_OK):
        return "/tmp"
    return None


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a running (unreaped, so its id is still its own) process and every process
    of its group, then reap it."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):  # the group has ended already
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.wait()
