"""Running a whole shift headless, and result files that replay exactly."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import scores as scoring
from .dialogue import PLAYS
from .errors import SaveError
from .model import Answer, Centre, Command, SetPolicy, TakeCalls
from .records import ContactLog, TurnRecord
from .responders import Decision, Responder, ScriptedResponder
from .scenario import Scenario, load_scenario, with_policies

RESULT_FORMAT = "servicefloor-result/1"


@dataclass
class Result:
    """The records of one run and the scores computed from them."""

    scenario: Scenario
    seed: int
    contacts: ContactLog
    turns: list[TurnRecord]
    scores: dict[str, Any]
    decisions: list[Decision] = field(default_factory=list)
    commands: list[tuple[float, Command]] = field(default_factory=list)
    play: int = 0  # which play of this scenario and seed: it picks the words (`sim.dialogue.line_key`), never a score


def run(scenario: Scenario, seed: int = 1, responder: Responder | None = None) -> Result:
    """Run one shift to the end with `responder` (default: the scenario's playbook)."""
    centre = Centre(scenario, seed=seed, responder=responder)
    centre.finish()
    return result_of(centre)


def result_of(centre: Centre, play: int = 0) -> Result:
    return Result(scenario=centre.scenario, seed=centre.seed, contacts=centre.log, turns=centre.turns,
                  scores=scoring.compute(centre.log, centre.scenario, centre.staffing_changes),
                  decisions=list(centre.decisions),
                  commands=list(centre.commands), play=play)


# ---------------------------------------------------------------------------
# Result files: seed, scenario, every decision and the scores
# ---------------------------------------------------------------------------


def command_json(t: float, cmd: Command) -> dict[str, Any]:
    """A command and its simulated time as a JSON-ready dict."""
    if isinstance(cmd, Answer):
        return {"time": t, "type": "answer", "contact_id": cmd.contact_id, "kind": cmd.kind}
    if isinstance(cmd, SetPolicy):
        value = list(cmd.value) if isinstance(cmd.value, tuple) else cmd.value
        return {"time": t, "type": "policy", "key": cmd.key, "value": value}
    return {"time": t, "type": "take_calls", "agent_id": cmd.agent_id}


def result_document(result: Result, player: str = "") -> dict[str, Any]:
    scen = result.scenario
    return {
        "format": RESULT_FORMAT,
        "player": player,
        "scenario": {"id": scen.id, "source": scen.source, "digest": scen.digest},
        "policies": {k: list(v) if isinstance(v, tuple) else v
                     for k, v in dataclasses.asdict(scen.policies).items()},
        "seed": result.seed,
        "play": result.play,
        "decisions": [{"contact_id": d.contact_id, "turn": d.turn, "kind": d.kind, "time": d.time}
                      for d in result.decisions],
        "commands": [command_json(t, c) for t, c in result.commands if not isinstance(c, Answer)],
        "scores": result.scores,
    }


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write a file so that a crash never leaves it half-written."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report should read like any other file
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


MAX_SAVE_BYTES = 50_000_000  # a full 8-hour shift's result file is well under 1 MB


def read_json_file(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file of ours; raises FileNotFoundError, or SaveError saying why it cannot be used."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_SAVE_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SaveError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_SAVE_BYTES:
        raise SaveError(f"{path}: is larger than {MAX_SAVE_BYTES // 1_000_000} MB, far more than any file we write")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SaveError(f"{path}: is not text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise SaveError(f"{path}: is damaged ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError:
        raise SaveError(f"{path}: is damaged (nested far deeper than any file we write)") from None


def save_result(result: Result, path: str | os.PathLike[str], player: str = "") -> None:
    write_atomic(path, json.dumps(result_document(result, player), indent=1, sort_keys=True))


def read_result(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        doc = read_json_file(path)
    except FileNotFoundError as exc:
        raise SaveError(f"{path}: file not found") from exc
    except SaveError as exc:
        raise SaveError(f"{exc} (not a readable result file)") from None
    if not isinstance(doc, dict) or doc.get("format") != RESULT_FORMAT:
        raise SaveError(f"{path}: format: expected {RESULT_FORMAT!r}")
    for key, kind in (("seed", int), ("decisions", list), ("commands", list), ("scenario", dict)):
        if not isinstance(doc.get(key), kind):
            raise SaveError(f"{path}: {key}: expected {kind.__name__}")
    try:
        play_of(doc)
    except SaveError as exc:
        raise SaveError(f"{path}: {exc}") from None
    return doc


def play_of(doc: dict[str, Any]) -> int:
    """A result document's play number: 0 when it has none (files from before plays were counted)."""
    play = doc.get("play", 0)
    if isinstance(play, bool) or not isinstance(play, int) or not 0 <= play < PLAYS:
        raise SaveError(f"play: expected a whole number from 0 to {PLAYS - 1}, got {play!r}")
    return play


def replay(doc: dict[str, Any], scenario: Scenario | None = None) -> Result:
    """Re-run a result document headless: same seed, same decisions at the same times (and the same play)."""
    play = play_of(doc)
    scen = scenario or load_scenario(doc["scenario"]["source"])
    if isinstance(doc.get("policies"), dict):
        scen = with_policies(scen, doc["policies"], source="result file policies")
    try:
        decisions = [Decision(int(d["contact_id"]), int(d["turn"]), str(d["kind"]),
                              None if d.get("time") is None else float(d["time"])) for d in doc["decisions"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SaveError(f"decisions: expected contact_id, turn, kind and time in each ({exc})") from exc
    trainee = ScriptedResponder(decisions, timed=True)
    centre = Centre(scen, seed=int(doc["seed"]), trainee=trainee)
    for c in doc["commands"]:
        t = float(c["time"])
        if c["type"] == "policy":
            cmd: Command = SetPolicy(c["key"], c["value"])
        elif c["type"] == "take_calls":
            cmd = TakeCalls(c["agent_id"])
        else:
            raise SaveError(f"commands: unknown command type {c.get('type')!r}")
        if t <= 0:
            centre.apply(cmd)
        else:
            centre.schedule(t, cmd)
    centre.finish(hand_back=False)
    return result_of(centre, play)
