"""Serve an event's page with uvicorn on this computer (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import html
import os
import socket
import threading
import webbrowser
from typing import Any

import uvicorn

from clnmatch.event import Event
from clnmatch.event.snapshot import private_write
from clnmatch.io.mapping import SurveyMapping
from clnmatch.web.app import create_app

__all__ = ["LOCAL_HOSTS", "addresses", "page_hosts", "page_opener", "port_in_use", "serve"]

OPENER_FILE = "open-page.html"

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def addresses(event: Event, host: str, port: int) -> tuple[str, str]:
    """The editor's and the projector's addresses, tokens included (this computer's own
    for a wildcard host: ``network_address`` gives the one other computers use)."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in shown:
        shown = f"[{shown}]"
    tokens = event.tokens()
    base = f"http://{shown}:{port}"
    return f"{base}/?token={tokens['editor']}", f"{base}/projector?token={tokens['viewer']}"


def network_address() -> str | None:
    """This computer's address on its network, which other computers type; None if unknown."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: nothing is sent, the route picks the address
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def page_opener(event: Event, editor: str) -> str:
    """The address to give the browser: a file (owner-only, in the event folder) that
    sends it on to ``editor``, so that the token stays off the browser's command line,
    which other users of the computer can list."""
    path = event.folder / OPENER_FILE
    address = html.escape(editor)
    private_write(
        path,
        f'<!doctype html><meta charset="utf-8"><title>Matching event</title>'
        f'<meta http-equiv="refresh" content="0; url={address}">'
        f'<a href="{address}">Open the matching event page</a>\n',
    )
    return path.resolve().as_uri()


def page_hosts(host: str) -> tuple[str, ...] | None:
    """The names the page answers to when bound to ``host``: this computer's own and
    ``host`` (no DNS rebinding), as a request's Host is read (lower case, an IPv6 address
    without brackets); None (any) when bound for other computers too."""
    if host in WILDCARD_HOSTS:
        return None
    return tuple(dict.fromkeys((*LOCAL_HOSTS, host.lower().strip("[]"))))  # each name once


def port_in_use(host: str, port: int) -> bool:
    """Whether another program (perhaps another event) is serving ``host:port`` already."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if os.name != "nt":  # as uvicorn binds (on Windows it would take a port in use)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def listen(host: str, port: int) -> socket.socket:
    """The page's socket, bound and listening before its address is printed: a script
    that read the first line and connected at once was refused for 0.2 s (a tester). A
    connection made before the server runs waits in the queue, and is answered."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":  # as uvicorn binds
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host.strip("[]"), port))
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


def open_page(address: str) -> None:
    """Open the page in the user's browser; one that cannot be started (a BROWSER setting
    that cannot be read printed a traceback) is said in a line: the address above works."""
    try:
        webbrowser.open(address)
    except (ValueError, OSError, webbrowser.Error) as exc:
        print(f"note: no browser could be opened ({exc}): open the address above", flush=True)


def serve(
    event: Event,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    repair_time_limit: float = 10.0,
    mapping: SurveyMapping | None = None,
    listener: socket.socket | None = None,
) -> None:
    """Run the page until Ctrl+C (on ``listener`` when given: ``listen``'s socket). No
    access log: request lines could carry names."""
    app = create_app(
        event, repair_time_limit=repair_time_limit, mapping=mapping, hosts=page_hosts(host)
    )
    editor, _ = addresses(event, host, port)
    if open_browser:
        opener = page_opener(event, editor)
        threading.Timer(1.0, open_page, (opener,)).start()
    # a solver process started now: a re-optimise's seconds then go to solving
    threading.Thread(target=event.prepare_reoptimise, daemon=True).start()
    config = uvicorn.Config(
        app, host=host, port=port, access_log=False, log_level="warning",
        timeout_graceful_shutdown=2,
    )  # fmt: skip
    server = uvicorn.Server(config)
    stop = server.handle_exit

    def handle_exit(sig: int, frame: Any) -> None:
        # a page left open keeps its live stream: without this the stop waited 2 s for it
        # and then printed an ERROR that alarms whoever pressed Ctrl+C
        app.state.end_streams()
        stop(sig, frame)

    server.handle_exit = handle_exit  # type: ignore[method-assign]
    try:
        server.run(sockets=None if listener is None else [listener])
    finally:  # stopped (Ctrl+C, SIGTERM): no solver process outlives the page
        event.close()
