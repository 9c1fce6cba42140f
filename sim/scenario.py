"""Scenarios: TOML files validated on load into frozen dataclasses.

A scenario file describes one shift: arrivals per channel and interval, the
customer mix, the team, the policies, scoring and scripted events.  Customer
segments, goals, channels and the response-effect table come from the catalog
in ``assets/catalog/``; a scenario may override or add entries with tables of
the same name.  All times are in seconds; money is in the scenario's currency.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.resources
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import Problem, ScenarioError
from .tomlread import MISSING, Reader, read_toml as _read_toml

CHANNELS = ("phone", "chat", "email", "web")
CARP_STEPS = ("control", "acknowledge", "refocus", "problem_solve", "")
OUTCOMES = ("", "answer", "escalate", "transfer", "follow_up")
PROMISES = ("", "realistic", "over")
ESCALATION_PATHS = ("supervisor", "transfer", "none")
HIRING_PROFILES = ("balanced", "friendly", "trainable", "competent")
PLAYBOOKS = ("carp", "fast_and_friendly", "by_the_script")
MODES = ("full", "pure_queue")


def assets_dir() -> Path:
    """Where scenarios, the catalog, dialogue, fonts and templates live (``SERVICEFLOOR_ASSETS`` overrides).

    An installed copy (a wheel, pip or pipx) carries them as the package data ``sim/_assets``, found
    through importlib.resources; a source checkout keeps them in ``assets/`` beside ``sim/`` (the
    repository layout), mapped to ``sim/_assets`` only when a wheel is built (pyproject.toml).
    """
    env = os.environ.get("SERVICEFLOOR_ASSETS")
    if env:
        return Path(env)
    return _packaged_assets()


@functools.lru_cache(maxsize=1)
def _packaged_assets() -> Path:
    installed = importlib.resources.files("sim").joinpath("_assets")
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parent.parent / "assets"


# ---------------------------------------------------------------------------
# Catalog entries
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Channel:
    id: str
    name: str
    realtime: bool  # phone and chat: the customer waits on the line and may hang up
    sl_threshold_s: float  # answered within this counts toward the service level
    turn_factor: float  # multiplies the seconds of each conversation turn
    effort: float  # frustration added just by having to use this channel (0-100 scale)


@dataclass(frozen=True, kw_only=True)
class Segment:
    id: str
    name: str
    lifetime_value: float  # money the customer is worth if retained
    jargon_tolerance: float  # 0 = jargon confuses and annoys, 1 = wants technical precision
    speed_expectation_s: float  # waiting longer than this starts to frustrate
    patience_mean_s: float  # mean time a calm customer waits before hanging up
    frustration_mean: float  # 0-100 at first contact, before the goal's own boost
    frustration_sd: float
    trust_mean: float  # 0-100
    hurdle: float  # emotional hurdle: above this frustration, problem-solving mostly fails
    retention_base: float  # chance of staying after a flawless contact
    retry_probability: float  # chance an abandoning customer tries again later
    history_probability: float  # chance the customer has earlier contacts on file
    goals: tuple[tuple[str, float], ...]  # goal id and weight


@dataclass(frozen=True, kw_only=True)
class Goal:
    id: str
    name: str
    knowledge: str  # knowledge area the agent needs
    wants: str  # what the customer wants, in their words
    goal_met: str  # what "goal met" means for the customer
    handle_mean_s: float  # mean work time to solve it, lognormal
    handle_cv: float  # coefficient of variation of that work time
    authority_probability: float  # share of these customers whose fix costs money
    authority_mean: float  # mean money the fix needs (refund, credit)
    frustration_boost: float  # added to the segment's starting frustration
    complexity: float  # 0-1: how easy it is to get the answer wrong
    needs_acknowledgement: bool  # goal unmet unless the agent acknowledged what went wrong
    opens_case: bool  # the fix needs follow-up work after the contact


@dataclass(frozen=True, kw_only=True)
class ResponseKind:
    """One row of the response-effect table: what a kind of response does.

    Effects depend on the customer's state through these fields, never through
    code specific to one response: ``frustration`` applies when the customer is
    below the emotional hurdle, ``frustration_hot`` above it; ``hot_factor``
    scales problem-solving effects above the hurdle; ``jargon`` is scaled by
    how little jargon the segment tolerates.
    """

    id: str
    label: str
    carp: str
    seconds: float
    frustration: float
    frustration_hot: float
    trust: float
    trust_hot: float  # change in trust above the hurdle (defaults to `trust`)
    understanding: float  # progress toward knowing the real problem (0-1), times competence
    feelings: float  # progress toward knowing what the customer feels and why (0-1)
    hot_factor: float
    jargon: float  # + hurts customers who do not tolerate jargon; - (plain language) helps them
    decay: float  # each repeat of the same kind in one contact multiplies its effect by this
    outcome: str  # "", answer, escalate, transfer, follow_up
    accuracy: float  # shift to the chance an answer is correct (verify +, quick -)
    work_factor: float  # share of the goal's work time this answer spends (quick < 1)
    cost: float  # money spent (meaningful gesture)
    promise: str  # "", realistic, over
    survey: float  # immediate pleasantness: shifts the post-contact survey only
    needs_acknowledged: bool  # works only after an acknowledgement or apology
    retention: float  # direct change to retention probability (gesture after apology)
    marks: str  # "", acknowledged, apologised: what the customer will remember hearing; heard: they had their say
    lesson: str  # lesson id this response teaches


# ---------------------------------------------------------------------------
# Scenario parts
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Team:
    friendliness_mean: float
    competence_mean: float
    trainability_mean: float
    trait_sd: float
    tenure_weeks_mean: float
    weeks_on_policy: float  # how long the training policy has been running
    knowledge: tuple[str, ...]  # knowledge areas
    supervisor_delay_s: float  # mean wait for a supervisor to pick up an escalation
    supervisor_handle_s: float
    cost_per_agent_hour: float
    stress_per_hard_contact: float
    stress_recovery_s: float


@dataclass(frozen=True, kw_only=True)
class Policies:
    staffing: tuple[int, ...]  # agents on shift per interval
    channels_open: tuple[str, ...]
    callbacks: bool  # offer a callback instead of holding when the wait is long
    callback_after_s: float
    hold_messages: bool  # "your call is important to us" while on hold
    authority_limit: float  # money an agent may spend without a supervisor
    escalation: str  # supervisor, transfer, none
    priority: tuple[str, ...]  # segment ids, first served first
    wrap_up_s: float
    written_procedures: bool
    training_hours_per_week: float
    hiring_profile: str
    sunset_rule: bool  # every open case gets a response by the end of the day
    playbook: str
    show_history: bool
    supervisors: int


POLICY_KEYS = tuple(f.name for f in fields(Policies))


@dataclass(frozen=True, kw_only=True)
class Scoring:
    loyalty_weight: float
    speed_weight: float
    accuracy_weight: float
    stars: tuple[float, float, float]  # overall score for 1, 2, 3 stars
    service_level_target: float  # e.g. 0.8 for "80 % within the threshold"
    rework_cost: float  # money per repeat contact
    complaint_rate: float  # share of churned customers who complain directly
    word_of_mouth_churned: float  # people a churned customer tells
    word_of_mouth_happy: float  # people a delighted customer tells


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: str  # surge, agent_sick, announce
    time_s: float
    end_s: float
    message: str
    channels: tuple[str, ...]
    multiplier: float  # surge: arrival-rate multiplier
    frustration: float  # surge: extra starting frustration of customers arriving in it
    agents: int  # agent_sick: how many agents leave


@dataclass(frozen=True, kw_only=True)
class Objective:
    """A goal of the scenario; measurable when `metric` names a score (e.g. "speed.service_level")."""

    text: str
    metric: str = ""  # dotted path into the scores (sim.scores.compute)
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True, kw_only=True)
class ScriptedCustomer:
    """A customer written into the scenario (tutorials, the three-representatives story)."""

    arrival_s: float
    channel: str
    segment: str
    goal: str
    frustration: float  # 0-100 at arrival
    trust: float  # 0-100
    need: float  # money the fix needs
    history: int  # earlier contacts on file
    note: str  # what the trainee is told about this customer


@dataclass(frozen=True, kw_only=True)
class PureQueue:
    """Queue-only mode: exponential handle time and patience, no conversations."""

    handle_mean_s: float
    patience_mean_s: float | None  # None: nobody abandons (Erlang C)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    id: str
    name: str
    source: str  # file it was loaded from
    briefing: str
    difficulty: int
    objectives: tuple[str, ...]  # the objectives' texts, as the trainee reads them
    levers: tuple[str, ...]
    mode: str
    interval_s: float
    start_clock: str
    drain_s: float  # after the last interval, how long the floor keeps working
    arrivals: Mapping[str, tuple[float, ...]]  # contacts per hour per interval, per channel
    segment_mix: Mapping[str, float]
    channels: Mapping[str, Channel]
    segments: Mapping[str, Segment]
    goals: Mapping[str, Goal]
    responses: Mapping[str, ResponseKind]
    team: Team
    policies: Policies
    scoring: Scoring
    events: tuple[Event, ...]
    pure: PureQueue | None
    scripted: tuple[ScriptedCustomer, ...] = ()
    targets: tuple["Objective", ...] = ()  # every objective, with its metric when measurable
    # a tutorial: the trainee plays agent 0 from the start, the clock waits for each choice and a coach
    # names the CARP step (`sim.coach`).  How it is shown, not how the shift runs: not in the digest.
    tutorial: bool = field(default=False, repr=False)
    digest: str = field(default="", compare=False)

    @property
    def intervals(self) -> int:
        return len(self.policies.staffing)

    @property
    def horizon_s(self) -> float:
        return self.intervals * self.interval_s

    @property
    def trainee_alone(self) -> bool:
        """The trainee is the team: they take the first agent's calls and the clock waits for each choice.

        Tutorials, and any scenario with conversations and at most one agent on shift (stories such as
        three_reps); a tutorial also shows the coach.
        """
        return self.tutorial or (self.mode == "full" and max(self.policies.staffing, default=0) <= 1)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------




def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _override(catalog: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """Catalog entries with a scenario's entries of the same id laid over them, key by key.

    A key the scenario sets replaces the catalog's value whole: a segment's ``goals``
    table in a scenario is the segment's new goal mix, not added to the catalog's.
    """
    out = copy.deepcopy(catalog)
    for entry_id, entry in scenario.items():
        base = out.get(entry_id)
        if isinstance(entry, dict) and isinstance(base, dict):
            out[entry_id] = {**base, **copy.deepcopy(entry)}
        else:
            out[entry_id] = copy.deepcopy(entry)
    return out


# The sane range of every size in a scenario (docs/scenarios.md, "Ranges"): enough for any real
# contact centre's day, small enough that a typo cannot ask for a run that never ends.
DAY_S = 86_400.0  # any duration: patience, handling, an interval, the drain
WEEK_S = 7 * DAY_S  # the longest interval (one long interval is how a queue is validated against Erlang)
MAX_INTERVALS = 336  # staffing intervals in a shift: a week of half hours
MAX_HORIZON_S = MAX_INTERVALS * DAY_S  # a time within the shift, whatever its intervals
MAX_AGENTS = 1000  # agents on shift in one interval (also supervisors, agents an event removes)
MAX_RATE_PER_HOUR = 20_000.0  # contacts per hour on one channel in one interval
MAX_MONEY = 10_000_000.0  # any amount of money: a need, an authority limit, a customer's value


def _valid_clock(text: str) -> bool:
    """'HH:MM' with 00 <= HH <= 23 and 00 <= MM <= 59."""
    hours, sep, minutes = text.partition(":")
    return (sep == ":" and len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()
            and int(hours) < 24 and int(minutes) < 60)


def _channel(r: Reader, cid: str) -> Channel:
    c = Channel(
        id=cid,
        name=r.text("name", cid),
        realtime=r.boolean("realtime"),
        sl_threshold_s=r.number("sl_threshold_s", positive=True, hi=DAY_S),
        turn_factor=r.number("turn_factor", 1.0, positive=True, hi=20.0),
        effort=r.number("effort", 0.0, lo=0.0, hi=100.0),
    )
    r.done()
    return c


def _segment(r: Reader, sid: str) -> Segment:
    goals = r.weights("goals")
    s = Segment(
        id=sid,
        name=r.text("name", sid),
        lifetime_value=r.number("lifetime_value", lo=0.0, hi=MAX_MONEY),
        jargon_tolerance=r.probability("jargon_tolerance"),
        speed_expectation_s=r.number("speed_expectation_s", positive=True, hi=DAY_S),
        patience_mean_s=r.number("patience_mean_s", positive=True, hi=DAY_S),
        frustration_mean=r.number("frustration_mean", lo=0.0, hi=100.0),
        frustration_sd=r.number("frustration_sd", 10.0, lo=0.0, hi=100.0),
        trust_mean=r.number("trust_mean", 60.0, lo=0.0, hi=100.0),
        hurdle=r.number("hurdle", 45.0, lo=0.0, hi=100.0),
        retention_base=r.probability("retention_base", 0.9),
        retry_probability=r.probability("retry_probability", 0.5),
        history_probability=r.probability("history_probability", 0.3),
        goals=tuple(goals.items()),
    )
    r.done()
    return s


def _goal(r: Reader, gid: str) -> Goal:
    g = Goal(
        id=gid,
        name=r.text("name", gid),
        knowledge=r.text("knowledge"),
        wants=r.text("wants", ""),
        goal_met=r.text("goal_met", ""),
        handle_mean_s=r.number("handle_mean_s", positive=True, hi=DAY_S),
        handle_cv=r.number("handle_cv", 0.5, lo=0.0, hi=3.0),
        authority_probability=r.probability("authority_probability", 0.0),
        authority_mean=r.number("authority_mean", 0.0, lo=0.0, hi=MAX_MONEY),
        frustration_boost=r.number("frustration_boost", 0.0, lo=-100.0, hi=100.0),
        complexity=r.probability("complexity", 0.3),
        needs_acknowledgement=r.boolean("needs_acknowledgement", False),
        opens_case=r.boolean("opens_case", False),
    )
    r.done()
    return g


def _response(r: Reader, rid: str) -> ResponseKind:
    k = ResponseKind(
        id=rid,
        label=r.text("label", rid),
        carp=r.text("carp", "", choices=CARP_STEPS),
        seconds=r.number("seconds", positive=True, hi=DAY_S),
        frustration=r.number("frustration", 0.0, lo=-100.0, hi=100.0),
        frustration_hot=r.number("frustration_hot", r.data.get("frustration", 0.0), lo=-100.0, hi=100.0),
        trust=r.number("trust", 0.0, lo=-100.0, hi=100.0),
        trust_hot=r.number("trust_hot", r.data.get("trust", 0.0), lo=-100.0, hi=100.0),
        understanding=r.number("understanding", 0.0, lo=-1.0, hi=1.0),
        feelings=r.probability("feelings", 0.0),
        hot_factor=r.probability("hot_factor", 1.0),
        jargon=r.number("jargon", 0.0, lo=-1.0, hi=1.0),
        decay=r.probability("decay", 0.6),
        outcome=r.text("outcome", "", choices=OUTCOMES),
        accuracy=r.number("accuracy", 0.0, lo=-1.0, hi=1.0),
        work_factor=r.number("work_factor", 1.0, lo=0.0, hi=3.0),
        cost=r.number("cost", 0.0, lo=0.0, hi=MAX_MONEY),
        promise=r.text("promise", "", choices=PROMISES),
        survey=r.number("survey", 0.0, lo=-2.0, hi=2.0),
        needs_acknowledged=r.boolean("needs_acknowledged", False),
        retention=r.number("retention", 0.0, lo=-1.0, hi=1.0),
        marks=r.text("marks", "", choices=("", "acknowledged", "apologised", "heard")),
        lesson=r.text("lesson", ""),
    )
    r.done()
    return k


def _table_of(r: Reader, name: str, build: Any) -> dict[str, Any]:
    sub = r.sub(name)
    out = {}
    for key in sub.data:
        sub.seen.add(key)
        out[key] = build(sub.sub(key), key)
    return out


def _team(r: Reader) -> Team:
    t = Team(
        friendliness_mean=r.probability("friendliness_mean", 0.6),
        competence_mean=r.probability("competence_mean", 0.6),
        trainability_mean=r.probability("trainability_mean", 0.6),
        trait_sd=r.number("trait_sd", 0.15, lo=0.0, hi=0.5),
        tenure_weeks_mean=r.number("tenure_weeks_mean", 52.0, lo=0.0, hi=2600.0),
        weeks_on_policy=r.number("weeks_on_policy", 8.0, lo=0.0, hi=520.0),
        knowledge=r.texts("knowledge", ("billing", "product", "orders", "accounts")),
        supervisor_delay_s=r.number("supervisor_delay_s", 180.0, lo=0.0, hi=DAY_S),
        supervisor_handle_s=r.number("supervisor_handle_s", 300.0, positive=True, hi=DAY_S),
        cost_per_agent_hour=r.number("cost_per_agent_hour", 30.0, lo=0.0, hi=10_000.0),
        stress_per_hard_contact=r.probability("stress_per_hard_contact", 0.15),
        stress_recovery_s=r.number("stress_recovery_s", 900.0, positive=True, hi=DAY_S),
    )
    r.done()
    return t


def _policies(r: Reader, segments: Mapping[str, Segment] | None) -> Policies:
    before = len(r.problems)
    staffing = r.numbers("staffing", lo=0, hi=MAX_AGENTS, integer=True, max_items=MAX_INTERVALS)
    if staffing and len(r.problems) == before and max(staffing) <= 0:
        r.fail("staffing", "expected at least one interval with an agent on shift")
    seg_ids = list(segments) if segments is not None else None
    p = Policies(
        staffing=staffing,
        channels_open=r.texts("channels_open", CHANNELS, choices=CHANNELS),
        callbacks=r.boolean("callbacks", False),
        callback_after_s=r.number("callback_after_s", 120.0, lo=0.0, hi=DAY_S),
        hold_messages=r.boolean("hold_messages", False),
        authority_limit=r.number("authority_limit", 50.0, lo=0.0, hi=MAX_MONEY),
        escalation=r.text("escalation", "supervisor", choices=ESCALATION_PATHS),
        priority=r.texts("priority", (), choices=seg_ids),
        wrap_up_s=r.number("wrap_up_s", 30.0, lo=0.0, hi=3600.0),
        written_procedures=r.boolean("written_procedures", False),
        training_hours_per_week=r.number("training_hours_per_week", 0.0, lo=0.0, hi=20.0),
        hiring_profile=r.text("hiring_profile", "balanced", choices=HIRING_PROFILES),
        sunset_rule=r.boolean("sunset_rule", False),
        playbook=r.text("playbook", "carp", choices=PLAYBOOKS),
        show_history=r.boolean("show_history", True),
        supervisors=r.number("supervisors", 1, lo=0, hi=MAX_AGENTS, integer=True),
    )
    if not p.channels_open and r.has("channels_open"):
        r.fail("channels_open", "expected at least one open channel")
    r.done()
    return p


def _scoring(r: Reader) -> Scoring:
    before = len(r.problems)
    stars = r.numbers("stars", (50.0, 70.0, 85.0), lo=0.0, hi=100.0)
    if len(r.problems) > before:
        stars = (50.0, 70.0, 85.0)  # already reported
    elif len(stars) != 3 or list(stars) != sorted(stars):
        r.fail("stars", f"expected three increasing scores for 1, 2 and 3 stars, got {list(stars)!r}")
        stars = (50.0, 70.0, 85.0)
    s = Scoring(
        loyalty_weight=r.number("loyalty_weight", 0.4, lo=0.0, hi=100.0),
        speed_weight=r.number("speed_weight", 0.3, lo=0.0, hi=100.0),
        accuracy_weight=r.number("accuracy_weight", 0.3, lo=0.0, hi=100.0),
        stars=(float(stars[0]), float(stars[1]), float(stars[2])),
        service_level_target=r.probability("service_level_target", 0.8),
        rework_cost=r.number("rework_cost", 8.0, lo=0.0, hi=MAX_MONEY),
        complaint_rate=r.probability("complaint_rate", 0.04),
        word_of_mouth_churned=r.number("word_of_mouth_churned", 9.0, lo=0.0, hi=1000.0),
        word_of_mouth_happy=r.number("word_of_mouth_happy", 3.0, lo=0.0, hi=1000.0),
    )
    if s.loyalty_weight + s.speed_weight + s.accuracy_weight <= 0:
        r.fail("loyalty_weight", "expected the three score weights to add up to more than 0")
    r.done()
    return s


def _events(r: Reader, name: str) -> tuple[Event, ...]:
    raw = r.raw(name, [])
    if not isinstance(raw, list):
        r.fail(name, "expected an array of tables ([[events]])")
        return ()
    out = []
    for i, item in enumerate(raw):
        e = Reader(r.file, item, f"{name}[{i}]", r.problems)
        kind = e.text("kind", choices=("surge", "agent_sick", "announce"))
        start = e.number("time_s", lo=0.0, hi=MAX_HORIZON_S)
        ev = Event(
            kind=kind,
            time_s=start,
            end_s=e.number("end_s", start, lo=0.0, hi=MAX_HORIZON_S),
            message=e.text("message", ""),
            channels=e.texts("channels", CHANNELS, choices=CHANNELS),
            multiplier=e.number("multiplier", 1.0, lo=0.0, hi=100.0),
            frustration=e.number("frustration", 0.0, lo=-100.0, hi=100.0),
            agents=e.number("agents", 1, lo=0, hi=MAX_AGENTS, integer=True),
        )
        if ev.end_s < ev.time_s:
            e.fail("end_s", f"expected end_s at or after time_s ({ev.time_s:g}), got {ev.end_s:g}")
        e.done()
        out.append(ev)
    return tuple(out)


def load_catalog(problems: list[Problem], folder: Path | None = None) -> dict[str, Any]:
    """Read the shared catalog files into one raw dict (validated with the scenario)."""
    folder = folder or assets_dir() / "catalog"
    raw: dict[str, Any] = {}
    for name in ("channels", "customers", "responses"):
        path = folder / f"{name}.toml"
        data = _read_toml(path, problems)
        for section, table in data.items():
            raw.setdefault(section, {})
            if isinstance(table, dict):
                raw[section] = _merge(raw[section], table)
    return raw


_CATALOG_CACHE: dict[str, tuple[dict[str, Any], list[Problem]]] = {}


def _catalog_checked(folder: Path) -> tuple[dict[str, Any], list[Problem]]:
    key = str(folder)
    if key not in _CATALOG_CACHE:
        problems: list[Problem] = []
        raw = load_catalog(problems, folder)
        # validate the catalog on its own so that errors name its files
        for section, build, fname in (
            ("channels", _channel, "channels.toml"),
            ("segments", _segment, "customers.toml"),
            ("goals", _goal, "customers.toml"),
            ("responses", _response, "responses.toml"),
        ):
            r = Reader(str(folder / fname), {section: raw.get(section, {})}, "", problems)
            _table_of(r, section, build)
        _CATALOG_CACHE[key] = (raw, problems)
    return _CATALOG_CACHE[key]


def parse_scenario(data: dict[str, Any], source: str, catalog_dir: Path | None = None) -> Scenario:
    """Validate a parsed scenario dict; raise ScenarioError listing every problem."""
    folder = catalog_dir or assets_dir() / "catalog"
    catalog, cat_problems = _catalog_checked(folder)
    problems: list[Problem] = list(cat_problems)
    if cat_problems:
        raise ScenarioError(problems)
    top = Reader(source, data, "", problems)

    merged = {sec: _override(catalog.get(sec, {}), data.get(sec, {}) if isinstance(data.get(sec, {}), dict) else {})
              for sec in ("channels", "segments", "goals", "responses")}
    for sec in ("channels", "segments", "goals", "responses"):
        if sec in data and not isinstance(data[sec], dict):
            top.fail(sec, "expected a table")
        top.seen.add(sec)
    mr = Reader(source, merged, "", problems)
    channels = _table_of(mr, "channels", _channel)
    segments = _table_of(mr, "segments", _segment)
    goals = _table_of(mr, "goals", _goal)
    responses = _table_of(mr, "responses", _response)

    info = top.sub("scenario", required=True)
    mode = info.text("mode", "full", choices=MODES)
    scen_id = info.text("id", Path(source).stem)
    name = info.text("name", scen_id)
    briefing = info.text("briefing", "")
    difficulty = info.number("difficulty", 1, lo=1, hi=5, integer=True)
    targets = _objectives(info)
    objectives = tuple(t.text for t in targets)
    interval_s = info.number("interval_s", 1800.0, positive=True, hi=WEEK_S)
    before = len(problems)
    start_clock = info.text("start_clock", "08:00")
    if len(problems) == before and not _valid_clock(start_clock):
        info.fail("start_clock", f"expected a time of day as \"HH:MM\" (00:00 to 23:59), got {start_clock!r}")
    drain_s = info.number("drain_s", 7200.0, lo=0.0, hi=DAY_S)
    levers = info.texts("levers", (), choices=POLICY_KEYS)
    tutorial = info.boolean("tutorial", False)
    if tutorial and mode == "pure_queue":
        info.fail("tutorial", "a tutorial needs conversations: not allowed with mode = \"pure_queue\"")
    info.done()

    policies = _policies(top.sub("policies", required=True), segments)
    team = _team(top.sub("team"))
    scoring = _scoring(top.sub("scoring"))
    events = _events(top, "events")

    arr = top.sub("arrivals", required=True)
    before = len(problems)
    arrivals: dict[str, tuple[float, ...]] = {}
    for ch in list(arr.data):
        if ch not in CHANNELS:
            arr.seen.add(ch)
            arr.fail(ch, f"unknown channel (expected one of {', '.join(CHANNELS)})")
            continue
        rates = arr.numbers(ch, lo=0.0, hi=MAX_RATE_PER_HOUR, max_items=MAX_INTERVALS)
        if rates and policies.staffing and len(rates) != len(policies.staffing):
            arr.fail(ch, f"expected {len(policies.staffing)} rates (one per staffing interval), got {len(rates)}")
        arrivals[ch] = tuple(float(x) for x in rates)
    if not arrivals and not any(p.key.startswith("arrivals") for p in problems):
        arr.fail("", "expected at least one channel with arrival rates")
    if (arrivals and len(problems) == before and all(sum(v) <= 0 for v in arrivals.values())
            and not _has_scripted(data)):
        arr.fail("", "expected at least one arrival rate above 0 (or scripted customers)")
    arr.done()

    cust = top.sub("customers")
    mix = cust.weights("mix", {sid: 1.0 for sid in segments})
    for sid in mix:
        if sid not in segments:
            cust.fail(f"mix.{sid}", f"refers to a segment that is not defined (defined: {', '.join(segments)})")
    scripted = _scripted(cust, segments, goals, channels)
    horizon = interval_s * len(policies.staffing)
    for i, sc in enumerate(scripted):
        if horizon > 0 and sc.arrival_s >= horizon:
            cust.fail(f"scripted[{i}].arrival_s",
                      f"expected a time before the end of the shift ({horizon:g} s), got {sc.arrival_s:g}")
    cust.done()

    for sid, seg in segments.items():
        for gid, _w in seg.goals:
            if gid not in goals:
                problems.append(Problem(source, f"segments.{sid}.goals.{gid}",
                                        f"refers to a goal that is not defined (defined: {', '.join(goals)})"))
        if not seg.goals:
            problems.append(Problem(source, f"segments.{sid}.goals", "expected at least one goal"))
    for gid, goal in goals.items():
        if team.knowledge and goal.knowledge not in team.knowledge:
            problems.append(Problem(source, f"goals.{gid}.knowledge",
                                    f"expected one of the team's knowledge areas ({', '.join(team.knowledge)}), got {goal.knowledge!r}"))

    pure = None
    pq = top.sub("pure_queue")
    if mode == "pure_queue":
        patience = pq.number("patience_mean_s", 0.0, lo=0.0, hi=DAY_S)
        pure = PureQueue(handle_mean_s=pq.number("handle_mean_s", positive=True, hi=DAY_S),
                         patience_mean_s=patience or None)
        if len(arrivals) != 1:
            problems.append(Problem(source, "arrivals", "expected exactly one channel in pure_queue mode"))
    elif pq.data:
        pq.fail("", "only allowed when scenario.mode = \"pure_queue\"")
        pq.seen.update(pq.data)
    pq.done()
    top.done()

    if problems:
        raise ScenarioError(problems)
    scen = Scenario(
        id=scen_id, name=name, source=source, briefing=briefing, difficulty=difficulty,
        objectives=objectives, levers=levers, mode=mode, interval_s=interval_s,
        start_clock=start_clock, drain_s=drain_s, arrivals=arrivals, segment_mix=mix,
        channels=channels, segments=segments, goals=goals, responses=responses, team=team,
        policies=policies, scoring=scoring, events=events, pure=pure, scripted=scripted, targets=targets,
        tutorial=tutorial,
    )
    check_run_size(scen, source)
    return replace(scen, digest=scenario_digest(scen))


OBJECTIVE_SECTIONS = ("speed", "accuracy", "loyalty", "overall", "money", "staff_cost", "team")


def _objectives(r: Reader) -> tuple[Objective, ...]:
    """Objectives: plain strings, or tables {text, metric, at_least | at_most}."""
    raw = r.raw("objectives", [])
    if not isinstance(raw, list):
        r.fail("objectives", "expected a list of strings or tables")
        return ()
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            out.append(Objective(text=item))
            continue
        e = Reader(r.file, item, r.key(f"objectives[{i}]"), r.problems)
        text = e.text("text")
        metric = e.text("metric")
        if metric and metric.split(".")[0] not in OBJECTIVE_SECTIONS:
            e.fail("metric", f"expected a score path starting with one of {', '.join(OBJECTIVE_SECTIONS)}, got {metric!r}")
        lo = e.number("at_least", None) if e.has("at_least") else None
        hi = e.number("at_most", None) if e.has("at_most") else None
        if (lo is None) == (hi is None):
            e.fail("at_least", "expected exactly one of at_least or at_most")
        e.done()
        out.append(Objective(text=text, metric=metric, at_least=lo, at_most=hi))
    return tuple(out)


def _has_scripted(data: Any) -> bool:
    cust = data.get("customers") if isinstance(data, dict) else None
    return isinstance(cust, dict) and bool(cust.get("scripted"))


def _scripted(r: Reader, segments: Mapping[str, Segment], goals: Mapping[str, Goal],
              channels: Mapping[str, Channel]) -> tuple[ScriptedCustomer, ...]:
    raw = r.raw("scripted", [])
    if not isinstance(raw, list):
        r.fail("scripted", "expected an array of tables ([[customers.scripted]])")
        return ()
    out = []
    for i, item in enumerate(raw):
        e = Reader(r.file, item, r.key(f"scripted[{i}]"), r.problems)
        sc = ScriptedCustomer(
            arrival_s=e.number("arrival_s", 0.0, lo=0.0, hi=MAX_HORIZON_S),
            channel=e.text("channel", "phone", choices=list(channels)),
            segment=e.text("segment", choices=list(segments)),
            goal=e.text("goal", choices=list(goals)),
            frustration=e.number("frustration", 30.0, lo=0.0, hi=100.0),
            trust=e.number("trust", 50.0, lo=0.0, hi=100.0),
            need=e.number("need", 0.0, lo=0.0, hi=MAX_MONEY),
            history=e.number("history", 0, lo=0, hi=1000, integer=True),
            note=e.text("note", ""),
        )
        e.done()
        out.append(sc)
    return tuple(out)


def scenario_digest(scen: Scenario) -> str:
    """A short hash of everything that shapes a run (not the file name)."""
    text = repr(replace(scen, source="", digest=""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file; raises ScenarioError naming file, key and expectation."""
    p = Path(path)
    if not p.exists() and not p.suffix:
        candidate = assets_dir() / "scenarios" / f"{p.name}.toml"
        if candidate.exists():
            p = candidate
    problems: list[Problem] = []
    if not p.exists() and not p.suffix and p.parent == Path("."):
        shipped = ", ".join(q.stem for q in list_scenarios())
        raise ScenarioError([Problem(str(path), "", f"no such scenario: expected a scenario file or one of "
                                                    f"the shipped scenarios ({shipped})")])
    data = _read_toml(p, problems)
    if problems:
        raise ScenarioError(problems)
    return parse_scenario(data, str(path) if p == Path(path) else str(p))


