"""One shift being played: the running `Centre`, the trainee's commands and the autosave.

The session is the game's only door into the model: it advances the clock,
applies commands through `Centre.apply`, and hands out read-only snapshots.
A saved shift is the seed, the scenario, the play number and the timed list
of commands; resuming re-applies them at their recorded times, which rebuilds
the exact same state (and the play, the same words).  No pygame here.
"""

from __future__ import annotations

import time
from typing import Any

from sim import (
    Answer,
    Centre,
    Interactive,
    SaveError,
    ScenarioError,
    SetPolicy,
    Snapshot,
    TakeCalls,
)
from sim.model import Command
from sim.runner import Result, command_json, result_of
from sim.scenario import POLICY_KEYS, Scenario, load_scenario
from sim.scores import ticker

from .storage import AUTOSAVE_FORMAT

SIM_SECONDS_PER_REAL_SECOND = 30.0  # 1x: an 8-hour shift takes 16 minutes
SPEEDS = (1, 4, 16)
FINISH_SETTLE_S = 5.0  # when ending early, the trainee's last conversation is played on in steps of this...
FINISH_SETTLE_STEPS = 2000  # ...at most this many times
COMMAND_START_S = 0.001  # no command is applied at exactly t = 0 (see Session.apply)


def _plain(value: Any) -> Any:
    """A policy value as `with_policies` takes it (lists, not tuples)."""
    return list(value) if isinstance(value, tuple) else value


def command_of(doc: dict[str, Any]) -> tuple[float, Command]:
    """The inverse of `command_json`; raises SaveError on anything unexpected."""
    try:
        t = float(doc["time"])
        kind = doc["type"]
        if kind == "answer":
            return t, Answer(int(doc["contact_id"]), str(doc["kind"]))
        if kind == "policy":
            return t, SetPolicy(str(doc["key"]), doc["value"])
        if kind == "take_calls":
            agent = doc["agent_id"]
            return t, TakeCalls(None if agent is None else int(agent))
    except (KeyError, TypeError, ValueError) as exc:
        raise SaveError(f"commands: unreadable entry {doc!r}") from exc
    raise SaveError(f"commands: unknown command type {kind!r}")


