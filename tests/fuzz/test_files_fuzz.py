"""Fuzz every file ServiceFloor reads: scenario and data files, the game's saves, result files.

Each case must end in the program's own clear refusal (ScenarioError / SaveError / a message and a
fresh start) or in a normal load: never a traceback, a hang or a lost good file.  The example counts
are small for CI; benchmarks/fuzz_files.py runs the same strategies far longer and prints counts.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import SaveError, ScenarioError
from sim.runner import read_result
from sim.scenario import MAX_CONTACTS, expected_contacts, list_scenarios, parse_scenario
from sim.tomlread import read_toml

CI_EXAMPLES = int(os.environ.get("SERVICEFLOOR_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=CI_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SHIPPED = {p.stem: read_toml(p, []) for p in list_scenarios()}

# values that have broken loaders elsewhere: huge, tiny, negative, wrong types, deep nests
HOSTILE = st.one_of(
    st.sampled_from([0, -1, -1e9, 1e6, 1e9, 1e15, 1e300, 2**63, -(2**63), 1e7, 0.5, True, False, "", "x" * 10_000,
                     [], {}, [[[[[]]]]], {"a": {"b": {"c": {}}}}, "NaN", "inf", "08:00", "25:99"]),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.lists(st.integers(min_value=-10, max_value=10**7), max_size=400),
    st.recursive(st.integers(), lambda inner: st.lists(inner, max_size=2), max_leaves=600),
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:20]):
            out += _paths(v, prefix + (i,))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


@st.composite
def scenario_mutants(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    sid = draw(st.sampled_from(sorted(SHIPPED)))
    doc = copy.deepcopy(SHIPPED[sid])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["value", "delete", "add"]))
        if how == "delete" and len(path) > 1:
            parent = doc
            for k in path[:-1]:
                parent = parent[k]
            del parent[path[-1]]
        elif how == "add" and isinstance(doc.get(path[0]), dict):
            doc[path[0]][draw(st.sampled_from(["extra", "staffing", "interval_s", "phone", "rate"]))] = draw(HOSTILE)
        else:
            _set(doc, path, draw(HOSTILE))
    return sid, doc


@FUZZ
@given(case=scenario_mutants())
def test_a_mutated_scenario_loads_small_enough_or_is_refused_clearly(case: tuple[str, dict[str, Any]]) -> None:
    sid, doc = case
    try:
        scen = parse_scenario(doc, f"{sid}.toml")
    except ScenarioError as exc:
        assert exc.problems and all(p.file == f"{sid}.toml" and p.message for p in exc.problems)
        return
    assert expected_contacts(scen) <= MAX_CONTACTS  # a run that loads is a run that ends
    assert max(scen.policies.staffing) <= 1000 and scen.horizon_s <= 336 * 86_400


@FUZZ
@given(sid=st.sampled_from(sorted(SHIPPED)), data=st.data())
def test_a_damaged_scenario_file_is_refused_with_the_file_named(sid: str, data: st.DataObject, tmp_path_factory) -> None:
    text = (next(p for p in list_scenarios() if p.stem == sid)).read_bytes()
    how = data.draw(st.sampled_from(["truncate", "garble", "deep", "binary", "huge_line"]))
    if how == "truncate":
        raw = text[: data.draw(st.integers(0, len(text)))]
    elif how == "garble":
        i = data.draw(st.integers(0, len(text) - 1))
        raw = text[:i] + data.draw(st.binary(min_size=1, max_size=8)) + text[i + 1:]
    elif how == "deep":
        n = data.draw(st.integers(100, 6000))
        raw = text + b"\ndeep = " + b"[" * n + b"]" * n + b"\n"
    elif how == "binary":
        raw = data.draw(st.binary(max_size=400))
    else:
        raw = text + b"\nlong = \"" + b"x" * 200_000 + b"\"\n"
    path = tmp_path_factory.mktemp("scen") / f"{sid}.toml"
    path.write_bytes(raw)
    problems: list[Any] = []
    doc = read_toml(path, problems)
    if problems:
        assert all(str(path) in str(p) for p in problems)
        return
    try:
        parse_scenario(doc, str(path))
    except ScenarioError as exc:
        assert all(p.file == str(path) for p in exc.problems)


# ---------------------------------------------------------------------------
# The game's files: settings, autosave, play counts, result files
# ---------------------------------------------------------------------------

GOOD = {
    "settings.json": {"format": "servicefloor-settings/1", "window": [1280, 720], "fullscreen": False,
                      "slow_on_call": True, "last_scenario": "calm_weekday", "seed": 3},
    "plays.json": {"format": "servicefloor-plays/1", "started": {"calm_weekday/seed1": 2}},
}


def _damaged(draw: st.DrawFn, good: dict[str, Any]) -> bytes:
    text = json.dumps(good).encode()
    how = draw(st.sampled_from(["truncate", "garble", "types", "deep", "empty", "other_format", "huge_number",
                                "list"]))
    if how == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == "garble":
        i = draw(st.integers(0, len(text) - 1))
        return text[:i] + draw(st.binary(min_size=1, max_size=6)) + text[i + 1:]
    if how == "types":
        doc = copy.deepcopy(good)
        key = draw(st.sampled_from(sorted(doc)))
        doc[key] = draw(HOSTILE)
        return json.dumps(doc, allow_nan=True).encode()
    if how == "deep":
        n = draw(st.integers(50, 100_000))
        return b'{"format": "x", "v": ' + b"[" * n + b"]" * n + b"}"
    if how == "empty":
        return b""
    if how == "other_format":
        return json.dumps(dict(good, format="servicefloor-something/9")).encode()
    if how == "huge_number":
        doc = copy.deepcopy(good)
        doc[draw(st.sampled_from(sorted(doc)))] = 1e400 if draw(st.booleans()) else 10**400
        return json.dumps(doc).replace("Infinity", "1e400").encode()
    return b"[1, 2, 3]"


@FUZZ
@given(name=st.sampled_from(sorted(GOOD)), data=st.data())
def test_damaged_settings_and_play_counts_give_a_message_a_fresh_start_and_are_kept(name: str, data: st.DataObject,
                                                                                     tmp_path_factory) -> None:
    from game.storage import Settings, Storage

    home = tmp_path_factory.mktemp("home")
    raw = _damaged(data.draw, GOOD[name])
    (home / name).write_bytes(raw)
    store = Storage(home)
    if name == "settings.json":
        s = store.load_settings()
        assert isinstance(s, Settings) and 320 <= s.window[0] <= 16384 and 240 <= s.window[1] <= 16384
        assert isinstance(s.seed, int) and 0 <= s.seed < 2**31
    else:
        play = store.start_play("calm_weekday", 1)
        assert 0 <= play < 256
        assert json.loads((home / "plays.json").read_text())["format"] == "servicefloor-plays/1"
    kept = [p for p in home.iterdir() if ".bad-" in p.name]
    if store.messages:  # whatever was set aside is kept, byte for byte
        assert kept and kept[0].read_bytes() == raw
        assert all(len(m) < 400 for m in store.messages)


def _a_result(tmp: Path) -> dict[str, Any]:
    """A result in which the trainee answered (the picker's best counts the trainee's own calls)."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from workshop_helpers import result_doc
    return result_doc("three_reps", 1, 0)


