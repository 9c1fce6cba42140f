"""The scenario loader: every malformed file fails with a ScenarioError naming the
file, the key and what was expected; valid files load exactly what was written;
policy overrides (--set) are checked the same way; the documentation's examples load.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ScenarioError, load_scenario, with_policies
from sim.scenario import (
    CHANNELS,
    POLICY_KEYS,
    Scenario,
    assets_dir,
    list_scenarios,
    parse_overrides,
    parse_scenario,
    parse_value,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "scenarios.md"

# ---------------------------------------------------------------- a tiny TOML writer (tomllib only reads)

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """TOML text for a dict of scalars, lists, tables and arrays of tables."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for k, v in data.items():
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        if isinstance(v, dict):
            tables.append((name, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((name, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for name, table in tables:
        out += f"\n[{name}]\n" + to_toml(table, name)
    for name, items in arrays:
        for item in items:
            out += f"\n[[{name}]]\n" + "\n".join(f"{_key(k)} = {_value(v)}" for k, v in item.items()) + "\n"
    return out


def test_toml_writer_round_trips() -> None:
    d = {"a": 1, "s": 'q"\\ é', "t": {"x": [1.5, -0.0, 1e-7], "u": {"deep": True}}, "e": [{"k": "v"}, {"k": "w"}],
         "when": dt.date(2024, 1, 2), "inl": [{"a": 1}, 2]}
    assert tomllib.loads(to_toml(d)) == d


# ---------------------------------------------------------------- a small valid scenario


def minimal() -> dict[str, Any]:
    """A small valid full-mode scenario: 4 half-hour intervals, two channels."""
    return {
        "scenario": {"id": "mini", "name": "Mini", "interval_s": 1800, "start_clock": "09:00"},
        "arrivals": {"phone": [40, 60, 60, 40], "chat": [10, 20, 20, 10]},
        "customers": {"mix": {"end_user": 0.7, "business": 0.3}},
        "policies": {"staffing": [6, 8, 8, 6]},
    }


def write(tmp_path: Path, data: dict[str, Any] | str, name: str = "broken.toml") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else to_toml(data), encoding="utf-8")
    return p


def problems(path: Path) -> list[tuple[str, str, str]]:
    """(file, key, message) of every problem; fails the test if the file loads."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    out = [(p.file, p.key, p.message) for p in info.value.problems]
    # the exception text is every problem, one a line, each naming file and key
    assert str(info.value).splitlines() == [f"{f}: {k}: {m}" if k else f"{f}: {m}" for f, k, m in out]
    return out


def test_minimal_scenario_loads(tmp_path: Path) -> None:
    scen = load_scenario(write(tmp_path, minimal(), "mini.toml"))
    assert isinstance(scen, Scenario)
    assert scen.intervals == 4 and scen.horizon_s == 4 * 1800
    assert scen.arrivals == {"phone": (40.0, 60.0, 60.0, 40.0), "chat": (10.0, 20.0, 20.0, 10.0)}
    assert scen.source == str(tmp_path / "mini.toml")


def test_every_shipped_scenario_loads() -> None:
    paths = list_scenarios()
    assert {p.stem for p in paths} >= {"calm_weekday", "monday_outage", "pure_queue"}
    for p in paths:
        assert load_scenario(p).id == p.stem
    assert load_scenario("calm_weekday").source == str(assets_dir() / "scenarios" / "calm_weekday.toml")


# ---------------------------------------------------------------- one malformed thing at a time


def _set(path: str, value: Any):
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = d
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return mutate


def _delete(path: str):
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = d
        for p in parents:
            node = node[p]
        del node[last]
    return mutate


def _both(*mutations):
    def mutate(d: dict[str, Any]) -> None:
        for m in mutations:
            m(d)
    return mutate


# (id, mutation, key named, fragments the message must contain)
MALFORMED = [
    ("unknown top-level key", _set("colour", "blue"), "colour", ["unknown key", "known keys:", "policies"]),
    ("unknown nested key (typo)", _set("policies.callbaks", True), "policies.callbaks",
     ["unknown key", "callbacks"]),
    ("unknown key in an event", _set("events", [{"kind": "announce", "time_s": 60, "colour": "red"}]),
     "events[0].colour", ["unknown key"]),
    ("unknown key in a catalog override", _set("segments.end_user.shoe_size", 42), "segments.end_user.shoe_size",
     ["unknown key", "patience_mean_s"]),
    ("wrong type: string for a boolean", _set("policies.callbacks", "yes"), "policies.callbacks",
     ["expected true or false", "'yes'"]),
    ("wrong type: string for a number", _set("policies.authority_limit", "fifty"), "policies.authority_limit",
     ["expected a number", "'fifty'"]),
    ("wrong type: float for an integer", _set("policies.supervisors", 1.5), "policies.supervisors",
     ["expected an integer", "1.5"]),
    ("wrong type: table for a list", _set("arrivals.phone", {"a": 1}), "arrivals.phone", ["expected a list of numbers"]),
    ("wrong type: number for a table", _set("team", 3), "team", ["expected a table", "an integer"]),
    ("negative arrival rate", _set("arrivals.phone", [40, -5, 60, 40]), "arrivals.phone[1]",
     ["between 0 and 20000", "-5"]),
    ("negative time", _set("policies.wrap_up_s", -1), "policies.wrap_up_s", ["between 0 and 3600", "-1"]),
    ("zero interval", _set("scenario.interval_s", 0), "scenario.interval_s", ["greater than 0"]),
    ("not a finite number", _set("policies.authority_limit", math.nan), "policies.authority_limit",
     ["expected a finite number"]),
    ("empty staffing", _set("policies.staffing", []), "policies.staffing", ["non-empty list"]),
    ("staffing all zero", _set("policies.staffing", [0, 0, 0, 0]), "policies.staffing",
     ["at least one interval with an agent"]),
    ("negative staffing", _set("policies.staffing", [6, -1, 8, 6]), "policies.staffing[1]", ["between 0 and 1000"]),
    ("staffing missing", _delete("policies.staffing"), "policies.staffing", ["required but missing"]),
    ("probability above 1", _set("scoring.service_level_target", 1.5), "scoring.service_level_target",
     ["between 0 and 1", "1.5"]),
    ("probability below 0", _set("segments.end_user.retention_base", -0.1), "segments.end_user.retention_base",
     ["between 0 and 1", "-0.1"]),
    ("segment refers to a missing goal", _set("segments.end_user.goals", {"how_to": 1, "time_travel": 2}),
     "segments.end_user.goals.time_travel", ["goal that is not defined", "how_to"]),
    ("mix refers to a missing segment", _set("customers.mix", {"end_user": 1, "aliens": 1}), "customers.mix.aliens",
     ["segment that is not defined"]),
    ("unknown channel in arrivals", _set("arrivals.fax", [1, 1, 1, 1]), "arrivals.fax",
     ["unknown channel", "phone, chat, email, web"]),
    ("arrival list longer than staffing", _set("arrivals.chat", [10, 20, 20, 10, 5]), "arrivals.chat",
     ["expected 4 rates", "got 5"]),
    ("arrival list shorter than staffing", _set("arrivals.phone", [40, 60]), "arrivals.phone",
     ["expected 4 rates", "got 2"]),
    ("no arrivals at all", _set("arrivals", {"phone": [0, 0, 0, 0]}), "arrivals", ["at least one arrival rate above 0"]),
    ("choice not among the options", _set("policies.playbook", "wing_it"), "policies.playbook",
     ["expected one of carp, fast_and_friendly, by_the_script", "'wing_it'"]),
    ("unknown channel open", _set("policies.channels_open", ["phone", "pigeon"]), "policies.channels_open",
     ["one of phone, chat, email, web", "'pigeon'"]),
    ("lever that is not a policy", _set("scenario.levers", ["staffing", "coffee"]), "scenario.levers",
     ["one of staffing", "'coffee'"]),
    ("bad clock", _set("scenario.start_clock", "9 o'clock"), "scenario.start_clock", ['"HH:MM"']),
    ("stars not increasing", _set("scoring.stars", [80, 60, 70]), "scoring.stars", ["three increasing scores"]),
    ("event ends before it starts", _set("events", [{"kind": "surge", "time_s": 600, "end_s": 300}]),
     "events[0].end_s", ["at or after time_s"]),
    ("event of an unknown kind", _set("events", [{"kind": "earthquake", "time_s": 600}]), "events[0].kind",
     ["surge, agent_sick, announce"]),
    ("events not an array of tables", _set("events", {"kind": "surge"}), "events", ["array of tables"]),
    ("pure_queue table in full mode", _set("pure_queue", {"handle_mean_s": 60}), "pure_queue",
     ['only allowed when scenario.mode = "pure_queue"']),
    ("pure_queue mode without handle time", _set("scenario.mode", "pure_queue"), "pure_queue.handle_mean_s",
     ["required but missing"]),
    ("unknown mode", _set("scenario.mode", "turbo"), "scenario.mode", ["full, pure_queue"]),
    ("missing [scenario]", _delete("scenario"), "scenario", ["required but missing", "table"]),
    ("missing [arrivals]", _delete("arrivals"), "arrivals", ["required but missing"]),
    ("scripted customer after the shift",
     _set("customers.scripted", [{"arrival_s": 99999, "segment": "end_user", "goal": "how_to"}]),
     "customers.scripted[0].arrival_s", ["before the end of the shift (7200 s)", "99999"]),
    ("scripted customer of an unknown segment",
     _set("customers.scripted", [{"arrival_s": 60, "segment": "aliens", "goal": "how_to"}]),
     "customers.scripted[0].segment", ["one of end_user", "'aliens'"]),
    ("objective with both bounds", _set("scenario.objectives", [
        {"text": "x", "metric": "speed.service_level", "at_least": 0.5, "at_most": 0.9}]),
     "scenario.objectives[0].at_least", ["exactly one of at_least or at_most"]),
    ("objective measuring an unknown score", _set("scenario.objectives", [
        {"text": "x", "metric": "colour.red", "at_least": 0.5}]),
     "scenario.objectives[0].metric", ["score path starting with one of speed, accuracy, loyalty, overall"]),
    ("goal knowledge the team lacks", _set("team.knowledge", ["billing"]), "goals.faulty_product.knowledge",
     ["team's knowledge areas", "'product'"]),
    ("tutorial not a boolean", _set("scenario.tutorial", "yes"), "scenario.tutorial", ["expected true or false"]),
    ("tutorial without conversations", _both(_set("scenario.tutorial", True), _set("scenario.mode", "pure_queue")),
     "scenario.tutorial", ["needs conversations", "pure_queue"]),
]


@pytest.mark.parametrize(("mutate", "key", "fragments"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_scenario_names_file_key_and_expectation(tmp_path: Path, mutate, key: str, fragments: list[str]) -> None:
    data = minimal()
    mutate(data)
    path = write(tmp_path, data)
    found = problems(path)
    assert all(f == str(path) for f, _, _ in found)
    messages = [m for _, k, m in found if k == key]
    assert messages, f"no problem for key {key!r}; got {found}"
    assert any(all(frag in m for frag in fragments) for m in messages), f"{key}: {messages}"


def test_bad_toml_syntax_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[scenario]\nid = "x"\n\n[policies\nstaffing = [1]\n')
    [(file, key, message)] = problems(path)
    assert file == str(path) and key == ""
    assert "not valid TOML" in message and "line 4" in message


def test_duplicate_key_is_a_toml_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[scenario]\nid = "x"\nid = "y"\n')
    [(_, _, message)] = problems(path)
    assert "not valid TOML" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert problems(path) == [(str(path), "", "file not found")]
    with pytest.raises(ScenarioError, match="no_such_scenario.*no such scenario.*calm_weekday"):
        load_scenario("no_such_scenario")  # a bare name that is no shipped scenario: the shipped ones are listed


def test_a_folder_is_not_a_scenario(tmp_path: Path) -> None:
    [(_, _, message)] = problems(tmp_path)
    assert "folder" in message


def test_every_error_in_one_file_is_reported(tmp_path: Path) -> None:
    data = minimal()
    data["colour"] = "blue"
    data["policies"]["callbacks"] = "yes"
    data["policies"]["staffing"] = [6, -1, 8, 6]
    data["arrivals"]["fax"] = [1, 1, 1, 1]
    data["arrivals"]["chat"] = [10, 20]
    data["scoring"] = {"service_level_target": 1.5}
    data["segments"] = {"end_user": {"goals": {"time_travel": 1}}}
    data["events"] = [{"kind": "surge", "time_s": -5}]
    keys = [k for _, k, _ in problems(write(tmp_path, data))]
    assert sorted(keys) == sorted([
        "colour", "policies.callbacks", "policies.staffing[1]", "arrivals.fax", "arrivals.chat",
        "scoring.service_level_target", "segments.end_user.goals.time_travel", "events[0].time_s",
    ])


def test_one_bad_item_is_reported_once(tmp_path: Path) -> None:
    """A wrong item is not reported a second time as a consequence (no cascades)."""
    data = minimal()
    data["policies"]["staffing"] = [1.5, 2.5, 1.5, 2.5]
    data["scoring"] = {"stars": "many"}
    data["arrivals"] = {"phone": ["a", "b", "c", "d"]}
    found = problems(write(tmp_path, data))
    assert [k for _, k, _ in found] == [
        "policies.staffing[0]", "policies.staffing[1]", "policies.staffing[2]", "policies.staffing[3]",
        "scoring.stars", "arrivals.phone[0]", "arrivals.phone[1]", "arrivals.phone[2]", "arrivals.phone[3]",
    ]


def test_errors_in_the_catalog_name_the_catalog_file(tmp_path: Path) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(assets_dir() / "catalog", folder)
    text = (folder / "customers.toml").read_text(encoding="utf-8")
    (folder / "customers.toml").write_text(text.replace("patience_mean_s = 240", "patience_mean_s = -240"),
                                           encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(minimal(), "mini.toml", catalog_dir=folder)
    assert [(p.file, p.key) for p in info.value.problems] == [
        (str(folder / "customers.toml"), "segments.end_user.patience_mean_s")]


# ---------------------------------------------------------------- catalog overrides


def test_scenario_overrides_catalog_entries_key_by_key() -> None:
    data = minimal()
    data["channels"] = {"phone": {"sl_threshold_s": 30}}
    data["segments"] = {"end_user": {"goals": {"how_to": 1}}, "vip": {
        "lifetime_value": 50000, "jargon_tolerance": 0.5, "speed_expectation_s": 10, "patience_mean_s": 90,
        "frustration_mean": 40, "goals": {"billing_dispute": 1}}}
    data["customers"]["mix"]["vip"] = 0.1
    scen = parse_scenario(data, "mini.toml")
    assert scen.channels["phone"].sl_threshold_s == 30.0
    assert scen.channels["phone"].realtime is True  # the rest of the catalog entry stays
    assert scen.segments["end_user"].goals == (("how_to", 1.0),)  # a goals table replaces the catalog's mix
    assert scen.segments["end_user"].lifetime_value == 600.0
    assert scen.segments["vip"].frustration_sd == 10.0  # defaults for a new entry
    assert scen.segment_mix == {"end_user": 0.7, "business": 0.3, "vip": 0.1}


# ---------------------------------------------------------------- property tests


SCALARS = st.one_of(
    st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.dates(), st.times(), st.datetimes(),
)
RANDOM_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _mutate(data: dict[str, Any], draw: Any) -> str:
    paths = _paths(data)
    if not paths:
        data[draw(st.text(min_size=1, max_size=8))] = draw(RANDOM_VALUES)
        return "add to an empty scenario"
    path = draw(st.sampled_from(paths))
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    action = draw(st.sampled_from(["delete", "replace", "add"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "replace":
        parent[path[-1]] = draw(RANDOM_VALUES)
    else:
        target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else data
        target[draw(st.text(min_size=1, max_size=8))] = draw(RANDOM_VALUES)
    return f"{action} {'.'.join(map(str, path))}"


def _shipped(name: str) -> dict[str, Any]:
    with open(assets_dir() / "scenarios" / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


SHIPPED = {name: _shipped(name) for name in ("calm_weekday", "monday_outage", "pure_queue")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SHIPPED) + ["minimal"]), data=st.data())
def test_mutated_scenarios_load_or_raise_scenario_error(name: str, data: st.DataObject) -> None:
    scen = copy.deepcopy(SHIPPED[name]) if name != "minimal" else minimal()
    done = [_mutate(scen, data.draw) for _ in range(data.draw(st.integers(1, 3)))]
    try:
        result = parse_scenario(scen, "mutated.toml")
    except ScenarioError as exc:
        assert exc.problems, done
        for p in exc.problems:
            assert p.file == "mutated.toml" and p.message, (done, p)
    else:
        assert isinstance(result, Scenario)
        assert result.intervals >= 1 and max(result.policies.staffing) >= 1
        assert all(len(v) == result.intervals for v in result.arrivals.values())


IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
POSITIVE = st.floats(0.5, 3600.0)  # durations within the documented ranges (docs/scenarios.md)
NONNEG = st.one_of(st.just(0.0), st.floats(0.0, 3600.0))
PROB = st.floats(0.0, 1.0)


@st.composite
def valid_scenarios(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    staffing = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n).filter(lambda s: max(s) > 0))
    channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=4, unique=True))
    rates = st.lists(st.floats(0.0, 500.0), min_size=n, max_size=n)
    arrivals = {ch: draw(rates) for ch in channels}
    if sum(sum(v) for v in arrivals.values()) <= 0:
        arrivals[channels[0]][0] = 1.0
    info: dict[str, Any] = {
        "id": draw(IDS), "name": draw(WORDS), "briefing": draw(WORDS),
        "difficulty": draw(st.integers(1, 5)), "objectives": draw(st.lists(WORDS, max_size=3)),
        "levers": draw(st.lists(st.sampled_from(POLICY_KEYS), unique=True, max_size=4)),
        "interval_s": draw(st.floats(60.0, 7200.0)), "drain_s": draw(NONNEG),
        "start_clock": f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}",
    }
    policies: dict[str, Any] = {"staffing": staffing}
    optional = {
        "channels_open": st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=4, unique=True),
        "callbacks": st.booleans(), "callback_after_s": NONNEG, "hold_messages": st.booleans(),
        "authority_limit": NONNEG, "escalation": st.sampled_from(["supervisor", "transfer", "none"]),
        "priority": st.lists(st.sampled_from(["end_user", "professional", "business"]), unique=True),
        "wrap_up_s": NONNEG, "written_procedures": st.booleans(), "training_hours_per_week": st.floats(0, 20),
        "hiring_profile": st.sampled_from(["balanced", "friendly", "trainable", "competent"]),
        "sunset_rule": st.booleans(), "playbook": st.sampled_from(["carp", "fast_and_friendly", "by_the_script"]),
        "show_history": st.booleans(), "supervisors": st.integers(0, 10),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        policies[key] = draw(optional[key])
    team = {k: draw(PROB) for k in draw(st.lists(st.sampled_from(
        ["friendliness_mean", "competence_mean", "trainability_mean", "stress_per_hard_contact"]), unique=True))}
    scoring = {"loyalty_weight": draw(st.floats(0.1, 5)), "speed_weight": draw(st.floats(0, 5)),
               "accuracy_weight": draw(st.floats(0, 5)), "service_level_target": draw(PROB),
               "stars": sorted(draw(st.lists(st.floats(0, 100), min_size=3, max_size=3)))}
    events = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.floats(0, 36000))
        events.append({"kind": draw(st.sampled_from(["surge", "agent_sick", "announce"])), "time_s": start,
                       "end_s": start + draw(NONNEG), "message": draw(WORDS),
                       "channels": draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True)),
                       "multiplier": draw(st.floats(0, 5)), "agents": draw(st.integers(0, 5))})
    mix = draw(st.dictionaries(st.sampled_from(["end_user", "professional", "business"]), st.floats(0.01, 10),
                               min_size=1))
    out = {"scenario": info, "arrivals": arrivals, "policies": policies, "team": team, "scoring": scoring,
           "customers": {"mix": mix}}
    if events:
        out["events"] = events
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=valid_scenarios())
def test_valid_scenarios_round_trip(data: dict[str, Any]) -> None:
    """Written as TOML, read back: every field equals what was written."""
    text = to_toml(data)
    scen = parse_scenario(tomllib.loads(text), "generated.toml")
    info = data["scenario"]
    for key in ("id", "name", "briefing", "difficulty", "interval_s", "drain_s", "start_clock"):
        assert getattr(scen, key) == info[key], key
    assert scen.objectives == tuple(info["objectives"]) and scen.levers == tuple(info["levers"])
    assert scen.mode == "full" and scen.pure is None
    assert scen.arrivals == {ch: tuple(v) for ch, v in data["arrivals"].items()}
    for key, value in data["policies"].items():
        got = getattr(scen.policies, key)
        assert got == (tuple(value) if isinstance(value, list) else value), key
    for key, value in data["team"].items():
        assert getattr(scen.team, key) == value, key
    for key, value in data["scoring"].items():
        got = getattr(scen.scoring, key)
        assert got == (tuple(value) if isinstance(value, list) else value), key
    assert len(scen.events) == len(data.get("events", []))
    for ev, written in zip(scen.events, data.get("events", [])):
        for key, value in written.items():
            assert getattr(ev, key) == (tuple(value) if isinstance(value, list) else value), key
    assert scen.segment_mix == data["customers"]["mix"]
    # the digest is a function of the content, not of the file name
    assert parse_scenario(tomllib.loads(text), "elsewhere.toml").digest == scen.digest


def test_defaults_of_omitted_keys(tmp_path: Path) -> None:
    scen = load_scenario(write(tmp_path, minimal(), "mini.toml"))
    p = scen.policies
    assert (p.channels_open, p.callbacks, p.callback_after_s, p.hold_messages, p.authority_limit, p.escalation,
            p.priority, p.wrap_up_s, p.written_procedures, p.training_hours_per_week, p.hiring_profile,
            p.sunset_rule, p.playbook, p.show_history, p.supervisors) == (
        CHANNELS, False, 120.0, False, 50.0, "supervisor", (), 30.0, False, 0.0, "balanced", False, "carp", True, 1)
    assert (scen.mode, scen.difficulty, scen.drain_s, scen.events, scen.pure) == ("full", 1, 7200.0, (), None)
    s = scen.scoring
    assert (s.loyalty_weight, s.speed_weight, s.accuracy_weight, s.stars, s.service_level_target) == (
        0.4, 0.3, 0.3, (50.0, 70.0, 85.0), 0.8)
    assert scen.team.knowledge == ("billing", "product", "orders", "accounts")


def test_pure_queue_patience_zero_means_nobody_abandons() -> None:
    data = {"scenario": {"mode": "pure_queue"}, "arrivals": {"phone": [100]},
            "pure_queue": {"handle_mean_s": 60, "patience_mean_s": 0}, "policies": {"staffing": [3]}}
    assert parse_scenario(data, "pq.toml").pure.patience_mean_s is None
    data["pure_queue"]["patience_mean_s"] = 90
    assert parse_scenario(data, "pq.toml").pure.patience_mean_s == 90.0
    data["arrivals"]["chat"] = [10]
    with pytest.raises(ScenarioError, match="arrivals: expected exactly one channel in pure_queue mode"):
        parse_scenario(data, "pq.toml")


# ---------------------------------------------------------------- policy overrides (--set)


@pytest.fixture(scope="module")
def mini() -> Scenario:
    return parse_scenario(minimal(), "mini.toml")


def test_overrides_change_policies(mini: Scenario) -> None:
    items = ["callbacks=true", "staffing=9", "playbook=fast_and_friendly", "channels_open=phone",
             "authority_limit=100", "priority=business,end_user"]
    new = with_policies(mini, parse_overrides(items))
    p = new.policies
    assert (p.callbacks, p.staffing, p.playbook, p.channels_open, p.authority_limit, p.priority) == (
        True, (9, 9, 9, 9), "fast_and_friendly", ("phone",), 100.0, ("business", "end_user"))
    assert new.digest != mini.digest and mini.policies.callbacks is False  # a copy; the original is unchanged
    assert with_policies(mini, {"staffing": [1, 2, 3, 4]}).policies.staffing == (1, 2, 3, 4)


def test_parse_value_uses_toml_syntax() -> None:
    assert parse_value("true") is True
    assert parse_value("20") == 20 and parse_value("2.5") == 2.5
    assert parse_value("[18, 20]") == [18, 20]
    assert parse_value("carp") == "carp" and parse_value('"carp"') == "carp"
    assert parse_value("phone,chat") == ["phone", "chat"]


def test_unknown_policy_lists_the_known_ones(mini: Scenario) -> None:
    with pytest.raises(ScenarioError) as info:
        with_policies(mini, parse_overrides(["callback=true"]))
    [p] = info.value.problems
    assert (p.file, p.key) == ("--set", "callback")
    assert "unknown policy" in p.message and all(k in p.message for k in POLICY_KEYS)


@pytest.mark.parametrize(("item", "key", "fragment"), [
    ("callbacks=maybe", "callbacks", "expected true or false"),
    ("staffing=[1,2]", "staffing", "expected 4 values"),
    ("staffing=0", "staffing", "at least one interval with an agent"),
    ("staffing=lots", "staffing", "expected a list of integers"),
    ("playbook=wing_it", "playbook", "expected one of carp"),
    ("authority_limit=-5", "authority_limit", "between 0 and 1e+07"),
    ("priority=aliens", "priority", "one of end_user"),
    ("supervisors=1.5", "supervisors", "expected an integer"),
])
def test_bad_override_value_names_the_key(mini: Scenario, item: str, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_policies(mini, parse_overrides([item]))
    assert any(p.key == key and fragment in p.message and p.file == "--set" for p in info.value.problems), \
        info.value.problems


def test_override_without_equals_sign() -> None:
    with pytest.raises(ScenarioError, match="--set: callbacks: expected key=value"):
        parse_overrides(["callbacks"])


# ---------------------------------------------------------------- the documentation's examples load


def doc_toml_blocks() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    return re.findall(r"^```toml\n(.*?)^```", text, flags=re.S | re.M)


def test_the_documentation_shows_a_tutorial_that_loads(tmp_path: Path) -> None:
    tutorials = [b for b in doc_toml_blocks() if re.search(r"^tutorial = true", b, flags=re.M)]
    assert tutorials, "docs/scenarios.md needs a tutorial example"
    scen = load_scenario(write(tmp_path, tutorials[0], "tutorial.toml"))
    assert scen.tutorial and scen.scripted and max(scen.policies.staffing) == 1


def test_documentation_examples_load(tmp_path: Path) -> None:
    """Every ```toml block in docs/scenarios.md loads.

    A block with a [scenario] table is a whole scenario file; any other block is a
    fragment, laid over the first whole example (as a scenario overrides the
    catalog), and the result must load too.
    """
    blocks = doc_toml_blocks()
    assert len(blocks) >= 3
    whole = [b for b in blocks if re.search(r"^\[scenario\]", b, flags=re.M)]
    assert whole, "docs/scenarios.md needs at least one complete example"
    base = tomllib.loads(whole[0])
    for i, block in enumerate(blocks):
        data = tomllib.loads(block)
        if block in whole:
            path = write(tmp_path, block, f"example_{i}.toml")
            load_scenario(path)
            continue
        merged = copy.deepcopy(base)
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        parse_scenario(merged, f"docs/scenarios.md block {i + 1}")
