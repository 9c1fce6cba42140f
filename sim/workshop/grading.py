"""Grading a submitted result: re-run its decisions through the model and score them here.

A trainee's laptop sends a result document (seed, scenario, decisions, policy
commands and the scores it computed).  Nothing in it is trusted: the scenario
is loaded from the shipped assets by id, the seed and the lever rules must
match the workshop session, the decisions are replayed, and the scores stored
are the ones the replay produces.  A claimed score that differs is ignored and
flagged, as are decisions the replay never asked for.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..debrief import trainee_conversations
from ..dialogue import PLAYS, customer_line, line_key, plays_to_try, response_line
from ..errors import SaveError, ScenarioError
from ..runner import RESULT_FORMAT, Result, replay
from ..scenario import Scenario, list_scenarios, load_scenario
from ..scores import objectives
from .client import ENTRY_FORMAT
from .store import Session, Store, StoredResult

MAX_DECISIONS = 20_000
MAX_COMMANDS = 2_000
SCORE_TOLERANCE = 0.011  # scores are rounded to 0.01 before they are sent
CLAIMED_KEYS = ("score", "stars", "loyalty_score", "speed_score", "accuracy_score")


class SubmissionError(ValueError):
    """A submission that cannot be graded; `field` names the part of the document at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a grading worker process, re-raised in the server
        return (SubmissionError, (self.field, self.message))


@dataclass(frozen=True)
class Rules:
    """What a workshop session fixes for every trainee."""

    scenario_id: str
    seed: int
    levers_locked: bool


@dataclass(frozen=True)
class Graded:
    """A replayed submission: the scores computed here and what the debrief needs."""

    digest: str  # identifies the play (seed, scenario, decisions, commands): equal plays, equal digest
    scores: dict[str, Any]
    objectives: list[dict[str, Any]]
    flags: tuple[str, ...]
    choices: tuple[dict[str, Any], ...]  # one per response the trainee chose
    conversations: tuple[dict[str, Any], ...]  # the trainee's conversations, as text


def shipped_scenarios() -> dict[str, str]:
    """Shipped scenario id -> name (the only scenarios a workshop can use)."""
    out = {}
    for p in list_scenarios():
        try:
            out[p.stem] = load_scenario(p).name
        except ScenarioError:
            continue
    return out


def _finite(x: Any, field: str, lo: float = 0.0) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(float(x)) or float(x) < lo:
        raise SubmissionError(field, f"expected a finite number >= {lo:g}, got {x!r}")
    return float(x)


def _int(x: Any, field: str, lo: int = 0) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < lo:
        raise SubmissionError(field, f"expected a whole number >= {lo}, got {x!r}")
    return x


def _decisions(doc: Mapping[str, Any], scen: Scenario) -> list[dict[str, Any]]:
    raw = doc.get("decisions")
    if not isinstance(raw, list):
        raise SubmissionError("decisions", "expected a list")
    if len(raw) > MAX_DECISIONS:
        raise SubmissionError("decisions", f"at most {MAX_DECISIONS} decisions, got {len(raw)}")
    out, seen = [], set()
    for i, d in enumerate(raw):
        where = f"decisions[{i}]"
        if not isinstance(d, Mapping):
            raise SubmissionError(where, "expected an object with contact_id, turn, kind and time")
        kind = d.get("kind")
        if kind not in scen.responses:
            raise SubmissionError(f"{where}.kind", f"expected a response of this scenario, got {kind!r}")
        cid, turn = _int(d.get("contact_id"), f"{where}.contact_id"), _int(d.get("turn"), f"{where}.turn")
        if (cid, turn) in seen:
            raise SubmissionError(where, f"contact {cid} turn {turn} is answered twice")
        seen.add((cid, turn))
        t = d.get("time")
        out.append({"contact_id": cid, "turn": turn, "kind": kind,
                    "time": None if t is None else _finite(t, f"{where}.time")})
    return out


