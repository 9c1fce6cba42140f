"""`servicefloor workshop ...`: serve a workshop, create sessions, import offline results, export the class."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from ..home import data_home
from ..runner import write_atomic

DEFAULT_PORT = 8765


def default_db() -> Path:
    return data_home() / "workshop.sqlite3"


def lan_address() -> str:
    """This machine's address on the local network (what trainees' laptops can reach), or 127.0.0.1."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        return str(s.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def _port_problem(host: str, port: int) -> str:
    """'' if the server can listen there, else why not, in words."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == 98 or "in use" in str(exc).lower():
                return "the port is in use (another workshop server?); choose another with --port"
            return str(exc)
    return ""


def _store(args: argparse.Namespace) -> Any:
    from .store import Store
    return Store(args.db)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .server import create_app
    except ImportError as exc:  # pragma: no cover - the web extras are dependencies
        print(f"servicefloor: the workshop server needs FastAPI and uvicorn ({exc})", file=sys.stderr)
        return 2
    problem = _port_problem(args.host, args.port)
    if problem:
        print(f"servicefloor: cannot serve on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return 2
    shown = lan_address() if args.host in ("0.0.0.0", "::", "") else args.host
    app = create_app(args.db, grading_workers=args.grading_workers, address=f"http://{shown}:{args.port}")
    print(f"ServiceFloor workshop server, results in {args.db}")
    print(f"  Give the class this address:  http://{shown}:{args.port}")
    print(f"  Instructor dashboard:         http://{shown}:{args.port}/?key={app.state.key}")
    print("  Ctrl-C stops the server; sessions and results are kept.", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from .api_models import session_in
    from .grading import SubmissionError, shipped_scenarios
    names = shipped_scenarios()
    if args.scenario not in names:
        print(f"servicefloor: scenario: expected one of {', '.join(sorted(names))}", file=sys.stderr)
        return 2
    try:  # the same checks as the dashboard's form and the API
        body = session_in(title=args.title, scenario=args.scenario, seed=args.seed, levers=args.levers,
                          time_limit_min=args.time_limit)
    except SubmissionError as exc:
        flag = {"time_limit_min": "--time-limit", "seed": "--seed", "title": "--title"}.get(exc.field, exc.field)
        print(f"servicefloor: {flag}: {exc.message}", file=sys.stderr)
        return 2
    s = _store(args).create_session(body.title or names[args.scenario], body.scenario, body.seed,
                                    body.levers_locked, body.time_limit_min)
    print(s.code)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .grading import SubmissionError, import_entry
    from .store import StoreError
    store = _store(args)
    bad = 0
    for path in args.files:
        try:
            r, new = import_entry(store, json.loads(Path(path).read_text(encoding="utf-8")))
            print(f"{path}: {r.participant.name} in {r.participant.code}: score {r.scores['overall']['score']:.1f}"
                  + ("" if new else " (already there)") + "".join(f"\n  flagged: {f}" for f in r.flags))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, SubmissionError, StoreError) as exc:
            bad += 1
            print(f"{path}: not imported: {exc}", file=sys.stderr)
    return 1 if bad else 0


def cmd_playbook(args: argparse.Namespace) -> int:
    from . import classbook
    store = _store(args)
    s = store.session(args.code)
    book = classbook.from_choices(f"{s.title} ({s.code})", s.scenario, [r.choices for r in store.results(s.code)])
    out = args.output or f"class-{s.code}.toml"
    write_atomic(out, classbook.to_toml(book))
    print(f"{out}: {book.participants} trainees, {book.total()} choices in {len(book.counts)} customer states")
    print(f"  run it on any scenario, e.g. a whole day: servicefloor compare calm_weekday --variant class "
          f"responder={out}")
    return 0


def add_parser(sub: Any) -> None:
    w = sub.add_parser("workshop", help="run a workshop: a class plays one seeded scenario")
    ws = w.add_subparsers(dest="workshop_command", required=True, metavar="COMMAND")
    db_help = f"the workshop database (default {default_db()})"

    sv = ws.add_parser("serve", help="start the workshop server (dashboard and the API the game talks to)")
    sv.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    sv.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    sv.add_argument("--db", type=Path, default=default_db(), help=db_help)
    sv.add_argument("--grading-workers", type=int, default=os.cpu_count() or 1, metavar="N",
                    help="processes that replay submissions (default: one per core; 0: in the server itself)")
    sv.set_defaults(func=cmd_serve)

    cr = ws.add_parser("create", help="create a session without the dashboard; prints its join code")
    cr.add_argument("scenario")
    cr.add_argument("--seed", type=int, default=1)
    cr.add_argument("--title", default="")
    cr.add_argument("--levers", choices=("locked", "open"), default="locked")
    cr.add_argument("--time-limit", type=int, default=0, metavar="MINUTES")
    cr.add_argument("--db", type=Path, default=default_db(), help=db_help)
    cr.set_defaults(func=cmd_create)

    im = ws.add_parser("import", help="import result files the game saved when it could not reach the server")
    im.add_argument("files", nargs="+")
    im.add_argument("--db", type=Path, default=default_db(), help=db_help)
    im.set_defaults(func=cmd_import)

    pb = ws.add_parser("playbook", help="export a session's choices as a playbook the policy lab can run")
    pb.add_argument("code")
    pb.add_argument("-o", "--output", help="file to write (default class-CODE.toml)")
    pb.add_argument("--db", type=Path, default=default_db(), help=db_help)
    pb.set_defaults(func=cmd_playbook)
