"""The lesson ledger: checks as data, habits as CARP edits, paired verdicts, the CLI.

Loader errors name file, key and expectation; habits do what their names say in a real
conversation; verdicts follow the paired interval; any worker count gives the same ledger;
`servicefloor lessons` prints the table and writes the reports; every lever text claims only
what one of its lesson's checks tests; and a fast set of real checks holds with the current model.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import load_scenario, run
from sim.cli import main
from sim.habits import HABITS, Habits
from sim.lab.stats import paired_interval
from sim.ledger import (FAILS, HOLDS, NO_CHECK, TOO_WEAK, format_ledger, ledger_html, ledger_markdown, run_ledger,
                        verdict)
from sim.lessons import SCORE_KEYS, Check, Lesson, LessonError, catalog_names, load_lessons, parse_lessons
from sim.responders import Playbook
from sim.scenario import POLICY_KEYS, assets_dir, with_policies

LESSON = """
[lessons.demo]
title = "A demo lesson"
principle = "Demo"
text = "One sentence. Two sentences."
responses = ["acknowledge"]
scenarios = ["three_reps"]
metrics = ["loyalty.retention"]
"""

GOOD_CHECK = """
[[lessons.demo.checks]]
claim = "Acknowledging keeps her"
scenario = "three_reps"
metric = "accuracy.goal_met_rate"
expect = "lower"
min_effect = 0.1
replications = 3
variant = { habits = ["skip_acknowledge"] }
"""


def load_text(tmp_path: Path, text: str) -> tuple[Lesson, ...]:
    path = tmp_path / "lessons.toml"
    path.write_text(text, encoding="utf-8")
    return load_lessons(path)


def problems_of(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "lessons.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LessonError) as info:
        load_lessons(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return {p.key: p.message for p in info.value.problems}


# ---------------------------------------------------------------------------
# Loading and validating checks
# ---------------------------------------------------------------------------


def test_a_good_check_loads_into_frozen_values(tmp_path: Path) -> None:
    (lesson,) = load_text(tmp_path, LESSON + GOOD_CHECK)
    (check,) = lesson.checks
    assert (check.lesson, check.index, check.scenario, check.metric, check.expect) == (
        "demo", 0, "three_reps", "accuracy.goal_met_rate", "lower")
    assert check.min_effect == 0.1 and check.replications == 3 and check.unit == "share"
    assert check.base.describe() == "as shipped" and check.variant.habits == ("skip_acknowledge",)
    with pytest.raises(AttributeError):
        check.claim = "changed"  # type: ignore[misc]


def test_replications_default_to_twenty(tmp_path: Path) -> None:
    (lesson,) = load_text(tmp_path, LESSON + GOOD_CHECK.replace("replications = 3\n", ""))
    assert lesson.checks[0].replications == 20


BAD = [
    # (change to the good check, key of the problem, words the message must contain)
    ('scenario = "three_reps"', 'scenario = "four_reps"', "lessons.demo.checks[0].scenario",
     ["shipped scenario", "three_reps", "'four_reps'"]),
    ('metric = "accuracy.goal_met_rate"', 'metric = "accuracy.happiness"', "lessons.demo.checks[0].metric",
     ["score key", "accuracy.goal_met_rate", "'accuracy.happiness'"]),
    ('expect = "lower"', 'expect = "smaller"', "lessons.demo.checks[0].expect", ["higher", "lower", "'smaller'"]),
    ("min_effect = 0.1", "min_effect = 0", "lessons.demo.checks[0].min_effect", ["greater than 0", "0"]),
    ("min_effect = 0.1", "min_effect = -0.5", "lessons.demo.checks[0].min_effect", ["greater than 0", "-0.5"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { habits = ["sulk"] }',
     "lessons.demo.checks[0].variant.habits[0]", ["habit", "skip_acknowledge", "'sulk'"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { script = ["stay_calm", "shrug"] }',
     "lessons.demo.checks[0].variant.script[1]", ["response kind", "acknowledge", "'shrug'"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { policies = { coffee = true } }',
     "lessons.demo.checks[0].variant.policies.coffee", ["unknown policy", "hiring_profile"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { policies = { hiring_profile = "grumpy" } }',
     "lessons.demo.checks[0].variant.policies.hiring_profile", ["one of", "friendly", "'grumpy'"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { policies = { staffing = [1, 2] } }',
     "lessons.demo.checks[0].variant.policies.staffing", ["8 values"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { mood = "calm" }',
     "lessons.demo.checks[0].variant.mood", ["unknown key", "habits", "policies", "script"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = {}', "lessons.demo.checks[0].variant",
     ["differs from the base"]),
    ('variant = { habits = ["skip_acknowledge"] }', 'variant = { policies = { playbook = "carp", supervisors = 1 } }',
     "lessons.demo.checks[0].variant", ["differs from the base", "as run"]),
    ('variant = { habits = ["skip_acknowledge"] }',
     'variant = { habits = ["quick_fix"], policies = { playbook = "by_the_script" } }',
     "lessons.demo.checks[0].variant.policies.playbook", ["CARP", "'by_the_script'"]),
    ('claim = "Acknowledging keeps her"\n', "", "lessons.demo.checks[0].claim", ["required"]),
    ("replications = 3", "replications = 1", "lessons.demo.checks[0].replications", ["between 2 and 1000", "1"]),
]


@pytest.mark.parametrize(("old", "new", "key", "words"), BAD, ids=[b[2].rsplit(".", 1)[-1] + ":" + b[1][:24]
                                                                  for b in BAD])
def test_each_bad_check_names_file_key_and_expectation(tmp_path: Path, old: str, new: str, key: str,
                                                       words: list[str]) -> None:
    assert old in GOOD_CHECK
    problems = problems_of(tmp_path, LESSON + GOOD_CHECK.replace(old, new))
    assert key in problems, problems
    for w in words:
        assert w in problems[key], (w, problems[key])


def test_checks_for_a_lesson_that_does_not_exist(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, LESSON + GOOD_CHECK.replace("lessons.demo.checks", "lessons.demon.checks"))
    assert list(problems) == ["lessons.demon.checks"]
    assert "does not exist" in problems["lessons.demon.checks"] and "demo" in problems["lessons.demon.checks"]


def test_checks_must_be_an_array_of_tables(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, LESSON + 'checks = "all of them"\n')
    assert "array of tables" in problems["lessons.demo.checks"]


def test_lesson_metrics_must_be_real_score_keys(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, LESSON.replace('"loyalty.retention"', '"loyalty.happiness"'))
    assert "loyalty.happiness" in problems["lessons.demo.metrics"]


def test_validate_prints_check_errors_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lessons.toml"
    path.write_text(LESSON + GOOD_CHECK.replace('expect = "lower"', 'expect = "down"'), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"FAIL {path}"
    assert out[1].strip().startswith(f"{path}: lessons.demo.checks[0].expect: expected \"higher\" or \"lower\"")


def test_validate_checks_the_shipped_lessons_with_their_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    n = sum(len(lesson.checks) for lesson in load_lessons())
    assert last == f"ok   {assets_dir() / 'lessons.toml'} ({len(load_lessons())} lessons, {n} checks)"


def test_score_keys_are_exactly_the_single_numbers_compute_gives() -> None:
    scores = run(load_scenario("three_reps"), seed=1).scores
    leaves = {f"{group}.{key}" for group, table in scores.items() if isinstance(table, dict)
              for key, value in table.items() if not isinstance(value, dict)}
    assert set(SCORE_KEYS) == leaves


SHAPES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 50) | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "three_reps", "carp", "friendly", "higher", "lower", "loyalty.retention",
                       "stay_calm", "quick_fix", "x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(list(POLICY_KEYS) + ["habits", "script", "policies", "x"]), inner, max_size=4),
    max_leaves=12)
CHECK_KEYS = ["claim", "scenario", "metric", "expect", "min_effect", "replications", "base", "variant", "extra"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(CHECK_KEYS), SHAPES, max_size=9), st.booleans())
def test_any_check_table_loads_or_raises_only_lesson_error(check: dict[str, Any], start_good: bool) -> None:
    base = tomllib.loads(LESSON + GOOD_CHECK)
    table = base["lessons"]["demo"]["checks"][0] if start_good else {}
    table.update(copy.deepcopy(check))
    base["lessons"]["demo"]["checks"] = [table]
    try:
        lessons = parse_lessons(base, "fuzz.toml", catalog_names())
    except LessonError as exc:
        assert exc.problems and all(p.file == "fuzz.toml" and p.key.startswith("lessons.demo") for p in exc.problems)
    else:
        (c,) = lessons[0].checks
        assert c.metric in SCORE_KEYS and c.expect in ("higher", "lower") and c.min_effect > 0


# ---------------------------------------------------------------------------
# Habits behave as named
# ---------------------------------------------------------------------------


@cache
def kinds(sid: str, habits: tuple[str, ...] = (), script: tuple[str, ...] = (), seed: int = 1
          ) -> dict[tuple[str, str], tuple[str, ...]]:
    """Each contact's response kinds, by (segment, goal) of its customer: the contact's first record."""
    result = run(load_scenario(sid), seed=seed, responder=Habits(habits, script))
    rows = {r["contact_id"]: r for r in result.contacts.rows()}
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    seen: dict[tuple[str, str], int] = {}
    for t in result.turns:
        key = (rows[t.contact_id]["segment"], rows[t.contact_id]["goal"])
        if seen.setdefault(key, t.contact_id) == t.contact_id:
            out[key].append(t.kind)
    return {k: tuple(v) for k, v in out.items()}


OKAFOR = ("end_user", "billing_dispute")


def test_no_habits_is_the_carp_playbook_exactly() -> None:
    scen = load_scenario("first_day")
    plain, carp = run(scen, seed=2, responder=Habits()), run(scen, seed=2, responder=Playbook("carp"))
    assert [t.kind for t in plain.turns] == [t.kind for t in carp.turns]
    same = {json.dumps(r.scores, sort_keys=True, default=str) for r in (plain, carp, run(scen, seed=2))}
    assert len(same) == 1


@pytest.mark.parametrize("habit", sorted(HABITS))
def test_habits_are_deterministic(habit: str) -> None:
    scen = load_scenario("first_day")
    a, b = run(scen, seed=3, responder=Habits([habit])), run(scen, seed=3, responder=Habits([habit]))
    assert [t.kind for t in a.turns] == [t.kind for t in b.turns] and a.scores == b.scores


def test_refocus_while_hot_refocuses_right_after_the_calm_line() -> None:
    carp = kinds("three_reps")[OKAFOR]
    hot = kinds("three_reps", ("refocus_while_hot",))[OKAFOR]
    assert carp.index("refocus") > 2 and hot[:2] == ("stay_calm", "refocus") and hot.count("refocus") == 1


def test_early_gesture_is_a_gift_on_the_first_turn_before_any_apology() -> None:
    assert kinds("three_reps")[OKAFOR][0] == "stay_calm"
    seq = kinds("three_reps", ("early_gesture",))[OKAFOR]
    assert seq[0] == "gesture" and "apologise" not in seq[:1] and seq.count("gesture") == 1


@pytest.mark.parametrize(("habit", "kind"), [("skip_stay_calm", "stay_calm"), ("skip_ask_feelings", "ask_feelings"),
                                             ("skip_acknowledge", "acknowledge"), ("no_verify", "verify"),
                                             ("no_diagnose", "diagnose"), ("no_plain_language", "plain_language")])
def test_skipping_a_step_never_says_it_and_carries_on(habit: str, kind: str) -> None:
    carp, skipped = kinds("first_day"), kinds("first_day", (habit,))
    assert any(kind in seq for seq in carp.values())
    assert not any(kind in seq for seq in skipped.values())
    assert all(seq[-1] in ("answer", "promise_follow_up", "escalate") for seq in skipped.values())


@pytest.mark.parametrize(("habit", "old", "new"), [("quick_fix", "answer", "quick_answer"),
                                                   ("defer_answers", "answer", "promise_follow_up"),
                                                   ("no_gesture", "gesture", "answer"),
                                                   ("over_promise", "promise_follow_up", "over_promise"),
                                                   ("concede_not_acknowledge", "acknowledge", "concede")])
def test_swapping_a_line_says_the_other_instead(habit: str, old: str, new: str) -> None:
    carp, swapped = kinds("first_day"), kinds("first_day", (habit,))
    for who, seq in carp.items():
        if old in seq:
            assert old not in swapped[who] and new in swapped[who], (who, swapped[who])
    if habit == "defer_answers":
        assert not any("answer" in seq for seq in swapped.values())


def test_interrupt_cuts_in_where_carp_lets_them_talk() -> None:
    carp = kinds("three_reps", ("skip_acknowledge",))  # without acknowledging, CARP lets her talk
    cut = kinds("three_reps", ("skip_acknowledge", "interrupt"))
    talked = [who for who, seq in carp.items() if "let_talk" in seq]
    assert talked and not any("let_talk" in seq for seq in cut.values())


def test_your_choice_and_make_it_up_follow_the_story() -> None:
    threat = ("business", "cancellation_threat")
    assert kinds("first_day", ("your_choice",))[threat][1] == "your_choice"
    made_up = kinds("first_day", ("make_it_up",))[threat]
    assert "make_it_up" in made_up and "gesture" not in made_up and made_up[-1] == "answer"
    assert "your_choice" not in kinds("first_day", ("your_choice",))[("end_user", "how_to")]


def test_audience_habits_pick_by_segment() -> None:
    pro, home = ("professional", "faulty_product"), ("end_user", "how_to")
    carp = kinds("first_day")
    jargon = kinds("first_day", ("jargon_for_end_users",))
    assert "plain_language" in carp[home] and "jargon" in jargon[home] and "plain_language" not in jargon[home]
    assert jargon[pro] == carp[pro]
    plain = kinds("first_day", ("plain_for_professionals",))
    assert "plain_language" not in carp[pro] and plain[pro][-2:] == ("plain_language", carp[pro][-1])
    assert plain[home] == carp[home]
    precise = kinds("first_day", ("precise_for_professionals",))
    assert precise[pro][-2] in ("precise", "precise_answer", "technical", "jargon") and precise[home] == carp[home]


def test_fix_first_problem_solves_while_hot() -> None:
    carp, fix = kinds("three_reps")[OKAFOR], kinds("three_reps", ("fix_first",))[OKAFOR]
    assert carp[0] == "stay_calm" and fix[0] == "diagnose"
    assert not {"stay_calm", "acknowledge", "ask_feelings"} & set(fix)


def test_a_script_is_said_in_order_in_every_contact_then_carp() -> None:
    script = ("acknowledge", "ask_feelings", "let_talk")
    got = kinds("first_day", (), script)
    carp = kinds("first_day")
    for who, seq in got.items():
        assert seq[:3] == script, who
    assert len(got) == len(carp)


def test_habits_do_not_depend_on_anything_but_the_view() -> None:
    assert kinds("three_reps", ("your_choice",)) == kinds("three_reps")  # no threat to leave: nothing changes
    with pytest.raises(ValueError, match="unknown habit 'sulk'"):
        Habits(["sulk"])


# ---------------------------------------------------------------------------
# Verdicts on synthetic paired data
# ---------------------------------------------------------------------------


def iv(diffs: list[float]) -> Any:
    return paired_interval(diffs, [0.0] * len(diffs))


@pytest.mark.parametrize(("diffs", "expect", "min_effect", "want"), [
    ([0.05, 0.06, 0.04, 0.05], "higher", 0.01, HOLDS),  # clear and big enough
    ([0.05, 0.06, 0.04, 0.05], "lower", 0.01, FAILS),  # clear, the wrong way
    ([0.05, 0.06, 0.04, 0.05], "higher", 0.1, TOO_WEAK),  # clear, smaller than what counts
    ([0.05, -0.04, 0.06, -0.05], "higher", 0.001, TOO_WEAK),  # the interval covers zero
    ([0.05, -0.04, 0.06, -0.05], "lower", 0.001, TOO_WEAK),  # wrong side but not clear: not a failure
    ([-0.2, -0.2, -0.2], "lower", 0.2, HOLDS),  # no spread at all, exactly at the smallest effect
    ([0.0, 0.0, 0.0], "higher", 0.01, TOO_WEAK),  # nothing moves
    ([0.3], "higher", 0.01, TOO_WEAK),  # one seed: no interval
])
def test_verdicts(diffs: list[float], expect: str, min_effect: float, want: str) -> None:
    assert verdict(iv(diffs), expect, min_effect) == want


def test_verdict_without_data_is_too_weak() -> None:
    assert verdict(None, "higher", 0.1) == TOO_WEAK
    assert verdict(paired_interval([None, None], [0.1, 0.2]), "lower", 0.1) == TOO_WEAK


def test_a_lesson_without_a_check_is_listed_as_no_check() -> None:
    lesson = Lesson(id="later", title="Not yet checked", principle="P", text="A. B.", responses=("answer",),
                    levers=(), scenarios=("three_reps",), metrics=())
    ledger = run_ledger(lessons=[lesson])
    assert [(r.id, r.verdict) for r in ledger.rows] == [("later", NO_CHECK)] and ledger.runs == 0
    assert not ledger.all_hold


# ---------------------------------------------------------------------------
# Running: workers, sharing runs, the CLI and its reports
# ---------------------------------------------------------------------------


def demo_lessons(tmp_path: Path, claim: str = "Acknowledging keeps her") -> tuple[Lesson, ...]:
    extra = GOOD_CHECK.replace("accuracy.goal_met_rate", "loyalty.retention").replace("0.1", "0.01")
    more = (GOOD_CHECK.replace('scenario = "three_reps"', 'scenario = "first_day"')
            .replace('habits = ["skip_acknowledge"]', 'habits = ["jargon_for_end_users"]')
            .replace("accuracy.goal_met_rate", "loyalty.csat"))
    return load_text(tmp_path, LESSON + GOOD_CHECK.replace("Acknowledging keeps her", claim) + extra + more)


def test_any_number_of_workers_gives_the_same_ledger(tmp_path: Path) -> None:
    lessons = demo_lessons(tmp_path)
    one, two = run_ledger(lessons=lessons, workers=1), run_ledger(lessons=lessons, workers=2)
    assert [r.as_dict() for r in one.rows] == [r.as_dict() for r in two.rows]
    assert json.dumps([r.as_dict() for r in one.rows], allow_nan=False)


def test_runs_shared_by_checks_are_run_once(tmp_path: Path) -> None:
    ledger = run_ledger(lessons=demo_lessons(tmp_path))
    # two three_reps checks share both sides (different scores of the same runs); first_day has its own
    assert ledger.runs == 3 * 2 + 3 * 2


def test_replications_override_every_check(tmp_path: Path) -> None:
    ledger = run_ledger(lessons=demo_lessons(tmp_path), replications=4)
    assert all(r.seeds == (1, 2, 3, 4) for r in ledger.rows)


def test_reports_escape_every_text_and_hold_no_script(tmp_path: Path) -> None:
    ledger = run_ledger(lessons=demo_lessons(tmp_path, claim="<script>alert('x')</script> & more"))
    html = ledger_html(ledger)
    assert "<script" not in html.lower() and "&lt;script&gt;" in html and "&amp; more" in html
    assert "onload" not in html and "javascript:" not in html
    md = ledger_markdown(ledger)
    assert md.startswith("# The lesson ledger") and md.count("\n| demo[") == 3
    text = format_ledger(ledger)
    assert text.splitlines()[0].split()[:4] == ["check", "verdict", "effect", "95"]


def test_cli_prints_the_table_writes_reports_and_exits_by_verdict(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out_dir, md = tmp_path / "out", tmp_path / "docs" / "lessons.md"
    code = main(["lessons", "carp_acknowledge[0]", "-n", "3", "--out", str(out_dir), "--markdown", str(md),
                 "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "carp_acknowledge[0]" in out and "holds" in out and "-100.0 pts" in out
    for name in ("lessons.csv", "lessons.html"):
        assert (out_dir / name).stat().st_size > 200
    assert "| carp_acknowledge[0] | holds |" in md.read_text(encoding="utf-8")
    csv_lines = (out_dir / "lessons.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith("lesson,check,claim,") and len(csv_lines) == 2
    assert main(["lessons", "carp_acknowledge[0]", "-n", "2", "--out", str(out_dir), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out.split("\nwrote ")[0])
    assert doc["rows"][0]["lesson"] == "carp_acknowledge" and doc["counts"]["holds"] == 1
    assert doc["rows"][0]["seeds"] == [1, 2] and doc["rows"][0]["effect"]["mean"] == pytest.approx(-1.0)


def test_cli_exit_1_when_a_lesson_asked_for_has_no_check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    lesson = Lesson(id="later", title="Not yet checked", principle="P", text="A. B.", responses=("answer",),
                    levers=(), scenarios=("three_reps",), metrics=())
    monkeypatch.setattr("sim.lessons.load_lessons", lambda path=None: (lesson,))
    assert main(["lessons", "later", "--out", str(tmp_path)]) == 1
    assert "no check" in capsys.readouterr().out


def test_cli_unknown_lesson_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "hire_frendly", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown lesson 'hire_frendly'" in err and "hire_friendly" in err
    assert main(["lessons", "hire_friendly[99]", "--out", str(tmp_path)]) == 2
    assert not list(tmp_path.iterdir())  # nothing ran, nothing written


def test_cli_help_explains_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["lessons", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 when every check asked for holds; 1 when any fails, is too weak" in text


# ---------------------------------------------------------------------------
# The shipped ledger: every lesson has a check, every lever text is checked
# ---------------------------------------------------------------------------


def test_every_lesson_has_a_check() -> None:
    assert [lesson.id for lesson in load_lessons() if not lesson.checks] == []


def _value(check: Check, side: Any, key: str) -> Any:
    from sim.lessons import shipped_scenario

    scen = shipped_scenario(check.scenario)
    assert scen is not None
    return getattr(with_policies(scen, side.overrides()).policies if side.policies else scen.policies, key)


def _moves(check: Check, lever: str, change: str) -> bool:
    """Whether the check's variant pulls `lever` the way a lever text's `change` says, against its base."""
    if lever not in dict(check.variant.policies):
        return False
    before, after = _value(check, check.base, lever), _value(check, check.variant, lever)
    if before == after:
        return False
    if change in ("up", "down"):
        b, a = (sum(before), sum(after)) if isinstance(before, tuple) else (before, after)
        return a > b if change == "up" else a < b
    if change in ("on", "off"):
        if isinstance(after, bool):
            return after is (change == "on")
        if lever == "priority":
            return bool(after) is (change == "on")
        return (len(after) > len(before)) is (change == "on")  # channels opened or closed
    return after == change  # a named value: escalation, hiring_profile, playbook


def lever_texts() -> list[tuple[str, str, str]]:
    with open(assets_dir() / "dialogue" / "levers.toml", "rb") as fh:
        data = tomllib.load(fh)
    return [(lever, change, entry["lesson"]) for lever, table in data["levers"].items()
            for change, entry in table.items()]


def unchecked_lever_texts() -> list[tuple[str, str, str]]:
    by_id = {lesson.id: lesson for lesson in load_lessons()}
    return [(lever, change, lid) for lever, change, lid in lever_texts()
            if not any(_moves(c, lever, change) for c in by_id[lid].checks)]


def test_every_lever_text_claims_only_what_a_check_of_its_lesson_tests() -> None:
    assert len(lever_texts()) >= 30 and {lever for lever, _, _ in lever_texts()} <= set(POLICY_KEYS)
    assert unchecked_lever_texts() == []


def test_the_lever_matcher_tells_directions_apart() -> None:
    by_id = {lesson.id: lesson for lesson in load_lessons()}
    hire = next(c for c in by_id["hire_friendly"].checks if dict(c.variant.policies).get("hiring_profile") == "friendly")
    assert _moves(hire, "hiring_profile", "friendly") and not _moves(hire, "hiring_profile", "competent")
    more_staff = by_id["be_available"].checks[0]
    assert _moves(more_staff, "staffing", "up") and not _moves(more_staff, "staffing", "down")
    talk_only = by_id["carp_acknowledge"].checks[0]
    assert not any(_moves(talk_only, key, change) for key in POLICY_KEYS for change in ("up", "down", "on", "off"))


# ---------------------------------------------------------------------------
# A fast set of real checks: they hold with the current model, clear of zero
# ---------------------------------------------------------------------------

FAST = ["carp_control[2]", "carp_acknowledge[0]", "emotions_first[2]", "emotional_hurdle[0]",
        "value_mistakes[0]", "meaningful_gesture[2]", "never_permission[1]", "avoid_make_it_up[1]",
        "under_promise[2]", "gold_star[0]", "surface_service[3]"]


@pytest.mark.ledger_fast
def test_fast_real_checks_hold() -> None:
    ledger = run_ledger(FAST)  # each check as written: its own replications
    assert len(ledger.rows) == len(FAST) and all(r.check and r.check.scenario == "three_reps" for r in ledger.rows)
    for r in ledger.rows:
        assert r.diff is not None and r.diff.excludes_zero and not math.isinf(r.diff.lo), r.id
        assert r.verdict == HOLDS, (r.id, r.claim, r.diff)


# ---------------------------------------------------------------------------
# Comparing two effects: "training pays back faster with people who learn easily"
# ---------------------------------------------------------------------------

THAN_CHECK = """
[[lessons.demo.checks]]
claim = "Acknowledging matters more for her than asking how she feels"
scenario = "three_reps"
metric = "loyalty.retention"
expect = "lower"
min_effect = 0.001
replications = 4
variant = { habits = ["skip_acknowledge"] }
than = { base = {}, variant = { habits = ["skip_ask_feelings"] } }
"""


def test_a_check_can_compare_two_effects_seed_by_seed(tmp_path):
    (lesson,) = load_text(tmp_path, LESSON + THAN_CHECK)
    (check,) = lesson.checks
    assert check.than_variant is not None and check.than_variant.habits == ("skip_ask_feelings",)
    assert "more than as shipped \u2192 habits=skip_ask_feelings" in check.staging()
    (row,) = run_ledger(lessons=(lesson,)).rows
    vals = {}
    for habits in ((), ("skip_acknowledge",), ("skip_ask_feelings",)):
        vals[habits] = [run(load_scenario("three_reps"), seed=s, responder=Habits(habits))
                        .scores["loyalty"]["retention"] for s in range(1, 5)]
    mine = [v - b for v, b in zip(vals[("skip_acknowledge",)], vals[()])]
    theirs = [v - b for v, b in zip(vals[("skip_ask_feelings",)], vals[()])]
    expected = paired_interval(mine, theirs)
    assert row.diff is not None and expected is not None
    assert math.isclose(row.diff.mean, expected.mean, abs_tol=1e-9)  # a difference of differences
    assert math.isclose(row.diff.lo, expected.lo, abs_tol=1e-9)


def test_a_comparison_with_no_change_is_refused(tmp_path):
    bad = THAN_CHECK.replace('than = { base = {}, variant = { habits = ["skip_ask_feelings"] } }',
                             'than = { base = {}, variant = {} }')
    found = problems_of(tmp_path, LESSON + bad)
    assert any(k.endswith("checks[0].than.variant") for k in found), found