def _commands(doc: Mapping[str, Any], scen: Scenario, rules: Rules) -> list[dict[str, Any]]:
    raw = doc.get("commands", [])
    if not isinstance(raw, list):
        raise SubmissionError("commands", "expected a list")
    if len(raw) > MAX_COMMANDS:
        raise SubmissionError("commands", f"at most {MAX_COMMANDS} commands, got {len(raw)}")
    out = []
    for i, c in enumerate(raw):
        where = f"commands[{i}]"
        if not isinstance(c, Mapping):
            raise SubmissionError(where, "expected an object")
        t = _finite(c.get("time"), f"{where}.time")
        if t > scen.horizon_s * 2:
            raise SubmissionError(f"{where}.time", f"expected a time within the shift, got {t:g}")
        kind = c.get("type")
        if kind == "policy":
            if rules.levers_locked:
                raise SubmissionError(where, "the instructor locked the levers for this session; "
                                             "a result that changes a policy cannot be accepted")
            key = c.get("key")
            if key not in scen.levers:
                raise SubmissionError(f"{where}.key", f"expected one of this scenario's levers "
                                                      f"({', '.join(scen.levers) or 'none'}), got {key!r}")
            out.append({"time": t, "type": "policy", "key": key, "value": c.get("value")})
        elif kind == "take_calls":
            agent = c.get("agent_id")
            if agent is not None:
                _int(agent, f"{where}.agent_id")
            out.append({"time": t, "type": "take_calls", "agent_id": agent})
        else:
            raise SubmissionError(f"{where}.type", f"expected 'policy' or 'take_calls', got {kind!r}")
    return out


def _play(doc: Mapping[str, Any]) -> int:
    """Which play of the scenario and seed the trainee had (0 if the result does not say): it picks the words."""
    play = doc.get("play", 0)
    if isinstance(play, bool) or not isinstance(play, int) or not 0 <= play < PLAYS:
        raise SubmissionError("play", f"expected a whole number from 0 to {PLAYS - 1}, got {play!r}")
    return play


def play_digest(scenario_id: str, seed: int, decisions: list[dict[str, Any]], commands: list[dict[str, Any]]) -> str:
    text = json.dumps([scenario_id, seed, decisions, commands], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def grade(doc: Any, rules: Rules) -> Graded:
    """Check, replay and score a result document; raises SubmissionError with what is wrong."""
    if not isinstance(doc, Mapping):
        raise SubmissionError("result", "expected a JSON object (a ServiceFloor result file)")
    if doc.get("format") != RESULT_FORMAT:
        raise SubmissionError("format", f"expected {RESULT_FORMAT!r}, got {doc.get('format')!r}")
    info = doc.get("scenario")
    sid = info.get("id") if isinstance(info, Mapping) else None
    if sid != rules.scenario_id:
        raise SubmissionError("scenario.id", f"this session plays {rules.scenario_id!r}, the result is for {sid!r}")
    seed = _int(doc.get("seed"), "seed")
    if seed != rules.seed:
        raise SubmissionError("seed", f"this session plays seed {rules.seed}, the result has seed {seed}")
    try:
        scen = load_scenario(rules.scenario_id)
    except ScenarioError as exc:  # a shipped scenario is broken: the server's fault, reported plainly
        raise SubmissionError("scenario", f"the session's scenario cannot be loaded: {exc}") from exc
    decisions = _decisions(doc, scen)
    commands = _commands(doc, scen, rules)
    play = _play(doc)
    flags = []
    try:
        result = replay({"seed": seed, "play": play, "decisions": decisions, "commands": commands}, scen)
    except (SaveError, ScenarioError, ValueError, LookupError, TypeError) as exc:
        raise SubmissionError("decisions", f"the decisions cannot be replayed: {exc}") from exc
    replayed = {(d.contact_id, d.turn, d.kind) for d in result.decisions}
    never = [d for d in decisions if (d["contact_id"], d["turn"], d["kind"]) not in replayed]
    if len(never) == len(decisions):  # no choice of the trainee's counted: the score would be the team's alone
        raise SubmissionError("decisions", "this result holds no answer of the trainee's that the shift asked "
                                           "for, so there is no play of theirs to score; take at least one call")
    if never:
        flags.append(f"{len(never)} of {len(decisions)} decisions were never asked for when the shift was "
                     f"replayed (edited or from another play); they were ignored")
    flags.extend(_claim_flags(doc.get("scores"), result.scores))
    sent = doc.get("policies")
    if isinstance(sent, Mapping):
        own = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(scen.policies).items()}
        if any(k in own and own[k] != v for k, v in sent.items()):
            flags.append("the result claims starting policies other than the scenario's; the scenario's were used")
    conversations = _conversations(result)
    return Graded(play_digest(sid, seed, decisions, commands), result.scores, objectives(result.scores, scen),
                  tuple(flags), tuple(_choices(result, conversations)), tuple(conversations))