class Session:
    """A shift in progress: the centre plus the bookkeeping the game needs."""

    def __init__(self, scenario: Scenario, seed: int = 1, levers_locked: bool = False, play: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        # how many times this player started this scenario and seed before (`Storage.start_play`): the same
        # customers and model, other words (`sim.dialogue.line_key`); it goes into the autosave and the result
        self.play = play
        self.levers_locked = levers_locked  # a workshop whose instructor fixed the policies
        self.centre = Centre(scenario, seed=seed, trainee=Interactive())
        self.snap: Snapshot = self.centre.snapshot()
        self._ticker: dict[str, float | None] = {}
        self._ticker_n = -1
        self.handing_back = False

    # -- clock ----------------------------------------------------------
    @property
    def now(self) -> float:
        return self.centre.now

    @property
    def at_end(self) -> bool:
        """The working day is over (the drain is run by `finish`)."""
        return self.centre.now >= self.scenario.horizon_s

    def advance(self, sim_seconds: float) -> None:
        """Run the clock on by `sim_seconds`, never past the end of the working day."""
        target = min(self.centre.now + max(0.0, sim_seconds), self.scenario.horizon_s)
        self.centre.advance_to(target)
        self.snap = self.centre.snapshot()

    # -- commands -------------------------------------------------------
    def apply(self, cmd: Command) -> str:
        """Apply a command; returns '' or a message the player can read."""
        if self.centre.now <= 0.0:
            # sim.runner.replay applies time-0 commands before finish(), which drops a TakeCalls:
            # start the clock first so every command is replayed on schedule
            self.centre.advance_to(COMMAND_START_S)
        try:
            self.centre.apply(cmd)
        except ScenarioError as exc:
            return "; ".join(p.message if not p.key else f"{p.key}: {p.message}" for p in exc.problems)
        except ValueError as exc:
            return str(exc)
        self.snap = self.centre.snapshot()
        return ""

    @property
    def trainee_agent(self) -> int | None:
        return self.centre.trainee_agent

    def take_calls(self, agent_id: int) -> str:
        """The trainee plays `agent_id` from now on (turns already asked of them stay theirs)."""
        self.handing_back = False
        if agent_id == self.centre.trainee_agent:
            return ""
        return self.apply(TakeCalls(agent_id))

    def hand_back(self) -> None:
        """Give the trainee's calls back to the team, once the current conversation is over.

        A conversation may already have asked the trainee for its next turn while the last
        response is still being spoken; that turn must be answered (by the playbook, recorded)
        before the agent is handed back, or it would wait for ever.
        """
        if self.centre.trainee_agent is not None:
            self.handing_back = True
        self.settle_hand_back()

    def settle_hand_back(self) -> bool:
        """Call every frame: finishes a pending hand-back when the agent is between conversations."""
        if not self.handing_back:
            return True
        self.flush_pending()
        aid = self.centre.trainee_agent
        state = next((a.state for a in self.snap.agents if a.id == aid), "off")
        if aid is None or state != "talking":
            if aid is not None:
                self.apply(TakeCalls(None))
            self.handing_back = False
        return not self.handing_back

    def flush_pending(self) -> None:
        """Answer the trainee's waiting turns with the team playbook, as recorded decisions."""
        for view in self.centre.snapshot().pending:
            self.apply(Answer(view.contact_id, self.centre.playbook.decide(view)))

    def answer(self, contact_id: int, kind: str) -> str:
        return self.apply(Answer(contact_id, kind))

    def set_policy(self, key: str, value: Any) -> tuple[str, tuple[str, ...]]:
        """Change one lever: (error message or '', other levers the change reset to the scenario's value).

        `Centre` currently builds each change on the scenario's original policies, so a change
        resets levers changed earlier; the panel tells the player which (none once that is fixed).
        """
        if self.levers_locked:
            return "your instructor locked the levers for this workshop", ()
        before = self.centre.policies
        err = self.apply(SetPolicy(key, _plain(value)))
        if err:
            return err, ()
        lost = tuple(k for k in POLICY_KEYS if k != key and getattr(self.centre.policies, k) != getattr(before, k))
        return "", lost

    # -- read-only views ------------------------------------------------
    def ticker(self) -> dict[str, float | None]:
        """The live figures (recomputed only when new contacts were recorded)."""
        n = len(self.centre.log)
        if n != self._ticker_n:
            self._ticker = ticker(self.centre.log, self.scenario)
            self._ticker_n = n
        return self._ticker

    # -- end ------------------------------------------------------------
    def finish(self) -> Result:
        """Run the rest of the shift headless and return its result."""
        self.hand_back()
        for _ in range(FINISH_SETTLE_STEPS):
            if self.settle_hand_back():
                break
            self.centre.advance_to(self.centre.now + FINISH_SETTLE_S)
            self.snap = self.centre.snapshot()
        self.centre.finish()
        self.snap = self.centre.snapshot()
        return result_of(self.centre, self.play)

    # -- saving ---------------------------------------------------------
    def to_save(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        scen = self.scenario
        return {
            "format": AUTOSAVE_FORMAT,
            "scenario": {"id": scen.id, "name": scen.name, "source": scen.source, "digest": scen.digest},
            "seed": self.seed,
            "play": self.play,
            "time": self.centre.now,
            "clock": self.snap.clock,
            "commands": [command_json(t, c) for t, c in self.centre.commands],
            "contacts_done": len(self.centre.log),
            "saved_at": time.strftime("%Y-%m-%d %H:%M"),
            "ui": extra or {},
        }

    @classmethod
    def from_save(cls, doc: dict[str, Any]) -> Session:
        """Rebuild a saved shift exactly; raises SaveError if it cannot be done."""
        info = doc["scenario"]
        try:
            scen = load_scenario(info["source"])
        except (ScenarioError, OSError) as exc:
            raise SaveError(f"its scenario cannot be loaded ({exc})") from exc
        if info.get("digest") and scen.digest != info["digest"]:
            raise SaveError("was played on a scenario file that has changed since")
        commands = [command_of(c) for c in doc["commands"]]
        session = cls(scen, seed=int(doc["seed"]), play=int(doc.get("play", 0)))
        for t, cmd in commands:
            session.centre.advance_to(t)
            if abs(session.centre.now - t) > 1e-6 and t > 0:
                raise SaveError("does not replay the same way (command times out of order)")
            try:
                session.centre.apply(cmd)
            except (ScenarioError, ValueError) as exc:
                raise SaveError(f"does not replay the same way ({exc})") from exc
        session.centre.advance_to(float(doc["time"]))
        session.snap = session.centre.snapshot()
        if len(session.centre.log) != int(doc["contacts_done"]):
            raise SaveError("does not replay the same way (a different number of contacts)")
        return session
