"""Workshop sessions, participants and graded results in one SQLite file.

WAL mode so the dashboard reads while trainees submit; every change runs in one
`BEGIN IMMEDIATE` transaction, so a submission is stored whole or not at all and
two requests never interleave their writes.  A connection per call keeps it safe
across the web server's threads.  Participant tokens are stored only as hashes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "O0I1L")
CODE_LENGTH = 6
MAX_NAME = 40

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    code TEXT PRIMARY KEY, title TEXT NOT NULL, scenario TEXT NOT NULL, seed INTEGER NOT NULL,
    levers_locked INTEGER NOT NULL, time_limit_min INTEGER NOT NULL, created REAL NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0, round_started REAL, deadline REAL);
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL REFERENCES sessions(code), name TEXT NOT NULL,
    name_key TEXT NOT NULL, token_hash TEXT NOT NULL, joined REAL NOT NULL, progress TEXT, progress_at REAL,
    UNIQUE (code, name_key));
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL REFERENCES sessions(code),
    participant INTEGER NOT NULL UNIQUE REFERENCES participants(id), digest TEXT NOT NULL,
    received REAL NOT NULL, source TEXT NOT NULL, scores TEXT NOT NULL, objectives TEXT NOT NULL,
    flags TEXT NOT NULL, choices TEXT NOT NULL, conversations TEXT NOT NULL, document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS removed_results (
    removed_id INTEGER PRIMARY KEY, id INTEGER NOT NULL, code TEXT NOT NULL REFERENCES sessions(code),
    participant INTEGER NOT NULL REFERENCES participants(id), digest TEXT NOT NULL,
    received REAL NOT NULL, source TEXT NOT NULL, scores TEXT NOT NULL, objectives TEXT NOT NULL,
    flags TEXT NOT NULL, choices TEXT NOT NULL, conversations TEXT NOT NULL, document TEXT NOT NULL,
    removed REAL NOT NULL);
"""
# the columns a result has, in order: a removed result keeps all of them (and when it was removed)
DATA_COLUMNS = "code, participant, digest, received, source, scores, objectives, flags, choices, conversations, document"
RESULT_COLUMNS = "id, " + DATA_COLUMNS