def _claim_flags(claimed: Any, scores: Mapping[str, Any]) -> list[str]:
    if not isinstance(claimed, Mapping):
        return ["the result carries no scores of its own"]
    mine, theirs = scores.get("overall", {}), claimed.get("overall")
    if not isinstance(theirs, Mapping):
        return ["the result carries no overall score"]
    out = []
    for k in CLAIMED_KEYS:
        a, b = theirs.get(k), mine.get(k)
        if isinstance(a, bool) or not isinstance(a, (int, float)) or not math.isfinite(a) \
                or abs(float(a) - float(b)) > SCORE_TOLERANCE:
            out.append(f"claimed {k.replace('_', ' ')} {a!r} but the replay scores {b}: the claim was ignored")
    return out


def _conversations(result: Result) -> list[dict[str, Any]]:
    """The trainee's conversations in the words the game showed them (`result.play` picks the words, as in
    `game.voice`): never the same customer line twice in a row, never a wording said before in the call."""
    scen = result.scenario
    plays = plays_to_try(result.play)
    out = []
    for n, conv in enumerate(trainee_conversations(result), start=1):
        lines: list[dict[str, Any]] = []
        cue, said, worded = "opening", "", []
        for step in conv.steps:
            kind = scen.responses.get(step.kind)
            label = kind.label if kind else step.kind
            line = agent = ""
            for play in plays:
                line = _say(customer_line, conv.goal, conv.segment, step.mood_before, cue,
                            line_key(step.contact_id, step.turn, play))
                if line != said:
                    break
            for play in plays:
                agent = _say(response_line, step.kind, conv.segment, conv.goal,
                             line_key(step.contact_id, step.turn, play)) or label
                if agent not in worded:
                    break
            said = line
            worded.append(agent)
            lines.append({
                "turn": step.turn, "kind": step.kind, "label": label, "by_trainee": step.by_trainee,
                "mood": step.mood_before, "hot": step.hot, "cue": step.cue, "verdict": step.verdict,
                "frustration_before": round(step.frustration_before, 1),
                "frustration_after": round(step.frustration_after, 1),
                "customer": line,
                "agent": agent,
            })
            cue = step.cue
        rec = conv.record
        out.append({"ordinal": n, "contact_id": conv.contact_id, "goal": conv.goal, "segment": conv.segment,
                    "channel": conv.channel, "outcome": conv.outcome,
                    "goal_met": bool(rec.get("goal_met")), "survey": rec.get("survey_score"),
                    "retention": rec.get("retention_probability"), "steps": lines})
    return out


def _say(make: Any, *args: Any) -> str:
    """A line of dialogue, or '' if the dialogue has none for this case."""
    try:
        return str(make(*args))
    except (LookupError, ValueError):
        return ""


def _choices(result: Result, conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per response the trainee chose, with the state it was chosen in and what followed."""
    scen = result.scenario
    out = []
    for conv in conversations:
        acknowledged = False
        for i, s in enumerate(conv["steps"]):
            if s["by_trainee"]:
                out.append({"ordinal": conv["ordinal"], "turn": s["turn"], "step": i + 1, "kind": s["kind"],
                            "mood": s["mood"], "hot": s["hot"], "acknowledged": acknowledged,
                            "goal": conv["goal"], "segment": conv["segment"],
                            "delta": round(s["frustration_after"] - s["frustration_before"], 2),
                            "goal_met": conv["goal_met"], "verdict": s["verdict"]})
            kind = scen.responses.get(s["kind"])
            if kind is not None and kind.marks == "acknowledged":
                acknowledged = True
    return out


def rules_of(session: Session) -> Rules:
    """What a stored workshop session fixes for every submission."""
    return Rules(session.scenario, session.seed, session.levers_locked)


def import_entry(store: Store, entry: Any, code: str | None = None) -> tuple[StoredResult, bool]:
    """Grade and store a result file the game saved offline; (result, True) if it is new.

    The file names its session; `code`, when given, is the session it must be for.  The result
    is graded before anyone is added, so a bad file adds nobody.
    """
    if not isinstance(entry, Mapping) or entry.get("format") != ENTRY_FORMAT:
        raise SubmissionError("format", f"expected a workshop result file ({ENTRY_FORMAT!r})")
    s = store.session(str(entry.get("code", "")) if code is None else code)
    if str(entry.get("code", "")).upper() != s.code:
        raise SubmissionError("code", f"this file is for session {entry.get('code')!r}, not {s.code}")
    graded = grade(entry.get("result"), rules_of(s))
    p = store.import_participant(s.code, str(entry.get("name", "")))
    return store.store_result(p, graded, "file", entry.get("result"))

