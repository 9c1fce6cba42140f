"""Fuzz the workshop server's OpenAPI schema with schemathesis: whatever arrives, never a 5xx.

Generated requests go to random session codes and tokens, and -- so that the
fuzzing reaches past the first 404 -- half of them to a real session with a
real participant token.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from sim.workshop.server import create_app

_db = Path(tempfile.mkdtemp(prefix="servicefloor-fuzz-")) / "workshop.sqlite3"
app = create_app(_db)
_store = app.state.store
_session = _store.create_session("fuzz", "three_reps", 1, True, 0)
_, _token = _store.join(_session.code, "Fuzzy")

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case):
    if case.path_parameters and "code" in case.path_parameters and hash(repr(case.body)) % 2 == 0:
        case.path_parameters["code"] = _session.code
    headers = dict(case.headers or {})
    if hash(repr(case.query)) % 2 == 0:
        headers["Authorization"] = f"Bearer {_token}"
        headers["X-Instructor-Key"] = app.state.key
    case.headers = headers
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
