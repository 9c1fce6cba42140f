"""The player's files: settings, the autosave of a running shift, result files and play counts.

Everything lives in one user data folder (``SERVICEFLOOR_HOME`` overrides it,
so tests can point it at a temporary folder).  Every write is atomic.  A file
that cannot be read is moved aside (never overwritten) and reported as a
message; the caller starts fresh.  No pygame here.
"""

from __future__ import annotations

import glob
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim import SaveError, read_result
from sim.dialogue import PLAYS
from sim.home import data_home
from sim.runner import play_of, read_json_file, write_atomic

AUTOSAVE_FORMAT = "servicefloor-autosave/1"
SETTINGS_FORMAT = "servicefloor-settings/1"
PLAYS_FORMAT = "servicefloor-plays/1"


@dataclass
class Settings:
    """What the game remembers between sessions."""

    window: tuple[int, int] = (1280, 720)
    fullscreen: bool = False
    slow_on_call: bool = True  # drop to 1x when a customer reaches the trainee
    last_scenario: str = "calm_weekday"
    seed: int = 1
    unlock_all: bool = False  # an instructor's machine: every scenario open, not only the next on the path

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Settings:
        if not isinstance(doc, dict) or doc.get("format") != SETTINGS_FORMAT:
            raise SaveError(f"format: expected {SETTINGS_FORMAT!r}")
        s = cls()
        try:
            w, h = (int(x) for x in doc.get("window", s.window))
            s.window = (min(16384, max(320, w)), min(16384, max(240, h)))
            s.fullscreen = bool(doc.get("fullscreen", s.fullscreen))
            s.slow_on_call = bool(doc.get("slow_on_call", s.slow_on_call))
            s.last_scenario = str(doc.get("last_scenario", s.last_scenario))[:200]
            s.unlock_all = doc.get("unlock_all", False) is True
            s.seed = int(doc.get("seed", s.seed))
        except (TypeError, ValueError, OverflowError) as exc:
            raise SaveError(f"settings: unexpected value ({exc})") from exc
        if not 0 <= s.seed < 2**31:
            raise SaveError(f"settings: seed: expected a whole number from 0 to {2**31 - 1}")
        return s

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["window"] = list(self.window)
        doc["format"] = SETTINGS_FORMAT
        return doc


