"""The `servicefloor` command line, driven through sim.cli.main with captured output."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from sim import load_scenario, run, with_policies
from sim.cli import main

REQUIRED_COLUMNS = (
    "contact_id", "customer_id", "channel", "segment", "goal", "arrival_time", "answer_time", "end_time",
    "abandoned", "agent_id", "turns", "resolved", "goal_met", "correct_info", "repeat_of", "frustration_start",
    "frustration_end", "survey_score", "retention_probability",
)

SMALL = """\
[scenario]
id = "small"
name = "A small shift"
interval_s = 1800

[arrivals]
phone = [60, 80]
chat = [20, 20]

[policies]
staffing = [5, 6]
"""


def strict_json(text: str) -> Any:
    """JSON as the standard has it: NaN or Infinity are errors."""
    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.toml"
    p.write_text(SMALL, encoding="utf-8")
    return p


def test_run_prints_the_score_table(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    assert main(["run", str(small), "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "A small shift - seed 3" and set(lines[1]) == {"-"}
    for label in ("SPEED", "service level (phone + chat)", "ACCURACY", "first-contact resolution", "LOYALTY",
                  "cost of poor service", "STAFF COST", "OVERALL"):
        assert any(line.lstrip().startswith(label) for line in lines), label
    # the table shows this run's numbers
    scores = run(load_scenario(small), seed=3).scores
    offered = f"{scores['speed']['offered']} / {scores['speed']['answered']}"
    assert any(line.startswith("  contacts offered / answered") and line.endswith(offered) for line in lines)
    assert lines[-1].split()[1] == f"{scores['overall']['score']:.1f}"


def test_run_json_is_valid_json_with_the_scores(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    assert main(["run", str(small), "--seed", "2", "--json"]) == 0
    doc = strict_json(capsys.readouterr().out)
    scen = load_scenario(small)
    assert doc["scenario"] == "small" and doc["seed"] == 2 and doc["digest"] == scen.digest
    assert set(doc["scores"]) >= {"speed", "accuracy", "loyalty", "overall", "staff_cost"}
    assert doc["scores"] == strict_json(json.dumps(run(scen, seed=2).scores))


def test_run_json_of_a_pure_queue_is_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "pure_queue", "--json"]) == 0
    doc = strict_json(capsys.readouterr().out)
    assert 0.0 < doc["scores"]["speed"]["service_level"] < 1.0


def test_contacts_csv_has_the_required_columns(capsys: pytest.CaptureFixture[str], small: Path, tmp_path: Path) -> None:
    contacts, turns = tmp_path / "out" / "contacts.csv", tmp_path / "out" / "turns.csv"
    assert main(["run", str(small), "--contacts-csv", str(contacts), "--turns-csv", str(turns)]) == 0
    capsys.readouterr()
    with open(contacts, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert set(REQUIRED_COLUMNS) <= set(rows[0])
    result = run(load_scenario(small), seed=1)
    assert len(rows) == len(result.contacts)
    abandoned = [r for r in rows if r["abandoned"] == "1"]
    served = [r for r in rows if r["status"] == "served"]
    assert abandoned and served
    assert all(r["answer_time"] == "" and r["agent_id"] == "" for r in abandoned)  # empty if abandoned
    for r in served:
        assert float(r["answer_time"]) >= float(r["arrival_time"])
        assert r["goal_met"] in ("0", "1") and r["survey_score"] in ("", "1", "2", "3", "4", "5")
        assert 0.0 <= float(r["retention_probability"]) <= 1.0
    assert sorted(int(r["contact_id"]) for r in rows) == list(range(len(rows)))
    with open(turns, newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(result.turns)


def test_set_overrides_change_the_run(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    args = ["run", str(small), "--json", "--set", "staffing=[9, 10]", "--set", "playbook=fast_and_friendly",
            "--set", "callbacks=true"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)  # strictly valid JSON: see test_json_stays_valid_...
    changed = with_policies(load_scenario(small), {"staffing": [9, 10], "playbook": "fast_and_friendly",
                                                   "callbacks": True})
    assert doc["digest"] == changed.digest != load_scenario(small).digest
    expected = run(changed, seed=1).scores
    assert doc["scores"]["overall"] == expected["overall"]
    assert doc["scores"]["speed"]["service_level"] == expected["speed"]["service_level"]
    assert doc["scores"]["staff_cost"] == pytest.approx((9 + 10) * 0.5 * 30.0)
    assert doc["scores"]["overall"] != strict_json(json.dumps(run(load_scenario(small), seed=1).scores))["overall"]


def test_json_stays_valid_when_a_case_is_open_at_the_end_of_the_day(capsys: pytest.CaptureFixture[str],
                                                                     small: Path) -> None:
    args = ["run", str(small), "--json", "--set", "staffing=[9, 10]", "--set", "playbook=fast_and_friendly",
            "--set", "callbacks=true"]
    assert main(args) == 0
    strict_json(capsys.readouterr().out)


@pytest.mark.parametrize(("item", "expected"), [
    ("callbacks=maybe", "--set: callbacks: expected true or false, got a string 'maybe'"),
    ("callback=true", "--set: callback: unknown policy (known: staffing, channels_open, callbacks"),
    ("staffing=[1, 2, 3]", "--set: staffing: expected 2 values (one per interval), got 3"),
    ("staffing", "--set: staffing: expected key=value"),
])
def test_bad_set_is_a_readable_error_with_exit_code_2(capsys: pytest.CaptureFixture[str], small: Path,
                                                        item: str, expected: str) -> None:
    assert main(["run", str(small), "--set", item]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert expected in err
    assert "Traceback" not in err and err.startswith("servicefloor: ")


def test_missing_scenario_is_exit_code_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["run", str(tmp_path / "nowhere.toml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nowhere.toml'}: file not found" in err and "Traceback" not in err


def test_validate_prints_every_error_and_exits_1(capsys: pytest.CaptureFixture[str], small: Path,
                                                 tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(SMALL.replace("staffing = [5, 6]", "staffing = [5, -6]\ncallbaks = true")
                      .replace("chat = [20, 20]", "chat = [20, 20, 20]\nfax = [1, 1]"), encoding="utf-8")
    assert main(["validate", str(small), str(broken)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"ok   {small} (A small shift, 2 intervals, mode full)")
    assert out[1] == f"FAIL {broken}"
    problems = [line.strip() for line in out[2:]]
    assert sorted(problems) == sorted([
        f"{broken}: policies.staffing[1]: expected an integer between 0 and 1000, got -6",
        f"{broken}: policies.callbaks: unknown key (known keys: authority_limit, callback_after_s, callbacks, "
        "channels_open, escalation, hiring_profile, hold_messages, playbook, priority, show_history, staffing, "
        "sunset_rule, supervisors, training_hours_per_week, wrap_up_s, written_procedures)",
        f"{broken}: arrivals.chat: expected 2 rates (one per staffing interval), got 3",
        f"{broken}: arrivals.fax: unknown channel (expected one of phone, chat, email, web)",
    ])


def test_validate_without_arguments_checks_every_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) >= 3 and all(line.startswith("ok   ") for line in out)
    assert any("pure_queue.toml" in line and "mode pure_queue" in line for line in out)


def test_list_names_the_shipped_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert {"calm_weekday", "monday_outage", "pure_queue"} <= set(names)


@pytest.mark.parametrize("which", ["small", "calm_weekday"])
def test_result_file_replays_to_identical_scores(capsys: pytest.CaptureFixture[str], small: Path, tmp_path: Path,
                                                 which: str) -> None:
    scenario = str(small) if which == "small" else which
    result = tmp_path / "result.json"
    assert main(["run", scenario, "--seed", "5", "--result", str(result), "--json"]) == 0
    ran = strict_json(capsys.readouterr().out)
    doc = strict_json(result.read_text(encoding="utf-8"))
    assert doc["seed"] == 5 and doc["scores"] == ran["scores"]
    assert main(["replay", str(result)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("scores match the file")


def test_result_file_with_set_replays_to_identical_scores(capsys: pytest.CaptureFixture[str], small: Path,
                                                          tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    assert main(["run", str(small), "--seed", "5", "--set", "callbacks=true", "--set", "staffing=3",
                 "--result", str(result)]) == 0
    capsys.readouterr()
    assert main(["replay", str(result)]) == 0, capsys.readouterr().out.splitlines()[-1]


def test_replay_notices_scores_that_differ(capsys: pytest.CaptureFixture[str], small: Path, tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    assert main(["run", str(small), "--result", str(result)]) == 0
    doc = json.loads(result.read_text(encoding="utf-8"))
    doc["scores"]["overall"]["score"] += 1.0
    result.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert main(["replay", str(result)]) == 1
    assert "SCORES DIFFER" in capsys.readouterr().out


def test_replay_of_an_unreadable_file_is_exit_code_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "result.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["replay", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not a readable result file" in err and "Traceback" not in err


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    import os
    import stat

    from sim.runner import write_atomic

    target = tmp_path / "report.txt"
    write_atomic(target, "hello")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert target.read_text() == "hello"
