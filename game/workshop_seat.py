"""The trainee's seat in a workshop: which server, session and name, and sending the result there.

No pygame here.  Joining returns a `Seat` (kept in the user data folder, so a
crash or quit mid-shift keeps the token); at the end of the shift the result is
sent to the server, or -- no network, server gone -- saved as a file the
instructor imports (`servicefloor workshop import`, or the dashboard's upload).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim import SaveError
from sim.runner import write_atomic
from sim.workshop.client import WorkshopClient, WorkshopError, entry_document

SEAT_FILE = "workshop-seat.json"
LAST_FILE = "workshop-last.json"  # the last server and code joined: the next trainee at this machine starts there
SEAT_FORMAT = "servicefloor-workshop-seat/1"
OFFLINE_FOLDER = "workshop-results"


@dataclass
class Seat:
    address: str
    code: str
    name: str
    token: str
    scenario: str
    scenario_name: str
    seed: int
    levers_locked: bool
    time_limit_min: int
    started: float = field(default_factory=time.time)  # wall clock: the time limit counts from joining
    # the class round's end on this machine's clock, from the server's countdown (None: the server runs none);
    # the server's word wins over the local limit, so "end the round now" reaches every game
    round_ends: float | None = None

    def seconds_left(self, now: float | None = None) -> float | None:
        """Real seconds left to play, or None without a time limit."""
        t = time.time() if now is None else now
        own = None if not self.time_limit_min else max(0.0, self.started + 60.0 * self.time_limit_min - t)
        if self.round_ends is None:
            return own
        server = max(0.0, self.round_ends - t)
        return server if own is None else min(own, server)

    def follow_server(self, seconds_left: float | None, now: float | None = None) -> None:
        """Adopt the server's countdown (its seconds left, as just reported)."""
        if seconds_left is not None:
            self.round_ends = (time.time() if now is None else now) + float(seconds_left)

    def to_json(self) -> dict[str, Any]:
        return {"format": SEAT_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, doc: Any) -> Seat:
        if not isinstance(doc, dict) or doc.get("format") != SEAT_FORMAT:
            raise SaveError(f"format: expected {SEAT_FORMAT!r}")
        try:
            ends = doc.get("round_ends")
            return cls(str(doc["address"]), str(doc["code"]), str(doc["name"]), str(doc["token"]),
                       str(doc["scenario"]), str(doc["scenario_name"]), int(doc["seed"]),
                       bool(doc["levers_locked"]), int(doc["time_limit_min"]), float(doc["started"]),
                       None if ends is None else float(ends))
        except (KeyError, TypeError, ValueError) as exc:
            raise SaveError(f"workshop seat: unreadable ({exc})") from exc


def join(address: str, code: str, name: str) -> Seat:
    """Join a session; raises WorkshopError with a message for the trainee."""
    name = " ".join(name.split())
    if not name:
        raise WorkshopError("type the name the class should see on the leaderboard")
    client = WorkshopClient(address, timeout=10.0)
    out = client.join(code, name)
    s = out["session"]
    seat = Seat(client.base, s["code"], out["name"], out["token"], s["scenario"], s["scenario_name"],
                int(s["seed"]), bool(s["levers_locked"]), int(s["time_limit_min"]))
    seat.follow_server(s.get("seconds_left"))
    return seat


def save_seat(home: Path, seat: Seat) -> None:
    write_atomic(home / SEAT_FILE, json.dumps(seat.to_json(), indent=1))


def remember(home: Path, seat: Seat) -> None:
    """Keep the server and the code (not the name) for whoever joins next on this machine."""
    write_atomic(home / LAST_FILE, json.dumps({"address": seat.address, "code": seat.code}))


def last_joined(home: Path) -> tuple[str, str]:
    """(address, code) joined last on this machine, or empty strings."""
    try:
        doc = json.loads((home / LAST_FILE).read_text(encoding="utf-8"))
        return str(doc.get("address", "")).removeprefix("http://"), str(doc.get("code", ""))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return "", ""


def load_seat(home: Path) -> Seat | None:
    path = home / SEAT_FILE
    if not path.exists():
        return None
    try:
        return Seat.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, SaveError):
        return None


def leave(home: Path) -> None:
    try:
        (home / SEAT_FILE).unlink()
    except FileNotFoundError:
        pass


