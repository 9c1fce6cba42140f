"""Talking to a workshop server from the game (or the load test): join, read the session, send a result.

Plain `urllib`, so the game needs no extra library.  Every failure becomes a
`WorkshopError` with a sentence a trainee can act on; `offline` says whether
the server could not be reached at all (then the game saves the result to a file
the instructor can import instead).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

ENTRY_FORMAT = "servicefloor-workshop-entry/1"
DEFAULT_PORT = 8765


class WorkshopError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)

    @property
    def offline(self) -> bool:
        return self.status is None


def normalise_address(text: str) -> str:
    """'192.168.1.5' or '192.168.1.5:8765' or 'http://host:port/' -> 'http://host:port'."""
    text = text.strip().rstrip("/")
    if not text:
        raise WorkshopError("type the address the instructor gave you, e.g. 192.168.1.20:8765")
    if "://" not in text:
        text = "http://" + text
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WorkshopError(f"{text!r} is not an address like 192.168.1.20:8765")
    try:
        port = parts.port or (DEFAULT_PORT if parts.scheme == "http" else 443)
    except ValueError:
        raise WorkshopError(f"{text!r}: the port must be a number") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def entry_document(code: str, name: str, result: dict[str, Any]) -> dict[str, Any]:
    """A result saved for the instructor to import when the server cannot be reached."""
    return {"format": ENTRY_FORMAT, "code": code.upper(), "name": name, "result": result}


class WorkshopClient:
    def __init__(self, address: str, timeout: float = 15.0) -> None:
        self.base = normalise_address(address)
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - http(s) only, checked
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise WorkshopError(_detail(exc), exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WorkshopError(f"cannot reach the workshop server at {self.base} ({reason})") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise WorkshopError(f"{self.base} answered, but it is not a ServiceFloor workshop server", 502) from None

    def session(self, code: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/sessions/{_code(code)}"))

    def join(self, code: str, name: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/api/sessions/{_code(code)}/participants", {"name": name}))

    def submit(self, code: str, token: str, result: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", f"/api/sessions/{_code(code)}/results", result, token))

    def progress(self, code: str, token: str, shift_s: float, calls: int, state: str = "playing") -> dict[str, Any]:
        """Report where the trainee is; the answer holds the class countdown (seconds_left, ended)."""
        return dict(self._call("POST", f"/api/sessions/{_code(code)}/progress",
                               {"shift_s": float(shift_s), "calls": int(calls), "state": state}, token=token))

    def leaderboard(self, code: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/api/sessions/{_code(code)}/leaderboard"))


def _code(code: str) -> str:
    text = code.strip().upper()
    if not text.isalnum() or len(text) > 16:
        raise WorkshopError("the session code is the letters and digits on the instructor's screen")
    return text


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(exc.read().decode("utf-8"))
        detail = doc.get("detail")
        if isinstance(detail, list):  # a validation error: name the first field at fault
            first = detail[0] if detail else {}
            where = ".".join(str(x) for x in first.get("loc", [])[1:])
            return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
        if detail:
            return str(detail)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        pass
    return f"the server refused the request (HTTP {exc.code})"