@pytest.fixture(scope="module")
def good_result(tmp_path_factory) -> dict[str, Any]:
    return _a_result(tmp_path_factory.mktemp("r"))


@FUZZ
@given(data=st.data())
def test_damaged_result_files_and_autosaves_never_stop_the_game(good_result: dict[str, Any], data: st.DataObject,
                                                                tmp_path_factory) -> None:
    from game.storage import Storage

    home = tmp_path_factory.mktemp("home")
    (home / "results").mkdir()
    good_path = home / "results" / "three_reps-20260101-000000-seed1.json"
    good_path.write_text(json.dumps(good_result))
    raw = _damaged(data.draw, good_result)
    bad_path = home / "results" / "three_reps-20260101-000001-seed1.json"
    bad_path.write_bytes(raw)
    try:
        read_result(bad_path)
    except SaveError as exc:
        assert str(bad_path) in str(exc)
    store = Storage(home)
    best = store.best_results()
    assert best["three_reps"]["path"] in (str(good_path), str(bad_path))
    assert store.start_play("three_reps", 1) >= 1  # the good file's play still counts
    autosave = dict(good_result, format="servicefloor-autosave/1", time=10.0, contacts_done=0)
    (home / "autosave.json").write_bytes(_damaged(data.draw, autosave))
    assert store.load_autosave() is None or isinstance(store.load_autosave(), dict)
    assert good_path.read_text() == json.dumps(good_result)  # the last good file is never lost


# ---------------------------------------------------------------------------
# The catalog and the dialogue: a value in one of their files replaced, the file cut or garbled
# ---------------------------------------------------------------------------

