"""The matching event page and its JSON API (contract section 9), on FastAPI.

htmx's "sortable" pattern: a drop on the page posts the move, the server makes it with
the event engine, checks every rule with the one evaluator and answers with the board
re-rendered (Jinja2). No rule is checked in JavaScript. The JSON API (``/api/...``) and
the page's fragments (``/ui/...``) call the same engine methods.

Security: every request needs a token (``Authorization: Bearer TOKEN`` or
``?token=TOKEN``): 401 without one, 403 with a wrong one. The editor token may do
everything; the projector's read-only token may only look (GET of the page, the board,
the state and the live stream). Every answer carries a content security policy that
allows scripts, styles and connections from this server only, and no inline script.
Nothing is logged (the access log is off), so no name can reach a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import mimetypes
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from clnmatch.event import Event, EventError, EventView
from clnmatch.event.analysis import diff, state_side, suggest, why_here
from clnmatch.event.export import EXPORTS, export_bytes, export_folder
from clnmatch.event.journal import JournalWriteError
from clnmatch.event.snapshot import projector_shows_names, set_projector_names
from clnmatch.io.identity import look_alike_names
from clnmatch.io.mapping import SurveyMapping
from clnmatch.report.words import percent
from clnmatch.web.decisions import add, body_id, new_facilitator, one_of, seconds, withdraw
from clnmatch.web.render import facilitators_context, live_context, school_context
from clnmatch.wording import plural

__all__ = ["CSP", "create_app"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# what the projector's read-only token may reach (GET only)
_VIEWER_PATHS = ("/", "/projector", "/ui/live", "/api/state", "/api/stream")
_KEEPALIVE_S = 15.0
# a request body's largest size: pasted rows (at most 200,000 characters, up to 4 bytes
# each in UTF-8 and 3 characters a byte in a form's percent-encoding) fit
MAX_BODY_BYTES = 8_000_000
_NO_TOKEN_PAGE = (
    "<!doctype html><meta charset='utf-8'><title>clnmatch event</title>"
    "<p>This page needs the full address that "
    "<code>clnmatch event</code> printed when it started, ending in <code>?token=...</code>: "
    "copy it from that window (the first line for the editor, the second for the projector)."
    "</p>"
)
_CLOSING = "closing"  # a stream message that ends every open stream (the server stops)


class _Broadcast:
    """Fan-out of engine events (from any thread) to the open live streams."""

    def __init__(self) -> None:
        self.queues: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, Any]]]] = set()
        self.lock = threading.Lock()

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        with self.lock:
            targets = list(self.queues)
        for loop, q in targets:
            with contextlib.suppress(RuntimeError):  # a closed loop: that stream is gone
                loop.call_soon_threadsafe(q.put_nowait, (kind, data))

    def add(self, item: tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, Any]]]) -> None:
        with self.lock:
            self.queues.add(item)

    def remove(
        self, item: tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, Any]]]
    ) -> None:
        with self.lock:
            self.queues.discard(item)


def _templates() -> Environment:
    folder = resources.files("clnmatch.web") / "templates"
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]))
    env.filters["points"] = lambda v: "-" if v is None else f"{v:,.1f}"
    env.filters["signed"] = lambda v: "" if v is None else f"{v:+,.1f}"
    env.filters["percent"] = lambda v: "-" if v is None else percent(v)  # as the report says it
    env.filters["many"] = plural  # 3|many("school") -> "3 schools"
    # one path segment: urlencode keeps "/", and a browser resolves "../" in an address
    env.filters["segment"] = lambda v: quote(str(v), safe="")
    return env


def _not_written(exc: OSError, what: str, outcome: str, again: str) -> tuple[str, int]:
    """What to say, and the status, when ``what`` could not be written: 507 for a full
    disk (or quota), with what to do; 500 otherwise."""
    full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    text = f"{what} could not be written ({exc.strerror or type(exc).__name__}): {outcome}"
    return text + (f"; free some disk space, then {again}" if full else ""), 507 if full else 500


def create_app(
    event: Event,
    *,
    repair_time_limit: float = 10.0,
    mapping: SurveyMapping | None = None,
    hosts: tuple[str, ...] | None = None,
) -> FastAPI:
    """The web app of one event (tokens from the event's folder); ``mapping`` reads
    pasted survey rows as the survey was read (a form's export keeps its own headers);
    ``hosts``: the names the page may be reached by (None: any)."""
    tokens = event.tokens()
    env = _templates()
    broadcast = _Broadcast()
    event.subscribe(broadcast.publish)
    app = FastAPI(title="clnmatch event", docs_url=None, redoc_url=None, openapi_url=None)
    # called by the server when it is told to stop: open pages' live streams end at once
    app.state.end_streams = lambda: broadcast.publish(_CLOSING, {})
    # Windows' registry may map .js to text/plain, which browsers then refuse to run (nosniff)
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("text/css", ".css")
    static = resources.files("clnmatch.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    def role_of(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token = token or request.query_params.get("token", "")
        if not token:
            return None
        given = token.encode("utf-8", "replace")  # compare_digest refuses non-ASCII text
        if secrets.compare_digest(given, tokens["editor"].encode("utf-8")):
            return "editor"
        if secrets.compare_digest(given, tokens["viewer"].encode("utf-8")):
            return "viewer"
        return "denied"

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Any]) -> Response:
        role = role_of(request)
        if refusal := _foreign(request, hosts):
            response: Response = JSONResponse({"error": refusal}, 403)
        elif role is None:
            response = JSONResponse(
                {"error": "a token is needed: open the address clnmatch printed"}, 401
            )
            if "text/html" in request.headers.get("accept", ""):  # a person, not a program
                response = HTMLResponse(_NO_TOKEN_PAGE, 401)
        elif role == "denied" or (
            role == "viewer"
            and not (
                request.method == "GET"
                and (request.url.path in _VIEWER_PATHS or request.url.path.startswith("/static/"))
            )
        ):
            response = JSONResponse({"error": "this token may not do that"}, 403)
        else:
            request.state.role = role
            response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(EventError)
    async def event_error(request: Request, exc: EventError) -> Response:
        return JSONResponse({"error": str(exc)}, exc.status)

    # every error in the one shape {"error": text}, FastAPI's own (404, 405, 422) included
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        text = "no such address" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse({"error": text}, exc.status_code, headers=exc.headers)

    @app.exception_handler(JournalWriteError)  # a full disk: the write was cut off again
    async def disk_error(request: Request, exc: JournalWriteError) -> Response:
        text, status = _not_written(
            exc, "the event folder", "what was asked was not done, and every decision "
            "before it is kept", "do it again",
        )  # fmt: skip
        return JSONResponse({"error": text}, status)

    @app.exception_handler(Exception)  # a defect: said in the same shape, without details
    async def unexpected(request: Request, exc: Exception) -> Response:
        text = (
            f"the server met an unexpected error ({type(exc).__name__}); every decision made "
            "is kept: reload the page to see the board as it stands"
        )
        return JSONResponse({"error": text}, 500)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"}, 422)

    # ------------------------------------------------------------------ helpers
    def state_json(view: EventView | None = None) -> dict[str, Any]:
        return (view or event.current_view()).to_api(event.n_teams)

    async def bounded_body(request: Request) -> bytes:
        """The body, refused (413) past MAX_BODY_BYTES before more of it is read."""
        too_large = EventError(
            f"the request is larger than {MAX_BODY_BYTES // 1_000_000} MB: nothing was done", 413
        )
        declared = request.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > MAX_BODY_BYTES:
            raise too_large
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    async def body(request: Request) -> dict[str, Any]:
        """A JSON object, or the form fields htmx sends."""
        raw = await bounded_body(request)
        if not raw:
            return {}
        # JSON sent as a form (curl -d without its Content-Type header): read as JSON too,
        # since no form's fields begin with "{"
        json_type = request.headers.get("content-type", "").startswith("application/json")
        if json_type or raw.lstrip().startswith(b"{"):
            try:
                data = json.loads(raw)
            except (ValueError, RecursionError) as exc:  # nested past Python's depth
                raise EventError(f"the body is not JSON: {exc}", 400) from None
            if not isinstance(data, dict):
                raise EventError("the body must be a JSON object", 400)
            return data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EventError("the form is not UTF-8 text", 400) from None
        return {k: v[-1] for k, v in parse_qs(text).items()}

    def as_of(data: dict[str, Any], decide: Callable[[], Any]) -> Callable[[], Any]:
        """``decide``, made only on the board whose ``version`` the body names (when it
        names one): a request sent again after a timeout (an Undo) is not made twice."""
        if "version" not in data:
            return decide
        expected = data["version"]
        if isinstance(expected, str) and expected.strip().isdecimal():  # a form field
            expected = int(expected)
        if isinstance(expected, bool) or not isinstance(expected, int):
            raise EventError("'version' must be the board's version number (an integer)", 400)

        def checked() -> Any:
            with event.lock:  # the check and the decision at once
                if event.version != expected:
                    raise EventError(
                        f"the board changed before this arrived (it is at version "
                        f"{event.version}, not {expected}: a decision of another laptop, or "
                        "this one sent again?), so nothing was done; see the board as it is "
                        "now, and do it again if it is still wanted",
                        409,
                    )
                return decide()

        return checked

    async def exported(make: Callable[[], Any]) -> Any:
        """An export made in a thread; one that could not be written (a full disk) said so."""
        try:
            return await in_thread(make)
        except OSError as exc:
            text, status = _not_written(
                exc, "the file", "nothing was saved, and every decision is kept", "save again"
            )
            raise EventError(text, status) from exc

    def field(data: dict[str, Any], name: str) -> Any:
        if name not in data:
            raise EventError(f"the body needs {name!r}", 400)
        return data[name]

    def as_int(value: Any, name: str) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise EventError(f"{name} must be a whole number; got {value!r}", 400) from None

    def html(template: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(**context))

    def live(request: Request, names: bool = True, projector: bool = False) -> HTMLResponse:
        token = request.query_params.get("token", "")
        return html(
            "live.html", projector=projector, token=token, **live_context(event, names=names)
        )

    async def in_thread(fn: Callable[[], Any]) -> Any:
        return await asyncio.to_thread(fn)

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        token = request.query_params.get("token", "")
        if request.state.role == "viewer":
            return await projector(request)
        additions = event.snapshot.additions
        return html(
            "page.html",
            token=token,
            exports=list(EXPORTS),
            additions=[]
            if additions is None
            else [(e.id, e.name) for e in additions.establishments],
            viewer_token=tokens["viewer"],
            title=event.snapshot.heading.get("title"),
            **live_context(event),
        )

    # the projector's last "Hide names" / "Show names" holds for every later opening of
    # its address, restarts included (a reloaded projector must not show names unasked)
    @app.get("/projector", response_class=HTMLResponse)
    async def projector(request: Request) -> HTMLResponse:
        if "names" in request.query_params:
            set_projector_names(event.folder, request.query_params["names"] != "0")
        names = projector_shows_names(event.folder)
        token = request.query_params.get("token", "")
        return html(
            "projector.html", token=token, projector=True,
            title=event.snapshot.heading.get("title"), **live_context(event, names=names),
        )  # fmt: skip

    @app.get("/ui/live", response_class=HTMLResponse)
    async def ui_live(request: Request) -> HTMLResponse:
        projector_view = request.query_params.get("view") == "projector"
        names = request.query_params.get("names", "1") != "0"
        if request.state.role == "viewer":  # the projector's saved choice, not the address's
            names = projector_shows_names(event.folder)
        return live(request, names=names, projector=projector_view)

    # ------------------------------------------------------------------ the JSON API
    @app.get("/api/state")
    async def api_state() -> dict[str, Any]:
        return state_json()

    @app.post("/api/move")
    async def api_move(request: Request) -> dict[str, Any]:
        data = await body(request)
        team = field(data, "team")
        if isinstance(team, str) and team.strip().isdecimal():  # a form field is text
            team = int(team)
        if one_of(data, ("establishment_id", "facilitator_id")) == "facilitator_id":
            fid = body_id(data, "facilitator_id")  # team 0 or null: the rules choose again
            return state_json(
                await in_thread(as_of(data, lambda: event.place_facilitator(fid, team)))
            )
        eid = body_id(data, "establishment_id")
        view = await in_thread(as_of(data, lambda: event.move(eid, team)))
        return state_json(view)

    @app.post("/api/swap")
    async def api_swap(request: Request) -> dict[str, Any]:
        data = await body(request)
        return state_json(
            await in_thread(as_of(data, lambda: event.swap(body_id(data, "a"), body_id(data, "b"))))
        )

    @app.post("/api/lock")
    async def api_lock(request: Request) -> dict[str, Any]:
        data = await body(request)
        eid, locked = body_id(data, "establishment_id"), data.get("locked", True)
        if isinstance(locked, str):  # a form's field is text
            locked = {"true": True, "false": False}.get(locked.lower(), locked)
        return state_json(await in_thread(as_of(data, lambda: event.set_lock(eid, locked))))

    @app.post("/api/lock_team")
    async def api_lock_team(request: Request) -> dict[str, Any]:
        data = await body(request)
        team, locked = field(data, "team"), data.get("locked", True)
        if isinstance(team, str) and team.strip().isdecimal():  # a form field is text
            team = int(team)
        if isinstance(locked, str):  # a form's field is text
            locked = {"true": True, "false": False}.get(locked.lower(), locked)
        return state_json(await in_thread(as_of(data, lambda: event.set_team_lock(team, locked))))

    @app.post("/api/withdraw")
    async def api_withdraw(request: Request) -> dict[str, Any]:
        data = await body(request)
        decide = as_of(data, lambda: withdraw(event, data, repair_time_limit))
        return state_json(await in_thread(decide))

    @app.post("/api/add")
    async def api_add(request: Request) -> dict[str, Any]:
        data = await body(request)
        decide = as_of(data, lambda: add(event, data, repair_time_limit, mapping))
        return state_json(await in_thread(decide))

    @app.post("/api/reoptimise")
    async def api_reoptimise(request: Request) -> dict[str, Any]:
        data = await body(request)
        limit = data.get("time_limit", 30)
        await in_thread(as_of(data, lambda: None))  # not held while solving
        proposal: dict[str, Any] = await in_thread(lambda: event.reoptimise(seconds(limit)))
        return proposal

    @app.post("/api/reoptimise/cancel")
    async def api_cancel() -> dict[str, Any]:
        return {"cancelled": event.cancel_reoptimise()}

    @app.post("/api/accept")
    async def api_accept(request: Request) -> dict[str, Any]:
        return state_json(await in_thread(as_of(await body(request), event.accept)))

    @app.post("/api/reject")
    async def api_reject(request: Request) -> dict[str, Any]:
        return state_json(await in_thread(as_of(await body(request), event.reject)))

    @app.post("/api/undo")
    async def api_undo(request: Request) -> dict[str, Any]:
        return state_json(await in_thread(as_of(await body(request), event.undo)))

    @app.post("/api/redo")
    async def api_redo(request: Request) -> dict[str, Any]:
        return state_json(await in_thread(as_of(await body(request), event.redo)))

    @app.get("/api/versions")
    async def api_versions() -> dict[str, Any]:
        return {"versions": list(event.timeline.versions)}

    @app.post("/api/versions")
    async def api_save_version(request: Request) -> dict[str, Any]:
        name = field(await body(request), "name")
        if not isinstance(name, str):
            raise EventError(f"a version's name must be text; got {name!r:.80}", 400)
        return state_json(await in_thread(lambda: event.save_version(name)))

    @app.post("/api/versions/restore")
    async def api_restore_version(request: Request) -> dict[str, Any]:
        data = await body(request)
        name = field(data, "name")
        if not isinstance(name, str):
            raise EventError(f"a version's name must be text; got {name!r:.80}", 400)
        return state_json(await in_thread(as_of(data, lambda: event.restore_version(name))))

    @app.get("/api/diff")
    async def api_diff(a: str = "current", b: str = "current") -> dict[str, Any]:
        return diff(
            state_side(event, a, event.version_state(a)),
            state_side(event, b, event.version_state(b)),
        )

    @app.get("/api/suggest")
    async def api_suggest(
        establishment_id: str | None = None, team: int | None = None
    ) -> dict[str, Any]:
        if team is not None and not 1 <= team <= event.n_teams:
            raise EventError(f"team must be a whole number 1..{event.n_teams}; got {team}", 400)
        found = await in_thread(lambda: suggest(event, establishment=establishment_id, team=team))
        return {"suggestions": found}

    @app.get("/api/why/{eid:path}")  # an id may hold '/'
    async def api_why(eid: str) -> dict[str, Any]:
        explained: dict[str, Any] = await in_thread(lambda: why_here(event, eid))
        return explained

    @app.get("/api/export/{name}")
    async def api_export(name: str) -> Response:
        if name not in EXPORTS:
            raise EventError(f"no export {name!r}; choose one of {', '.join(EXPORTS)}", 404)
        data = await exported(lambda: export_bytes(event, name))
        disposition = f'attachment; filename="{name}"'
        return Response(
            data, media_type=EXPORTS[name], headers={"Content-Disposition": disposition}
        )

    @app.post("/api/export/folder")
    async def api_export_folder(request: Request) -> dict[str, Any]:
        data = await body(request)
        name = str(data.get("name") or "") or None
        folder, written = await exported(lambda: export_folder(event, name))
        return {"folder": str(folder), "files": [p.name for p in written]}

    @app.get("/api/stream")
    async def api_stream(request: Request, limit: int = 0) -> StreamingResponse:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        item = (loop, q)
        broadcast.add(item)

        async def events() -> AsyncIterator[str]:
            sent = 0
            try:
                yield f"event: state\ndata: {json.dumps({'version': event.version})}\n\n"
                sent += 1
                while not limit or sent < limit:
                    try:
                        kind, data = await asyncio.wait_for(q.get(), _KEEPALIVE_S)
                    except TimeoutError:
                        if await request.is_disconnected():
                            break
                        yield ": keepalive\n\n"
                        continue
                    if kind == _CLOSING:  # the server is stopping: it need not wait for us
                        break
                    yield f"event: {kind}\ndata: {json.dumps(data)}\n\n"
                    sent += 1
            finally:
                broadcast.remove(item)

        return StreamingResponse(events(), media_type="text/event-stream")

    # ------------------------------------------------------------------ page fragments
    @app.post("/ui/{action}", response_class=HTMLResponse)
    async def ui_action(action: str, request: Request) -> HTMLResponse:
        data = await body(request)
        actions: dict[str, Callable[[], Any]] = {
            "move": lambda: event.move(body_id(data, "establishment_id"), as_int(field(data, "team"), "team")),
            "swap": lambda: event.swap(body_id(data, "a"), body_id(data, "b")),
            "lock": lambda: event.set_lock(body_id(data, "establishment_id"), data.get("locked") == "true"),
            "lock_team": lambda: event.set_team_lock(as_int(field(data, "team"), "team"), data.get("locked") == "true"),
            "withdraw": lambda: withdraw(event, data, repair_time_limit),
            "withdraw_person": lambda: event.withdraw_person(body_id(data, "practitioner_id"), repair_time_limit),
            "return_person": lambda: event.return_person(body_id(data, "practitioner_id"), repair_time_limit),
            "withdraw_facilitator": lambda: event.withdraw_facilitator(body_id(data, "facilitator_id")),
            "return_facilitator": lambda: event.return_facilitator(body_id(data, "facilitator_id")),
            "add_facilitator": lambda: new_facilitator(event, data),
            "place_facilitator": lambda: event.place_facilitator(body_id(data, "facilitator_id"), as_int(field(data, "team"), "team")),
            "add": lambda: add(event, data, repair_time_limit, mapping),
            "undo": event.undo,
            "redo": event.redo,
            "accept": event.accept,
            "reject": event.reject,
            "reoptimise": lambda: event.reoptimise(seconds(data.get("time_limit", 30))),
            "version": lambda: event.save_version(str(field(data, "name"))),
            "restore": lambda: event.restore_version(str(field(data, "name"))),
        }  # fmt: skip
        if action == "cancel":
            event.cancel_reoptimise()
            return HTMLResponse("", 204)
        if action == "export":
            name = str(data.get("name") or "") or None
            folder, _ = await exported(lambda: export_folder(event, name))
            # the whole path: "ev1/exports/version-18" left a user to guess where ev1 was
            return html("message.html", message=f"Saved every file in {Path(folder).resolve()}")
        if action not in actions:
            raise EventError(f"no action {action!r}", 404)
        # the page names the board its Undo and Redo were pressed on: one sent again after
        # a server restart, or pressed on two laptops at once, is not made twice
        decide = actions[action]
        if action == "reoptimise":  # checked first, not held while solving (Cancel waits)
            await in_thread(as_of(data, lambda: None))
        else:
            decide = as_of(data, decide)
        outcome = await in_thread(decide)
        if isinstance(outcome, dict) and outcome.get("cancelled"):
            event.last_change = {"op": "reoptimise", "message": "re-optimise cancelled"}
        return live(request)

    @app.get("/ui/school/{eid:path}", response_class=HTMLResponse)
    async def ui_school(eid: str) -> HTMLResponse:
        if eid not in event.current_view().cohort.establishment_by_id:
            raise EventError(f"{eid!r} is not a school of the event", 404)
        return html("school.html", **school_context(event, eid), teams=range(1, event.n_teams + 1))

    @app.get("/ui/why/{eid:path}", response_class=HTMLResponse)
    async def ui_why(eid: str) -> HTMLResponse:
        return html("why.html", why=await in_thread(lambda: why_here(event, eid)))

    @app.get("/ui/suggest", response_class=HTMLResponse)
    async def ui_suggest(
        establishment_id: str | None = None, team: int | None = None
    ) -> HTMLResponse:
        if team is not None and not 1 <= team <= event.n_teams:
            raise EventError(f"team must be a whole number 1..{event.n_teams}; got {team}", 400)
        found = await in_thread(lambda: suggest(event, establishment=establishment_id, team=team))
        locked = establishment_id is not None and establishment_id in event.state.locked
        now = event.current_view()  # a read never waits for a repair holding the lock
        members = now.team_members(event.n_teams).get(team, []) if team else []
        return html(
            "suggest.html",
            suggestions=found,
            team=team,
            establishment_id=establishment_id,
            locked=locked,
            team_size=len(members),
            team_locked=bool(members) and all(e in now.state.locked for e in members),
        )

    @app.get("/ui/facilitators", response_class=HTMLResponse)
    async def ui_facilitators() -> HTMLResponse:
        return html("facilitators.html", **facilitators_context(event))

    @app.get("/ui/versions", response_class=HTMLResponse)
    async def ui_versions() -> HTMLResponse:
        return html("versions.html", versions=list(event.timeline.versions))

    @app.get("/ui/diff", response_class=HTMLResponse)
    async def ui_diff(a: str = "current", b: str = "current") -> HTMLResponse:
        result = diff(
            state_side(event, a, event.version_state(a)),
            state_side(event, b, event.version_state(b)),
        )
        return html("diff.html", diff=result)

    @app.get("/ui/add", response_class=HTMLResponse)
    async def ui_add_form() -> HTMLResponse:
        additions = event.snapshot.additions
        state = event.state
        present = event.current_view().cohort.establishment_by_id
        options = [] if additions is None else [
            (e.id, e.name, len(additions.nominees.get(e.id, ())))
            for e in additions.establishments
            if e.id not in present and e.id not in state.withdrawn  # those: "bring back"
        ]  # fmt: skip
        # one school typed two ways by its nominees is two schools of one nominee each
        alike = [] if additions is None else look_alike_names(
            (e.authority, e.name, e.sector.value) for e in additions.establishments
        )  # fmt: skip
        names = {e.id: e.name for e in event.snapshot.cohort.establishments}
        names |= {e: r.establishment.name for e, r in state.records.items()}
        return html(
            "add.html",
            additions=options,
            look_alike=[[first, *later] for first, later, *_ in alike],
            withdrawn=[(e, names.get(e, e)) for e in sorted(state.withdrawn)],
            themes=event.snapshot.cohort.themes,
        )

    return app


def _foreign(request: Request, hosts: tuple[str, ...] | None) -> str:
    """Why a request that may come from another web site is refused ("" if it is not):
    a Host name other than ``hosts`` (a site whose name points at this computer: DNS
    rebinding), or a change sent by another site's page (its Origin, or the browser's
    Sec-Fetch-Site). The token is a secret too, but an address with it can be seen."""
    host = request.headers.get("host", "")
    if hosts is not None and urlsplit(f"//{host}").hostname not in hosts:
        return f"this page answers to {' or '.join(hosts)}, not {host[:80]!r}"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return ""
    origin = request.headers.get("origin")
    if request.headers.get("sec-fetch-site") == "cross-site" or (
        origin is not None and urlsplit(origin).netloc != host
    ):
        return "a change sent from another web site is refused"
    return ""