def offline_path(home: Path, seat: Seat) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", seat.name).strip("_") or "trainee"
    return home / OFFLINE_FOLDER / f"workshop-{seat.code}-{safe}.json"


@dataclass(frozen=True)
class Delivery:
    """What became of the result: sent (with the server's score) or saved to a file."""

    sent: bool
    message: str
    path: Path | None = None
    score: float | None = None
    stars: int | None = None


def deliver(home: Path, seat: Seat, result: dict[str, Any], timeout: float = 20.0) -> Delivery:
    """Send the result; on any failure save it for the instructor to import.  Never loses it."""
    client = WorkshopClient(seat.address, timeout=timeout)
    try:
        out = client.submit(seat.code, seat.token, result)
    except WorkshopError as exc:
        path = offline_path(home, seat)
        write_atomic(path, json.dumps(entry_document(seat.code, seat.name, result), indent=1))
        why = "the workshop server could not be reached" if exc.offline else f"the server refused it: {exc}"
        return Delivery(False, f"Not sent: {why}. Saved for your instructor as {path.name} in {path.parent}", path)
    note = " The server's check flagged it: " + "; ".join(out["flags"]) if out.get("flags") else ""
    own = out.get("own_score") is not None  # the leaderboard ranks the trainee's own calls
    score, stars = (out["own_score"], out["own_stars"]) if own else (out["score"], out["stars"])
    what = "your calls scored" if own else "no call of your own; the team's shift scored"
    return Delivery(True, f"Sent to workshop {seat.code} as {out['name']}: {what} {score:.1f}, "
                          f"{stars} star{'s' if stars != 1 else ''}{_rank(client, seat)}.{note}",
                    score=float(score), stars=int(stars))


def _rank(client: WorkshopClient, seat: Seat) -> str:
    """', place 3 of 12 so far' from the leaderboard, or '' if it cannot be read (the result is in anyway)."""
    try:
        board = client.leaderboard(seat.code)
    except WorkshopError:
        return ""
    me = next((row["rank"] for row in board if row.get("name") == seat.name), None)
    return "" if me is None else f", place {me} of {len(board)} so far"


HEARTBEAT_S = 10.0  # real seconds between progress reports


class Heartbeat:
    """Tells the server, every few seconds and in a background thread, where the trainee is in the shift.

    The answer carries the class countdown, which the seat adopts; a failed report is simply tried
    again later (the shift never waits for the network).
    """

    def __init__(self, seat: Seat, every_s: float = HEARTBEAT_S) -> None:
        self.seat, self.every_s = seat, every_s
        self._last = -1e9
        self._busy = False

    def beat(self, shift_s: float, calls: int, paused: bool = False, now: float | None = None) -> bool:
        """Send a report if one is due and none is on its way; True if one was started."""
        import threading

        t = time.monotonic() if now is None else now
        if self._busy or t - self._last < self.every_s:
            return False
        self._last, self._busy = t, True
        state = "paused" if paused else "playing"
        threading.Thread(target=self._send, args=(shift_s, calls, state), daemon=True, name="workshop-beat").start()
        return True

    def _send(self, shift_s: float, calls: int, state: str) -> None:
        try:
            out = WorkshopClient(self.seat.address, timeout=5.0).progress(
                self.seat.code, self.seat.token, shift_s, calls, state)
            self.seat.follow_server(out.get("seconds_left"))
        except WorkshopError:
            pass  # offline for now: the next beat tries again
        finally:
            self._busy = False


class Sender:
    """Delivers a result in a background thread; `poll()` gives the Delivery once it is done."""

    def __init__(self, home: Path, seat: Seat, result: dict[str, Any]) -> None:
        import threading

        self._out: Delivery | None = None
        self.seat = seat
        self._thread = threading.Thread(target=self._run, args=(home, seat, result), daemon=True,
                                        name="workshop-send")
        self._thread.start()

    def _run(self, home: Path, seat: Seat, result: dict[str, Any]) -> None:
        try:
            self._out = deliver(home, seat, result)
        except OSError as exc:  # the file could not be written either: say so, keep the seat for a retry
            self._out = Delivery(False, f"Not sent, and the result could not be saved ({exc}).")
            return
        leave(home)

    def poll(self) -> Delivery | None:
        return self._out

    def wait(self, timeout: float | None = None) -> Delivery | None:
        self._thread.join(timeout)
        return self._out
