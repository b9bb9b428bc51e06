"""Serve an event's page with uvicorn on this computer (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import threading
import webbrowser

import uvicorn

from clnmatch.event import Event
from clnmatch.web.app import create_app

__all__ = ["LOCAL_HOSTS", "addresses", "serve"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def addresses(event: Event, host: str, port: int) -> tuple[str, str]:
    """The editor's and the projector's addresses, tokens included."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    tokens = event.tokens()
    base = f"http://{shown}:{port}"
    return f"{base}/?token={tokens['editor']}", f"{base}/projector?token={tokens['viewer']}"


def serve(
    event: Event,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    repair_time_limit: float = 10.0,
) -> None:
    """Run the page until Ctrl+C. No access log: request lines could carry names."""
    app = create_app(event, repair_time_limit=repair_time_limit)
    editor, _ = addresses(event, host, port)
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(editor)).start()
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
