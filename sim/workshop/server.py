"""The workshop server: a JSON API for the game and server-rendered pages for the instructor.

Trainees join a session by its code and send their result; the server replays it
(`grading`) and keeps what it computed (`store`).  The instructor's dashboard --
leaderboard, key moments, two conversations side by side, CSV, printable report
and the class playbook -- needs the instructor key printed when the server starts
(kept in the database, so a restart keeps the same key).
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import multiprocessing as mp
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import (
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from ..scenario import assets_dir, load_scenario
from . import classbook, classview
from .api_models import (
    ENTRY_FORMAT,
    EntryIn,
    JoinIn,
    JoinOut,
    ProgressIn,
    ProgressOut,
    ResultIn,
    ResultOut,
    SessionIn,
    SessionOut,
    Standing,
    moments_by,
    result_out,
    session_in,
    session_out,
    standings,
)
from .grading import Graded, Rules, SubmissionError, grade, import_entry, rules_of, shipped_scenarios
from .moments import key_moments
from .store import Store, StoreError

MAX_BODY = 2_000_000  # bytes: a full 8-hour shift's result is well under 200 kB
KEY_COOKIE = "servicefloor_instructor"
# Every page: scripts only from our own file (no inline script, no inline handler, no eval), styles from
# our stylesheet (plus style attributes, which carry only numbers we format), nothing framed or embedded.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]
Json = dict[str, Any]

__all__ = ["ENTRY_FORMAT", "MAX_BODY", "create_app"]


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413, before any handler reads them."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Json]],
                       send: Callable[[Json], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(send)
                    return
        seen = 0

        async def limited() -> Json:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, f"request body over {self.limit} bytes")
            return msg

        await self.app(scope, limited, send)

    async def _refuse(self, send: Callable[[Json], Awaitable[None]]) -> None:
        await _json_response(send, 413, {"detail": f"request body over {self.limit} bytes; a result file is far smaller"})


MAX_JSON_DEPTH = 32  # a result file nests 4 deep; anything far deeper is an attack, refused before validation


class JsonRefused(ValueError):
    """A request body that is not strict JSON, or nests too deep; `not_json`: it does not even parse."""

    def __init__(self, message: str, not_json: bool = False) -> None:
        super().__init__(message)
        self.not_json = not_json


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a number in JSON; send finite numbers only")


def strict_json(raw: bytes | str) -> Any:
    """Parse JSON strictly: no NaN or Infinity, at most MAX_JSON_DEPTH levels; raises JsonRefused saying why."""
    try:
        doc = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise JsonRefused(f"nested too deep (at most {MAX_JSON_DEPTH} levels)") from None
    except UnicodeDecodeError:
        raise JsonRefused("not UTF-8 text", not_json=True) from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", not_json=True) from None
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise JsonRefused(f"nested too deep (at most {MAX_JSON_DEPTH} levels)")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return doc


class StrictJson:
    """ASGI middleware: the API's request bodies must be strict JSON (no NaN/Infinity) of sane depth.

    Checked before FastAPI validates anything, so no handler and no error message ever meets
    a NaN (which cannot even be written back as JSON) or a structure deep enough to recurse.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Json]],
                       send: Callable[[Json], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") \
                or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        try:
            while more:
                msg = await receive()
                if msg["type"] != "http.request":
                    await self.app(scope, receive, send)  # the client went away: let the app see it
                    return
                chunks.append(msg.get("body", b""))
                more = bool(msg.get("more_body"))
        except HTTPException as exc:  # over the body limit
            await _json_response(send, exc.status_code, {"detail": exc.detail})
            return
        body = b"".join(chunks)
        if body.strip():
            try:
                strict_json(body)
            except JsonRefused as exc:
                await _json_response(send, 422, {"detail": f"request body: {exc}", "field": "body"})
                return
        sent = False

        async def replay() -> Json:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _json_response(send: Callable[[Json], Awaitable[None]], status: int, doc: Json) -> None:
    body = json.dumps(doc).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """ASGI middleware: the Content-Security-Policy and friends on every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Json]],
                       send: Callable[[Json], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(msg: Json) -> None:
            if msg["type"] == "http.response.start":
                names = {k.lower() for k, _ in msg.get("headers", [])}
                msg["headers"] = list(msg.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(msg)

        await self.app(scope, receive, with_headers)


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, description="the participant token returned when joining")


def _has_key(request: Request, header: str | None) -> bool:
    """Whether the request carries the instructor key (the header, the cookie or ?key=)."""
    key: str = request.app.state.key
    given = header or request.cookies.get(KEY_COOKIE) or request.query_params.get("key") or ""
    return secrets.compare_digest(given.encode(), key.encode())


def instructor(request: Request, x_instructor_key: Annotated[str | None, Header()] = None) -> None:
    """The dashboard and session creation need the instructor key (header, cookie or ?key=)."""
    if not _has_key(request, x_instructor_key):
        raise HTTPException(401, "the instructor key is missing or wrong (it is printed when the server starts)")


class LoginNeeded(Exception):
    """A dashboard page was opened without the instructor key: show the login page instead."""


def instructor_page(request: Request, x_instructor_key: Annotated[str | None, Header()] = None) -> None:
    """The dashboard's pages: without the key (cookie, header or ?key=) the browser is sent to the login page."""
    if not _has_key(request, x_instructor_key):
        raise LoginNeeded()


INSTRUCTOR = [Depends(instructor)]
PAGE = [Depends(instructor_page)]
Token = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------


PROJECTOR_TOP = 4  # options shown per key moment on the projector (the rest are counted)


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI (segno: a maintained QR library; no hand-made encoder)."""
    import segno

    return str(segno.make(text, error="m").svg_data_uri(scale=8, border=2))


def create_app(db: str | Path, grading_workers: int = 0, address: str | None = None) -> FastAPI:
    """The workshop web application over the SQLite database `db`.

    `address` is the class's address (the server command passes the LAN address it prints);
    without it the pages show the address the instructor's browser used.
    `grading_workers` > 0 replays submissions in that many worker processes, so a burst of
    submissions uses every core and never holds up joining or the dashboard (the server
    command uses one per core); 0 replays them in the request's thread (tests, small classes).
    """
    store = Store(db)
    key = store.instructor_key()
    pool = (ProcessPoolExecutor(grading_workers, mp_context=mp.get_context("spawn"))
            if grading_workers > 0 else None)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    async def graded(doc: Any, r: Rules) -> Graded:
        if pool is None:
            return await run_in_threadpool(grade, doc, r)
        return await asyncio.get_running_loop().run_in_executor(pool, grade, doc, r)

    names = shipped_scenarios()
    app = FastAPI(title="ServiceFloor workshop", version="1", lifespan=lifespan,
                  description="Join a workshop session, send a result; the server replays and scores it.")
    app.state.store, app.state.key, app.state.names = store, key, names
    app.add_middleware(StrictJson)  # inside the body limit: it reads at most MAX_BODY bytes
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(assets_dir() / "workshop" / "static")), name="static")
    templates = Jinja2Templates(directory=str(assets_dir() / "workshop"))
    notes_after_upload: dict[str, list[str]] = {}  # one-time notes shown after an upload's redirect

    def wants_page(request: Request) -> bool:
        """The dashboard's pages answer errors with a page; the JSON API (and the game) with JSON."""
        return not request.url.path.startswith("/api/")

    def error_page(request: Request, status: int, message: str) -> Response:
        return templates.TemplateResponse(request, "error.html", {"names": names, "status": status,
                                                                  "message": message}, status_code=status)

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        if wants_page(request):
            return error_page(request, exc.status, str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(SubmissionError)
    async def _submission_error(request: Request, exc: SubmissionError) -> Response:
        if wants_page(request):
            return error_page(request, 422, f"{exc.field}: {exc.message}")
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=422)

    @app.exception_handler(LoginNeeded)
    async def _login_needed(request: Request, exc: LoginNeeded) -> Response:
        target = request.url.path if request.method == "GET" else ""
        return RedirectResponse("/?" + urlencode({"next": target}) if target else "/", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_page(request):
            return error_page(request, 422, "; ".join(_field_error(e) for e in exc.errors()))
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_page(request) and exc.status_code != 413:
            text = {404: "There is no such page."}.get(exc.status_code, str(exc.detail))
            return error_page(request, exc.status_code, text)
        return await http_exception_handler(request, exc)

    # -- JSON API ---------------------------------------------------------------
    @app.get("/api/health")
    def health() -> Json:
        return {"ok": True}

    @app.get("/api/scenarios")
    def scenarios() -> dict[str, str]:
        return names

    @app.post("/api/sessions", status_code=201, response_model=SessionOut, dependencies=INSTRUCTOR)
    def create_session(body: SessionIn) -> SessionOut:
        if body.scenario not in names:
            raise SubmissionError("scenario", f"expected one of {', '.join(sorted(names))}")
        s = store.create_session(body.title.strip() or names[body.scenario], body.scenario, body.seed,
                                 body.levers_locked, body.time_limit_min)
        return session_out(s, names)

    @app.get("/api/sessions/{code}", response_model=SessionOut)
    def get_session(code: str) -> SessionOut:
        return session_out(store.session(code), names)

    @app.post("/api/sessions/{code}/participants", status_code=201, response_model=JoinOut)
    def join(code: str, body: JoinIn) -> JoinOut:
        p, token = store.join(code, body.name)
        return JoinOut(participant_id=p.id, name=p.name, token=token, session=session_out(store.session(code), names))

    @app.post("/api/sessions/{code}/results", status_code=201, response_model=ResultOut,
              responses={200: {"model": ResultOut, "description": "the same result was already stored"}})
    async def submit(code: str, body: ResultIn, response: Response,
                     cred: Token = None) -> ResultOut:
        s = await run_in_threadpool(store.open_session, code)
        if cred is None:
            raise HTTPException(401, "a participant token is needed: join the session first")
        p = await run_in_threadpool(store.by_token, s.code, cred.credentials)
        doc = body.model_dump()
        result = await graded(doc, rules_of(s))
        late = _late(s)
        if late:
            result = dataclasses.replace(result, flags=(*result.flags, late))
        stored, new = await run_in_threadpool(store.store_result, p, result, "game", doc)
        if not new:
            response.status_code = 200
        return result_out(stored, new)

    @app.post("/api/sessions/{code}/progress", response_model=ProgressOut)
    def progress(code: str, body: ProgressIn, cred: Token = None) -> ProgressOut:
        """The game's heartbeat: where the trainee is; the answer carries the class countdown."""
        s = store.session(code)
        if cred is None:
            raise HTTPException(401, "a participant token is needed: join the session first")
        p = store.by_token(s.code, cred.credentials)
        store.report_progress(p, {"shift_s": round(body.shift_s, 1), "calls": body.calls, "state": body.state})
        left = s.seconds_left()
        return ProgressOut(seconds_left=left, ended=left == 0.0)

    @app.post("/api/sessions/{code}/import", status_code=201, response_model=ResultOut,
              responses={200: {"model": ResultOut, "description": "the same result was already stored"}},
              dependencies=INSTRUCTOR)
    def import_file(code: str, body: EntryIn, response: Response) -> ResultOut:
        r, new = import_entry(store, body.model_dump(), code)
        if not new:
            response.status_code = 200
        return result_out(r, new)

    @app.get("/api/sessions/{code}/leaderboard", response_model=list[Standing])
    def leaderboard(code: str) -> list[Standing]:
        s = store.session(code)
        return standings(store.results(s.code))

    # -- the instructor's pages ---------------------------------------------------
    def page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"names": names, **ctx})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> Response:
        given = request.query_params.get("key")
        target = _safe_next(request.query_params.get("next", ""))
        if given is not None:
            if not secrets.compare_digest(given.encode(), key.encode()):
                return page(request, "login.html", wrong=True, next=target)
            out = RedirectResponse(target or "/", status_code=303)
            out.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict")
            return out
        if not secrets.compare_digest(request.cookies.get(KEY_COOKIE, "").encode(), key.encode()):
            return page(request, "login.html", wrong=False, next=target)
        return page(request, "index.html", sessions=store.sessions(), counts=store.counts())

    @app.post("/sessions", include_in_schema=False, dependencies=PAGE)
    def create_from_form(scenario: Annotated[str, Form()], title: Annotated[str, Form()] = "",
                         seed: Annotated[str, Form()] = "1", levers: Annotated[str, Form()] = "locked",
                         time_limit_min: Annotated[str, Form()] = "0") -> Response:
        body = session_in(title=title, scenario=scenario, seed=seed, levers=levers, time_limit_min=time_limit_min)
        s = create_session(body)
        return RedirectResponse(f"/sessions/{s.code}", status_code=303)

    def _session_view(code: str) -> Json:
        s = store.session(code)
        scen = load_scenario(s.scenario)
        results = store.results(s.code)
        labels = {k: v.label for k, v in scen.responses.items()}
        goals = {k: v.name for k, v in scen.goals.items()}
        done = {r.participant.id for r in results}
        people = store.participants(s.code)
        commands = store.commands(s.code) if not s.levers_locked else {}
        by = moments_by(scen)
        return {"s": s, "scen": scen, "results": results, "standings": standings(results),
                "levers": {pid: classview.levers_of(c, scen.start_clock) for pid, c in commands.items()},
                "costs": {r.participant.id: classview.money_of(r, "staff_cost") for r in results},
                "policy_groups": classview.by_policy(results, commands) if not s.levers_locked else [],
                "bins": classview.score_bins(results),
                "differences": classview.top_quarter_differences(results, labels, by),
                "participants": people, "done": done, "status": {p.id: trainee_status(p, done, scen) for p in people},
                "seconds_left": s.seconds_left(),
                "moments": key_moments([r.choices for r in results], labels, goals, by=by),
                "objective_share": classview.objective_share(results)}

    def class_address(request: Request) -> str:
        return (address or str(request.base_url)).rstrip("/")

    @app.get("/join/{code}", response_class=HTMLResponse, include_in_schema=False)
    def join_page(request: Request, code: str) -> HTMLResponse:
        """What a trainee's phone shows after scanning the projector's QR code: how to join from the game."""
        s = store.open_session(code)
        return page(request, "join.html", s=s, address=class_address(request), scenario_name=names.get(s.scenario, ""))

    @app.get("/sessions/{code}/projector", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
    def projector(request: Request, code: str, m: int = 0, reveal: int = 0) -> HTMLResponse:
        """One key moment at a time in large type; the class's choices appear when the instructor reveals them."""
        view = _session_view(code)
        slide = min(max(0, m), len(view["moments"]))
        join_url = f"{class_address(request)}/join/{view['s'].code}"
        return page(request, "projector.html", slide=slide, reveal=bool(reveal), top=PROJECTOR_TOP,
                    address=class_address(request), join_url=join_url, qr=qr_data_uri(join_url),
                    joined=len(view["participants"]), finished=len(view["results"]), **view)

    @app.get("/sessions/{code}", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
    def dashboard(request: Request, code: str, notes: str = "") -> HTMLResponse:
        return page(request, "session.html", address=class_address(request),
                    notes=notes_after_upload.pop(notes, []), removed=store.removed(code), **_session_view(code))

    @app.get("/compare-sessions", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
    def compare_sessions(request: Request, codes: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
        """Rounds or groups of one class on one page: round 1 against round 2, group A against group B."""
        picked = [store.session(c) for c in dict.fromkeys(x.strip().upper() for x in (codes or []) if x.strip())]
        if len(picked) < 2:
            raise SubmissionError("codes", "tick two or more sessions to compare")
        if len({p.scenario for p in picked}) > 1:
            raise SubmissionError("codes", "sessions of different scenarios cannot be compared move by move; "
                                           "pick rounds or groups that played the same scenario")
        scen = load_scenario(picked[0].scenario)
        labels = {k: v.label for k, v in scen.responses.items()}
        goals = {k: v.name for k, v in scen.goals.items()}
        cols: list[dict[str, Any]] = []
        for p in picked:
            rs = store.results(p.code)
            cols.append({"s": p, "sum": classview.summary(p, rs),
                         "moments": {(m.ordinal, m.step): m for m in key_moments([r.choices for r in rs], labels,
                                                                                 goals, by=moments_by(scen))}})
        keys = sorted({k for c in cols for k in c["moments"]})
        titles = {k: next(c["moments"][k].title for c in cols if k in c["moments"]) for k in keys}
        return page(request, "sessions_compare.html", cols=cols, keys=keys, titles=titles, scen=scen)

    @app.get("/sessions/{code}/live", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
    def live(request: Request, code: str) -> HTMLResponse:
        """The parts of the dashboard that change as trainees join and finish (fetched every few seconds)."""
        return page(request, "_live.html", **_session_view(code))

    @app.get("/sessions/{code}/report", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
    def report(request: Request, code: str) -> HTMLResponse:
        return page(request, "report.html", top=PROJECTOR_TOP, **_session_view(code))

    @app.get("/sessions/{code}/compare", response_class=HTMLResponse, include_in_schema=False, dependencies=PAGE)
    def side_by_side(request: Request, code: str, a: int = 0, b: int = 0, customer: int = 1) -> HTMLResponse:
        view = _session_view(code)
        by_pid = {r.participant.id: r for r in view["results"]}
        order = [st.participant_id for st in view["standings"]]
        a = a if a in by_pid else (order[0] if order else 0)
        b = b if b in by_pid else (order[-1] if order else 0)
        pair = [by_pid.get(a), by_pid.get(b)]
        talks = [store.conversations(r.id) if r is not None else [] for r in pair]
        most = max(len(t) for t in talks)
        customer = min(max(1, customer), max(1, most))
        convs = [next((c for c in t if c["ordinal"] == customer), None) for t in talks]
        return page(request, "compare.html", a=a, b=b, pair=pair, convs=convs, customer=customer, customers=most,
                    **view)

    @app.post("/sessions/{code}/close", include_in_schema=False, dependencies=PAGE)
    def close(code: str, closed: Annotated[int, Form()] = 1) -> Response:
        s = store.set_closed(code, bool(closed))
        return RedirectResponse(f"/sessions/{s.code}", status_code=303)

    @app.post("/sessions/{code}/round", include_in_schema=False, dependencies=PAGE)
    def round_control(code: str, action: Annotated[str, Form()]) -> Response:
        """Start the class countdown, or end the round now (the games send what they have)."""
        if action == "start":
            s = store.start_round(code)
        elif action == "end":
            s = store.end_round(code)
        else:
            raise SubmissionError("action", f"expected start or end, got {action[:20]!r}")
        return RedirectResponse(f"/sessions/{s.code}", status_code=303)

    @app.post("/sessions/{code}/rename", include_in_schema=False, dependencies=PAGE)
    def rename(code: str, title: Annotated[str, Form()]) -> Response:
        s = store.rename(code, title)
        return RedirectResponse(f"/sessions/{s.code}", status_code=303)

    @app.post("/sessions/{code}/archive", include_in_schema=False, dependencies=PAGE)
    def archive(code: str, archived: Annotated[int, Form()] = 1) -> Response:
        s = store.set_archived(code, bool(archived))
        return RedirectResponse("/" if s.archived else f"/sessions/{s.code}", status_code=303)

    @app.post("/sessions/{code}/delete", include_in_schema=False, dependencies=PAGE)
    def delete(code: str, confirm: Annotated[str, Form()] = "") -> Response:
        s = store.session(code)
        if confirm.strip().upper() != s.code:
            raise SubmissionError("confirm", f"type the session's code ({s.code}) to delete it with all its results")
        store.delete_session(s.code)
        return RedirectResponse("/", status_code=303)

    @app.post("/sessions/{code}/remove", include_in_schema=False, dependencies=PAGE)
    def remove(code: str, participant: Annotated[int, Form()]) -> Response:
        s = store.session(code)
        store.remove_result(s.code, participant)
        return RedirectResponse(f"/sessions/{s.code}", status_code=303)

    @app.post("/sessions/{code}/restore", include_in_schema=False, dependencies=PAGE)
    def restore(code: str, participant: Annotated[int, Form()]) -> Response:
        """Undo a removal: the trainee's last removed result goes back on the leaderboard."""
        s = store.session(code)
        store.restore_result(s.code, participant)
        return RedirectResponse(f"/sessions/{s.code}", status_code=303)

    @app.get("/sessions/{code}/results.csv", include_in_schema=False, dependencies=PAGE)
    def results_csv(code: str) -> PlainTextResponse:
        """One row per trainee: who, the scores, what it cost, the levers they pulled; spreadsheet-safe."""
        s = store.session(code)
        scen = load_scenario(s.scenario)
        out = io.StringIO()
        w = SafeCsv(out)
        w.writerow(["session", "scenario", "seed", "rank", "name", "own_calls", "own_score", "own_stars", "score",
                    "stars", "loyalty", "speed", "accuracy",
                    "objectives_met", "objectives", "service_level", "abandon_rate", "asa_s", "goal_met_rate",
                    "first_contact_resolution", "correct_info_rate", "retention", "csat", "staff_cost",
                    "money_paid", "lever_changes", "levers", "responses_chosen", "source", "received", "flags"])
        by_pid = {r.participant.id: r for r in store.results(s.code)}
        commands = store.commands(s.code)
        for st in standings(list(by_pid.values())):
            r = by_pid[st.participant_id]
            sp, acc, loy = r.scores["speed"], r.scores["accuracy"], r.scores["loyalty"]
            levers = classview.levers_of(commands.get(st.participant_id, []), scen.start_clock)
            w.writerow([s.code, s.scenario, s.seed, st.rank, st.name, st.own_calls, st.own_score, st.own_stars,
                        st.score, st.stars, st.loyalty, st.speed,
                        st.accuracy, st.objectives_met, st.objectives, sp.get("service_level"), sp.get("abandon_rate"),
                        sp.get("asa_s"), acc.get("goal_met_rate"), acc.get("first_contact_resolution"),
                        acc.get("correct_info_rate"), loy.get("retention"), loy.get("csat"),
                        r.scores.get("staff_cost"), loy.get("money_paid"), len(levers), " | ".join(levers),
                        len(r.choices), r.source, iso_time(r.received), " | ".join(r.flags)])
        return _csv(out, f"workshop-{s.code}.csv")

    @app.get("/sessions/{code}/decisions.csv", include_in_schema=False, dependencies=PAGE)
    def decisions_csv(code: str) -> PlainTextResponse:
        """Long format for assessment records: one row per response a trainee chose, with what followed."""
        s = store.session(code)
        scen = load_scenario(s.scenario)
        labels = {k: v.label for k, v in scen.responses.items()}
        out = io.StringIO()
        w = SafeCsv(out)
        w.writerow(["session", "scenario", "seed", "name", "customer", "step", "turn", "response", "response_label",
                    "mood_before", "above_hurdle", "acknowledged_before", "goal", "segment",
                    "frustration_change", "verdict", "customer_goal_met", "received"])
        for r in store.results(s.code):
            for c in r.choices:
                w.writerow([s.code, s.scenario, s.seed, r.participant.name, c.get("ordinal"), c.get("step"),
                            c.get("turn"), c.get("kind"), labels.get(str(c.get("kind")), c.get("kind")),
                            c.get("mood"), c.get("hot"), c.get("acknowledged"), c.get("goal"), c.get("segment"),
                            c.get("delta"), c.get("verdict"), c.get("goal_met"), iso_time(r.received)])
        return _csv(out, f"workshop-{s.code}-decisions.csv")

    @app.get("/sessions/{code}/playbook.toml", include_in_schema=False, dependencies=PAGE)
    def playbook(code: str) -> PlainTextResponse:
        s = store.session(code)
        book = classbook.from_choices(f"{s.title} ({s.code})", s.scenario, [r.choices for r in store.results(s.code)])
        return PlainTextResponse(classbook.to_toml(book), media_type="application/toml",
                                 headers={"content-disposition": f'attachment; filename="class-{s.code}.toml"'})

    @app.post("/sessions/{code}/import", include_in_schema=False, dependencies=PAGE)
    async def import_files(request: Request, code: str,
                           files: Annotated[list[UploadFile], File()]) -> Response:
        s = store.session(code)
        notes = []
        for f in files:
            raw = await f.read(MAX_BODY + 1)
            name = f.filename or "the file"
            try:
                if len(raw) > MAX_BODY:
                    raise SubmissionError("file", "too large to be a result file")
                try:
                    doc = strict_json(raw)
                except JsonRefused as exc:
                    if not exc.not_json:  # JSON, but with NaN or nested too deep: say which
                        raise SubmissionError("file", str(exc)) from None
                    raise SubmissionError("file", "this is not a JSON file; the game saves a result as "
                                                  "workshop-CODE-NAME.json") from None
                entry = EntryIn.model_validate(doc).model_dump()
                r, new = import_entry(store, entry, s.code)
                notes.append(f"{name}: {r.participant.name} " + ("added" if new else "was already there"))
            except SubmissionError as exc:
                notes.append(f"{name}: not imported: {exc.message}")
            except (StoreError, ValueError) as exc:
                notes.append(f"{name}: not imported: {_short(exc)}")
        token = secrets.token_urlsafe(9)
        notes_after_upload[token] = notes
        while len(notes_after_upload) > 50:  # notes nobody came back for
            notes_after_upload.pop(next(iter(notes_after_upload)))
        # after a post, a redirect: reloading the page shows it again instead of sending the files twice
        return RedirectResponse(f"/sessions/{s.code}?" + urlencode({"notes": token}), status_code=303)

    return app


class SafeCsv:
    """A csv writer whose text cells cannot be read as a formula by a spreadsheet.

    A cell that begins with = + - @ (or a tab or carriage return) gets a leading apostrophe, the
    convention spreadsheets show as plain text; numbers are written as numbers.
    """

    FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

    def __init__(self, out: io.StringIO) -> None:
        self._w = csv.writer(out)

    @classmethod
    def cell(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(cls.FORMULA_START):
            return "'" + value
        return value

    def writerow(self, row: list[Any]) -> None:
        self._w.writerow([self.cell(v) for v in row])


def iso_time(t: float) -> str:
    """A stored time as ISO 8601 in UTC (2026-12-02T14:05:09Z): what a spreadsheet and a records system read."""
    import datetime

    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(out: io.StringIO, filename: str) -> PlainTextResponse:
    # UTF-8 with a byte-order mark, so a spreadsheet reads names like Siobhán right
    return PlainTextResponse("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"'})


IDLE_AFTER_S = 60.0  # no word from a trainee's game for a minute: shown as idle


def trainee_status(p: Any, done: set[int], scen: Any, now: float | None = None) -> tuple[str, str]:
    """(state, words) for the roster: finished, playing (shift clock, calls), idle, or joined."""
    import time

    from ..model import clock_text

    if p.id in done:
        return "finished", "finished"
    if not p.progress or p.progress_at is None:
        return "joined", "joined, not playing yet"
    calls = int(p.progress.get("calls", 0))
    at = f"{clock_text(scen.start_clock, float(p.progress.get('shift_s', 0.0)))}, {calls} call{'s' if calls != 1 else ''}"
    if (time.time() if now is None else now) - p.progress_at > IDLE_AFTER_S:
        return "idle", f"idle (last seen at {at})"
    if p.progress.get("state") == "paused":
        return "paused", f"paused at {at}"
    return "playing", f"playing: {at}"


LATE_GRACE_S = 60.0  # a result sent within a minute of the end is on time (the game needs a moment to send it)


def _late(s: Any, now: float | None = None) -> str:
    """The flag of a result that arrives after the round ended ('' when on time or with no countdown)."""
    import time

    if s.deadline is None:
        return ""
    after = (time.time() if now is None else now) - s.deadline
    if after <= LATE_GRACE_S:
        return ""
    return f"late: sent {after / 60.0:.0f} min after the round ended"


def _safe_next(path: str) -> str:
    """Where to go after logging in: only a dashboard page of this server, never another site."""
    if path.startswith("/sessions/") and "//" not in path and "\\" not in path and path.isprintable():
        return path
    return ""


def _field_error(e: Any) -> str:
    where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
    return f"{where}: {e.get('msg', 'not valid')}" if where else str(e.get("msg", "not valid"))


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()
    return text[0][:300] if text else type(exc).__name__