class StoreError(ValueError):
    """A request the store refuses; `status` is the HTTP status it maps to."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Session:
    code: str
    title: str
    scenario: str
    seed: int
    levers_locked: bool
    time_limit_min: int
    created: float
    closed: bool = False  # the instructor closed it: nobody joins or sends any more (imports still work)
    archived: bool = False  # put away by the instructor: listed apart, can be brought back or deleted
    round_started: float | None = None  # when the instructor started the round (server clock)
    deadline: float | None = None  # when the round ends (server clock); results after it are marked late

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds left in the round by the server's clock, or None when no round countdown runs."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - (time.time() if now is None else now))


@dataclass(frozen=True)
class Participant:
    id: int
    code: str
    name: str
    joined: float
    progress: dict[str, Any] | None = None  # what the game last reported: shift clock, calls handled
    progress_at: float | None = None  # when (server clock)


@dataclass(frozen=True)
class StoredResult:
    id: int
    participant: Participant
    digest: str
    received: float
    source: str
    scores: dict[str, Any]
    objectives: list[dict[str, Any]]
    flags: list[str]
    choices: list[dict[str, Any]]  # the trainee's conversations, long, are read only on demand: conversations()


_SESSION_COLS = "code, title, scenario, seed, levers_locked, time_limit_min, created, closed, archived, round_started, " \
                "deadline"
# columns added after the first release: a database from before gains them on open, keeping every row
_ADDED_COLUMNS = (("sessions", "closed", "INTEGER NOT NULL DEFAULT 0"), ("sessions", "archived", "INTEGER NOT NULL DEFAULT 0"),
                  ("sessions", "round_started", "REAL"), ("sessions", "deadline", "REAL"),
                  ("participants", "progress", "TEXT"), ("participants", "progress_at", "REAL"))


def _session(r: Any) -> Session:
    return Session(r[0], r[1], r[2], int(r[3]), bool(r[4]), int(r[5]), float(r[6]), bool(r[7]), bool(r[8]),
                   None if r[9] is None else float(r[9]), None if r[10] is None else float(r[10]))


_PARTICIPANT_COLS = "id, code, name, joined, progress, progress_at"


def _participant(r: Any) -> Participant:
    return Participant(int(r[0]), r[1], r[2], float(r[3]), None if r[4] is None else json.loads(r[4]),
                       None if r[5] is None else float(r[5]))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_name(name: str) -> str:
    """A display name with its whitespace tidied; raises StoreError(422) if it is empty or too long."""
    text = " ".join(str(name).split())
    if not text or not text.isprintable():
        raise StoreError(422, "name: expected a display name of printable characters")
    if len(text) > MAX_NAME:
        raise StoreError(422, f"name: at most {MAX_NAME} characters")
    return text


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise StoreError(500, f"{self.path}: database schema {row[0]}, this version reads {SCHEMA_VERSION}")
            for table, column, kind in _ADDED_COLUMNS:
                if column not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- instructor key ----------------------------------------------------
    def instructor_key(self) -> str:
        """The dashboard's key: made once, kept in the database, so a restart keeps it."""
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key='instructor_key'").fetchone()
            if row:
                return str(row[0])
            key = secrets.token_urlsafe(12)
            db.execute("INSERT INTO meta VALUES ('instructor_key', ?)", (key,))
            return key

    # -- sessions ------------------------------------------------------------
    def create_session(self, title: str, scenario: str, seed: int, levers_locked: bool,
                       time_limit_min: int) -> Session:
        with self._write() as db:
            for _ in range(100):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if db.execute("SELECT 1 FROM sessions WHERE code=?", (code,)).fetchone() is None:
                    break
            s = Session(code, title, scenario, seed, levers_locked, time_limit_min, time.time())
            db.execute("INSERT INTO sessions (code, title, scenario, seed, levers_locked, time_limit_min, created) "
                       "VALUES (?,?,?,?,?,?,?)",
                       (s.code, s.title, s.scenario, s.seed, int(s.levers_locked), s.time_limit_min, s.created))
        return s

    def session(self, code: str) -> Session:
        with self._connect() as db:
            row = db.execute(f"SELECT {_SESSION_COLS} FROM sessions WHERE code=?", (code.upper(),)).fetchone()
        if row is None:
            raise StoreError(404, f"no workshop session with the code {code!r}")
        return _session(row)

    def sessions(self) -> list[Session]:
        with self._connect() as db:
            rows = db.execute(f"SELECT {_SESSION_COLS} FROM sessions ORDER BY created DESC").fetchall()
        return [_session(r) for r in rows]

    def set_closed(self, code: str, closed: bool) -> Session:
        with self._write() as db:
            db.execute("UPDATE sessions SET closed=? WHERE code=?", (int(closed), code.upper()))
        return self.session(code)

    def rename(self, code: str, title: str) -> Session:
        title = " ".join(str(title).split())
        if not title or len(title) > 80 or not title.isprintable():
            raise StoreError(422, "title: expected 1 to 80 printable characters")
        with self._write() as db:
            db.execute("UPDATE sessions SET title=? WHERE code=?", (title, self.session(code).code))
        return self.session(code)

    def set_archived(self, code: str, archived: bool) -> Session:
        """Archive (put away, closed to joins) or bring back a session; nothing in it changes."""
        s = self.session(code)
        with self._write() as db:
            db.execute("UPDATE sessions SET archived=?, closed=CASE WHEN ? THEN 1 ELSE closed END WHERE code=?",
                       (int(archived), int(archived), s.code))
        return self.session(code)

    def delete_session(self, code: str) -> None:
        """Delete an archived session with everything in it (the instructor confirmed it); 409 if not archived."""
        s = self.session(code)
        if not s.archived:
            raise StoreError(409, "archive the session first; only an archived session can be deleted")
        with self._write() as db:
            for table in ("removed_results", "results", "participants"):
                db.execute(f"DELETE FROM {table} WHERE code=?", (s.code,))
            db.execute("DELETE FROM sessions WHERE code=?", (s.code,))

    def start_round(self, code: str, now: float | None = None) -> Session:
        """Start the class countdown now: the round ends after the session's time limit (none without one)."""
        s = self.session(code)
        t = time.time() if now is None else now
        deadline = t + 60.0 * s.time_limit_min if s.time_limit_min else None
        with self._write() as db:
            db.execute("UPDATE sessions SET round_started=?, deadline=? WHERE code=?", (t, deadline, s.code))
        return self.session(code)

    def end_round(self, code: str, now: float | None = None) -> Session:
        """End the round now: the games see no time left and send what they have; later results are late."""
        s = self.session(code)
        t = time.time() if now is None else now
        with self._write() as db:
            db.execute("UPDATE sessions SET round_started=COALESCE(round_started, ?), deadline=? WHERE code=?",
                       (t, t, s.code))
        return self.session(code)

    def report_progress(self, p: Participant, progress: dict[str, Any]) -> None:
        with self._write() as db:
            db.execute("UPDATE participants SET progress=?, progress_at=? WHERE id=?",
                       (json.dumps(progress, sort_keys=True), time.time(), p.id))

    def open_session(self, code: str) -> Session:
        """The session, if it still takes joins and results (409 once the instructor closed it)."""
        s = self.session(code)
        if s.closed:
            raise StoreError(409, f"workshop session {s.code} is closed; ask your instructor")
        return s

    # -- participants ----------------------------------------------------------
    def join(self, code: str, name: str, closed_too: bool = False) -> tuple[Participant, str]:
        """Add a participant; returns them and their token (shown once, stored hashed)."""
        s = self.session(code) if closed_too else self.open_session(code)
        name = clean_name(name)
        token = secrets.token_urlsafe(18)
        with self._write() as db:
            try:
                cur = db.execute("INSERT INTO participants (code, name, name_key, token_hash, joined) "
                                 "VALUES (?,?,?,?,?)", (s.code, name, name.casefold(), hash_token(token), time.time()))
            except sqlite3.IntegrityError:
                raise StoreError(409, f"the name {name!r} is already taken in this session; "
                                      "choose another") from None
            pid = int(cur.lastrowid or 0)
        return self.participant(pid), token

    def participant(self, pid: int) -> Participant:
        with self._connect() as db:
            row = db.execute(f"SELECT {_PARTICIPANT_COLS} FROM participants WHERE id=?", (pid,)).fetchone()
        if row is None:
            raise StoreError(404, f"no participant {pid}")
        return _participant(row)

    def by_token(self, code: str, token: str) -> Participant:
        with self._connect() as db:
            row = db.execute("SELECT id FROM participants WHERE code=? AND token_hash=?",
                             (code.upper(), hash_token(token))).fetchone()
        if row is None:
            raise StoreError(403, "this participant token is not valid for this session; join first")
        return self.participant(int(row[0]))

    def by_name(self, code: str, name: str) -> Participant | None:
        with self._connect() as db:
            row = db.execute("SELECT id FROM participants WHERE code=? AND name_key=?",
                             (code.upper(), clean_name(name).casefold())).fetchone()
        return None if row is None else self.participant(int(row[0]))

    def participants(self, code: str) -> list[Participant]:
        with self._connect() as db:
            rows = db.execute(f"SELECT {_PARTICIPANT_COLS} FROM participants WHERE code=? ORDER BY joined, id",
                              (code.upper(),)).fetchall()
        return [_participant(r) for r in rows]

    def import_participant(self, code: str, name: str) -> Participant:
        """The participant for an imported offline result: the existing one with that name, or a new one."""
        found = self.by_name(code, name)
        return found if found is not None else self.join(code, name, closed_too=True)[0]

    # -- results -----------------------------------------------------------------
    def store_result(self, p: Participant, graded: Any, source: str, document: Any) -> tuple[StoredResult, bool]:
        """Store a graded result once per participant: (result, True) if new, (existing, False) if a repeat.

        The same play sent again is a repeat and changes nothing; a different play for a
        participant who already has one is refused (409), so nobody can overwrite a result.
        """
        with self._write() as db:
            row = db.execute("SELECT id, digest FROM results WHERE participant=?", (p.id,)).fetchone()
            if row is not None:
                if row[1] != graded.digest:
                    raise StoreError(409, f"{p.name} already has a result in this session; the instructor "
                                          "can remove it on the dashboard so that you can send another")
                rid, new = int(row[0]), False
            else:
                cur = db.execute(
                    "INSERT INTO results (code, participant, digest, received, source, scores, objectives, flags, "
                    "choices, conversations, document) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (p.code, p.id, graded.digest, time.time(), source, json.dumps(graded.scores),
                     json.dumps(graded.objectives), json.dumps(list(graded.flags)), json.dumps(list(graded.choices)),
                     json.dumps(list(graded.conversations)), json.dumps(document, sort_keys=True)))
                rid, new = int(cur.lastrowid or 0), True
        return self.result(rid), new

    # one query with the participant joined in; the conversations column is left for conversations()
    _COLS = ("r.id, p.id, p.code, p.name, p.joined, r.digest, r.received, r.source, r.scores, r.objectives, "
             "r.flags, r.choices FROM results r JOIN participants p ON p.id = r.participant")

    @staticmethod
    def _result_row(r: tuple[Any, ...]) -> StoredResult:
        return StoredResult(int(r[0]), Participant(int(r[1]), r[2], r[3], float(r[4])), r[5], float(r[6]), r[7],
                            json.loads(r[8]), json.loads(r[9]), json.loads(r[10]), json.loads(r[11]))

    def result(self, rid: int) -> StoredResult:
        with self._connect() as db:
            row = db.execute(f"SELECT {self._COLS} WHERE r.id=?", (rid,)).fetchone()
        if row is None:
            raise StoreError(404, f"no result {rid}")
        return self._result_row(row)

    def results(self, code: str) -> list[StoredResult]:
        with self._connect() as db:
            rows = db.execute(f"SELECT {self._COLS} WHERE r.code=? ORDER BY r.received, r.id",
                              (code.upper(),)).fetchall()
        return [self._result_row(r) for r in rows]

    def commands(self, code: str) -> dict[int, list[dict[str, Any]]]:
        """Each participant's replayed policy and take-calls commands (from the stored result document)."""
        with self._connect() as db:
            rows = db.execute("SELECT participant, json_extract(document, '$.commands') FROM results WHERE code=?",
                              (code.upper(),)).fetchall()
        return {int(pid): list(json.loads(cmds or "[]")) for pid, cmds in rows}

    def conversations(self, rid: int) -> list[dict[str, Any]]:
        """A result's conversations as text (for the side-by-side page)."""
        with self._connect() as db:
            row = db.execute("SELECT conversations FROM results WHERE id=?", (rid,)).fetchone()
        if row is None:
            raise StoreError(404, f"no result {rid}")
        return list(json.loads(row[0]))

    def counts(self) -> dict[str, tuple[int, int]]:
        """Session code -> (joined, finished), counted in the database."""
        with self._connect() as db:
            joined = dict(db.execute("SELECT code, COUNT(*) FROM participants GROUP BY code").fetchall())
            done = dict(db.execute("SELECT code, COUNT(*) FROM results GROUP BY code").fetchall())
            codes = [code for (code,) in db.execute("SELECT code FROM sessions")]
        return {code: (int(joined.get(code, 0)), int(done.get(code, 0))) for code in codes}

    def remove_result(self, code: str, pid: int) -> bool:
        """Set a participant's result aside (the instructor's decision) so that they can send another.

        Nothing is deleted: the result moves to `removed_results` and `restore_result` puts it back.
        """
        with self._write() as db:
            moved = db.execute(f"INSERT INTO removed_results ({RESULT_COLUMNS}, removed) "
                               f"SELECT {RESULT_COLUMNS}, ? FROM results WHERE code=? AND participant=?",
                               (time.time(), code.upper(), pid)).rowcount
            db.execute("DELETE FROM results WHERE code=? AND participant=?", (code.upper(), pid))
            return moved > 0

    def removed(self, code: str) -> list[tuple[Participant, float, float]]:
        """The results set aside in a session, newest first: (participant, score, when removed)."""
        with self._connect() as db:
            rows = db.execute("SELECT p.id, p.code, p.name, p.joined, r.scores, r.removed FROM removed_results r "
                              "JOIN participants p ON p.id = r.participant WHERE r.code=? "
                              "ORDER BY r.removed DESC, r.removed_id DESC", (code.upper(),)).fetchall()
        out = []
        for r in rows:
            score = float(json.loads(r[4]).get("overall", {}).get("score", 0.0))
            out.append((Participant(int(r[0]), r[1], r[2], float(r[3])), score, float(r[5])))
        return out

    def restore_result(self, code: str, pid: int) -> StoredResult:
        """Put the participant's most recently removed result back (undo); 409 if they have sent another since."""
        with self._write() as db:
            row = db.execute("SELECT removed_id FROM removed_results WHERE code=? AND participant=? "
                             "ORDER BY removed DESC, removed_id DESC LIMIT 1", (code.upper(), pid)).fetchone()
            if row is None:
                raise StoreError(404, "there is no removed result of this trainee to bring back")
            if db.execute("SELECT 1 FROM results WHERE participant=?", (pid,)).fetchone() is not None:
                raise StoreError(409, "this trainee has sent another result since; remove that one first "
                                      "to bring the old one back")
            cur = db.execute(f"INSERT INTO results ({DATA_COLUMNS}) SELECT {DATA_COLUMNS} FROM removed_results "
                             "WHERE removed_id=?", (row[0],))
            db.execute("DELETE FROM removed_results WHERE removed_id=?", (row[0],))
            rid = int(cur.lastrowid or 0)
        return self.result(rid)