TOML_HOSTILE = ["-1", "1e300", "9223372036854775808", "nan", "inf", '""', '"x"', "[]", "{}", "true",
                "[[[[[[]]]]]]", '"' + "y" * 5000 + '"', "0", "-1e9", '["a", 1]', "{ a = { b = 1 } }"]
DATA_FILES = [("catalog", p.name) for p in sorted((Path(__file__).resolve().parents[2] / "assets" / "catalog")
                                                   .glob("*.toml"))] + \
             [("dialogue", p.name) for p in sorted((Path(__file__).resolve().parents[2] / "assets" / "dialogue")
                                                    .glob("*.toml"))]


def _mutate_text(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines()
    how = draw(st.sampled_from(["value", "value", "truncate", "garble", "drop_line"]))
    assignments = [i for i, ln in enumerate(lines) if "=" in ln and not ln.lstrip().startswith("#")]
    if how == "value" and assignments:
        i = draw(st.sampled_from(assignments))
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {draw(st.sampled_from(TOML_HOSTILE))}"
        return "\n".join(lines) + "\n"
    if how == "drop_line" and lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
        return "\n".join(lines) + "\n"
    if how == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    i = draw(st.integers(0, max(0, len(text) - 1)))
    return text[:i] + draw(st.text(min_size=1, max_size=5)) + text[i + 1:]


@FUZZ
@given(which=st.sampled_from(DATA_FILES), data=st.data())
def test_a_damaged_catalog_or_dialogue_file_loads_or_is_refused_naming_it(which: tuple[str, str],
                                                                          data: st.DataObject,
                                                                          tmp_path_factory) -> None:
    import shutil

    from sim.dialogue import load_dialogue
    from sim.scenario import parse_scenario

    folder, name = which
    root = Path(__file__).resolve().parents[2] / "assets"
    tmp = tmp_path_factory.mktemp("assets")
    shutil.copytree(root / folder, tmp / folder)
    path = tmp / folder / name
    path.write_text(_mutate_text(data.draw, path.read_text(encoding="utf-8")), encoding="utf-8")
    try:
        if folder == "dialogue":
            load_dialogue(tmp / folder)
        else:
            parse_scenario(copy.deepcopy(SHIPPED["calm_weekday"]), "calm_weekday.toml", catalog_dir=tmp / folder)
    except ScenarioError as exc:  # DialogueError and LessonError are ScenarioErrors too
        assert exc.problems and all(p.message for p in exc.problems)
        # each names a file of the folder (an emptied file's missing lines are named where the rule
        # that needs them is written) or the scenario that was being read
        assert all(str(tmp) in p.file or "calm_weekday" in p.file for p in exc.problems), exc.problems[:3]


def test_sigkill_during_saves_never_loses_the_last_good_file(tmp_path):
    """A process killed (SIGKILL) while it saves leaves the old file or the new one, whole: never half."""
    import signal
    import subprocess
    import sys
    import time

    from game.storage import Storage

    home = tmp_path / "home"
    writer = (
        "import sys, json\n"
        "from game.storage import Storage\n"
        "s = Storage(__import__('pathlib').Path(sys.argv[1]))\n"
        "i = 0\n"
        "while True:\n"
        "    i += 1\n"
        "    s._write(s.autosave_path, {'format': 'servicefloor-autosave/1', 'scenario': {'source': 'x'}, 'seed': 1,\n"
        "             'time': float(i), 'commands': [{'n': j} for j in range(20000)], 'contacts_done': i})\n"
        "    print(i, flush=True)\n")
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-c", writer, str(home)], stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[2])
        for _ in range(3 + attempt):  # let a few saves land, then kill it somewhere inside the next one
            proc.stdout.readline()
        time.sleep(0.01 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        store = Storage(home)
        doc = store.load_autosave()
        assert doc is not None and store.messages == [], store.messages  # whole and readable, nothing set aside
        assert len(doc["commands"]) == 20000
    leftovers = [p for p in home.iterdir() if p.name.startswith(".autosave")]
    assert len(leftovers) <= 5  # a temporary file of a killed save may remain beside it; never in its place
    old = time.time() - 3600
    for p in leftovers:
        os.utime(p, (old, old))
    assert Storage(home).tidy() == len(leftovers) and not [p for p in home.iterdir() if p.name.startswith(".")]
    assert Storage(home).load_autosave() is not None  # the save itself is untouched