def list_scenarios() -> list[Path]:
    """Every scenario file shipped in assets/scenarios, sorted by name."""
    return sorted((assets_dir() / "scenarios").glob("*.toml"))


# ---------------------------------------------------------------------------
# How big a run is, before it starts
# ---------------------------------------------------------------------------

MAX_CONTACTS = 500_000  # expected contacts of one run: about a minute on a laptop; beyond, a flag
MAX_PURE_CONTACTS = 5_000_000  # pure-queue contacts cost a few microseconds each (no conversation)
ALLOW_LARGE_ENV = "SERVICEFLOOR_ALLOW_LARGE"


def expected_contacts(scen: Scenario) -> float:
    """The mean number of contacts a run brings (arrival rates x interval lengths, surges included)."""
    total = float(len(scen.scripted))
    hours = scen.interval_s / 3600.0
    for ch, rates in scen.arrivals.items():
        for i, rate in enumerate(rates):
            a, b = i * scen.interval_s, (i + 1) * scen.interval_s
            extra = sum((e.multiplier - 1.0) * max(0.0, min(b, e.end_s) - max(a, e.time_s)) / scen.interval_s
                        for e in scen.events if e.kind == "surge" and ch in e.channels)
            total += rate * hours * max(0.0, 1.0 + extra)
    return total