@dataclass
class Storage:
    """Reads and writes the player's files in `home`; collects messages for the player."""

    home: Path = field(default_factory=data_home)
    messages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tidy()

    def tidy(self, older_than_s: float = 60.0) -> int:
        """Remove what a killed save left behind: its temporary file (never the file itself); returns how many."""
        gone = 0
        now = time.time()
        for name in ("settings.json", "autosave.json", "plays.json"):
            for tmp in self.home.glob(f".{name}.*") if self.home.is_dir() else ():
                try:
                    if now - tmp.stat().st_mtime > older_than_s:
                        tmp.unlink()
                        gone += 1
                except OSError:
                    pass  # another game is writing it right now, or it is already gone
        return gone

    @property
    def settings_path(self) -> Path:
        return self.home / "settings.json"

    @property
    def autosave_path(self) -> Path:
        return self.home / "autosave.json"

    @property
    def results_dir(self) -> Path:
        return self.home / "results"

    @property
    def plays_path(self) -> Path:
        return self.home / "plays.json"

    # -- settings -------------------------------------------------------
    def load_settings(self) -> Settings:
        doc = self._read_json(self.settings_path, "settings")
        if doc is None:
            return Settings()
        try:
            return Settings.from_json(doc)
        except SaveError as exc:
            self._set_aside(self.settings_path, "settings", str(exc))
            return Settings()

    def save_settings(self, settings: Settings) -> None:
        self._write(self.settings_path, settings.to_json())

    # -- autosave -------------------------------------------------------
    def load_autosave(self) -> dict[str, Any] | None:
        """The saved shift, or None (a bad file is set aside with a message)."""
        doc = self._read_json(self.autosave_path, "saved shift")
        if doc is None:
            return None
        problem = check_autosave(doc)
        if problem:
            self._set_aside(self.autosave_path, "saved shift", problem)
            return None
        return doc

    def save_autosave(self, doc: dict[str, Any]) -> None:
        self._write(self.autosave_path, doc)

    def discard_autosave(self) -> None:
        try:
            self.autosave_path.unlink()
        except FileNotFoundError:
            pass

    def reject_autosave(self, reason: str) -> None:
        """The saved shift could not be resumed: keep it aside and say so."""
        if self.autosave_path.exists():
            self._set_aside(self.autosave_path, "saved shift", reason)

    # -- results --------------------------------------------------------
    def new_result_path(self, scenario_id: str, seed: int) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.results_dir / f"{scenario_id}-{stamp}-seed{seed}.json"
        n = 1
        while path.exists():
            n += 1
            path = self.results_dir / f"{scenario_id}-{stamp}-seed{seed}-{n}.json"
        return path

    def best_results(self) -> dict[str, dict[str, Any]]:
        """The best overall score per scenario id, from the result files on disk."""
        best: dict[str, dict[str, Any]] = {}
        if not self.results_dir.is_dir():
            return best
        for path in sorted(self.results_dir.glob("*.json")):
            try:
                doc = read_result(path)
                sid = str(doc["scenario"]["id"])
                # the trainee's own calls (a shift without a call of theirs earns them nothing); result files
                # from before the trainee was scored on their own count the whole shift
                mine = doc["scores"].get("trainee")
                if isinstance(mine, dict) and "calls" in mine:
                    if not mine["calls"]:
                        continue
                    overall = mine["overall"]
                else:
                    overall = doc["scores"]["overall"]
                score, stars = float(overall["score"]), int(overall["stars"])
            except (SaveError, KeyError, TypeError, ValueError, AttributeError):
                continue  # a broken result file never stops the game
            if sid not in best or score > best[sid]["score"]:
                best[sid] = {"score": score, "stars": stars, "seed": doc["seed"], "path": str(path)}
        return best

    # -- plays ----------------------------------------------------------
    def start_play(self, scenario_id: str, seed: int) -> int:
        """Count a new shift of this scenario and seed; returns its play number (the shifts started before).

        The counts live in ``plays.json``; the result files are a floor under them, so a lost or
        damaged count never gives a finished play's words again.  The play picks the words only
        (`sim.dialogue.line_key`): the customers and the scores are the seed's.
        """
        key = f"{scenario_id}/seed{seed}"
        counts = self._play_counts()
        started = max(counts.get(key, 0), self._plays_in_results(scenario_id, seed))
        counts[key] = started + 1
        self._write(self.plays_path, {"format": PLAYS_FORMAT, "started": counts})
        return started % PLAYS

    def _play_counts(self) -> dict[str, int]:
        doc = self._read_json(self.plays_path, "play counts")
        if doc is None:
            return {}
        counts = doc.get("started") if isinstance(doc, dict) and doc.get("format") == PLAYS_FORMAT else None
        if not isinstance(counts, dict) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                   for v in counts.values()):
            self._set_aside(self.plays_path, "play counts", f"are not ServiceFloor play counts ({PLAYS_FORMAT!r})")
            return {}
        return {str(k): v for k, v in counts.items()}

    def _plays_in_results(self, scenario_id: str, seed: int) -> int:
        """One more than the highest play among the result files of this scenario and seed (0 if none)."""
        if not self.results_dir.is_dir():
            return 0
        n = 0
        for path in self.results_dir.glob(f"{glob.escape(scenario_id)}-*-seed{seed}*.json"):
            try:
                doc = read_result(path)
                if doc["scenario"].get("id") == scenario_id and doc["seed"] == seed:
                    n = max(n, play_of(doc) + 1)
            except (SaveError, KeyError, TypeError, AttributeError):
                continue  # a broken result file never stops the game
        return n

    # -- helpers --------------------------------------------------------
    def _read_json(self, path: Path, what: str) -> Any:
        try:
            return read_json_file(path)
        except FileNotFoundError:
            return None
        except SaveError as exc:
            self._set_aside(path, what, str(exc).removeprefix(f"{path}: "))
            return None

    def _set_aside(self, path: Path, what: str, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.stem}.bad-{stamp}{path.suffix}")
        n = 1
        while aside.exists():
            n += 1
            aside = path.with_name(f"{path.stem}.bad-{stamp}-{n}{path.suffix}")
        try:
            os.replace(path, aside)
            kept = f" It was kept as {aside.name}."
        except OSError:
            kept = ""
        self.messages.append(f"Your {what} {reason} and could not be used; starting fresh.{kept}")

    def _write(self, path: Path, doc: dict[str, Any]) -> None:
        try:
            write_atomic(path, json.dumps(doc, indent=1, sort_keys=True))
        except OSError as exc:
            self.messages.append(f"Could not write {path.name}: {exc}")


def check_autosave(doc: Any) -> str:
    """Why an autosave document cannot be used ('' when it looks fine)."""
    if not isinstance(doc, dict) or doc.get("format") != AUTOSAVE_FORMAT:
        return f"is not a ServiceFloor save (format: expected {AUTOSAVE_FORMAT!r})"
    expect = (("scenario", dict), ("seed", int), ("time", (int, float)), ("commands", list),
              ("contacts_done", int))
    for key, kind in expect:
        if not isinstance(doc.get(key), kind):
            return f"is damaged ({key}: missing or of the wrong type)"
    if not isinstance(doc["scenario"].get("source"), str):
        return "is damaged (scenario.source: missing)"
    play = doc.get("play", 0)  # saves from before plays were counted have none: play 0
    if isinstance(play, bool) or not isinstance(play, int) or not 0 <= play < PLAYS:
        return "is damaged (play: expected a whole number)"
    return ""