def check_run_size(scen: Scenario, source: str) -> None:
    """Refuse a scenario whose run would not finish on a laptop, saying why and how to run it anyway."""
    if os.environ.get(ALLOW_LARGE_ENV) == "1":
        return
    n = expected_contacts(scen)
    limit = MAX_PURE_CONTACTS if scen.mode == "pure_queue" else MAX_CONTACTS
    if n > limit:
        raise ScenarioError([Problem(source, "arrivals", (
            f"this shift would bring about {n:,.0f} contacts ({len(scen.policies.staffing)} intervals of "
            f"{scen.interval_s:g} s, up to {max(scen.policies.staffing, default=0)} agents); more than "
            f"{limit:,} takes too long for one run on a laptop. Lower the arrival rates, or run it "
            f"anyway with --allow-large (or {ALLOW_LARGE_ENV}=1)"))])


# ---------------------------------------------------------------------------
# Policy overrides (command line --set, the game's policy panel)
# ---------------------------------------------------------------------------


def parse_value(text: str) -> Any:
    """A command-line value in TOML syntax; bare words are strings, a,b,c is a list."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        pass
    if "," in text:
        return [parse_value(part.strip()) for part in text.split(",") if part.strip()]
    return text


def with_policies(scen: Scenario, overrides: Mapping[str, Any], source: str = "--set") -> Scenario:
    """A copy of `scen` with policies changed; raises ScenarioError for unknown keys or bad values."""
    problems: list[Problem] = []
    raw = {f.name: getattr(scen.policies, f.name) for f in fields(Policies)}
    raw = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
    for key, value in overrides.items():
        if isinstance(value, tuple):
            value = list(value)  # the type Policies itself stores
        if key not in POLICY_KEYS:
            problems.append(Problem(source, key, f"unknown policy (known: {', '.join(POLICY_KEYS)})"))
            continue
        if key == "staffing" and isinstance(value, int) and not isinstance(value, bool):
            value = [value] * len(scen.policies.staffing)
        if key in ("channels_open", "priority") and isinstance(value, str):
            value = [value]
        if isinstance(raw[key], float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        raw[key] = value
    if problems:
        raise ScenarioError(problems)
    policies = _policies(Reader(source, raw, "", problems), scen.segments)
    if len(policies.staffing) != scen.intervals and not problems:
        problems.append(Problem(source, "staffing",
                                f"expected {scen.intervals} values (one per interval), got {len(policies.staffing)}"))
    if problems:
        raise ScenarioError(problems)
    new = replace(scen, policies=policies)
    check_run_size(new, source)
    return replace(new, digest=scenario_digest(new))


def parse_overrides(items: list[str], source: str = "--set") -> dict[str, Any]:
    """Turn ["key=value", ...] into a dict; raises ScenarioError for items without '='."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        if "=" not in item:
            problems.append(Problem(source, item, "expected key=value"))
            continue
        key, _, value = item.partition("=")
        out[key.strip()] = parse_value(value.strip())
    if problems:
        raise ScenarioError(problems)
    return out


__all__ = [
    "CHANNELS", "Channel", "Event", "Goal", "MISSING", "POLICY_KEYS", "Policies", "PureQueue",
    "ResponseKind", "Scenario", "Scoring", "Segment", "Team", "assets_dir", "list_scenarios",
    "load_scenario", "parse_overrides", "parse_scenario", "parse_value", "with_policies",
]
