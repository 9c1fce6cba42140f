"""Bad input never ends in a traceback or a run that never finishes: ranges, depth, size, the last resort."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import ALLOW_LARGE_ENV, MAX_CONTACTS, assets_dir, expected_contacts, load_scenario

CALM = (assets_dir() / "scenarios" / "calm_weekday.toml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "mine.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Traceback" not in out.out
    return code, out.out, out.err


@pytest.mark.parametrize("depth", [500, 5000])
def test_toml_nested_deep_is_refused_by_validate_and_run(tmp_path, capsys, depth):
    path = _write(tmp_path, CALM + "\nx = " + "[" * depth + "]" * depth + "\n")
    for cmd in ("validate", "run"):
        code, out, err = _run(capsys, cmd, path)
        assert code in (1, 2) and "nested too deep" in out + err, (cmd, out, err)


@pytest.mark.parametrize("change, key, says", [
    (("staffing", "[1000000]"), "staffing", "between 0 and 1000"),
    (("phone", "[1e15]"), "arrivals.phone[0]", "between 0 and 20000"),
    (("phone", "[1e300]"), "arrivals.phone[0]", "between 0 and 20000"),
    (("interval_s", "1e7"), "scenario.interval_s", "at most 604800"),
    (("wrap_up_s", "1e9"), "wrap_up_s", "between 0 and 3600"),
    (("authority_limit", "1e300"), "authority_limit", "between 0 and 1e+07"),
])
def test_sizes_have_a_sane_range_named_in_the_error(tmp_path, capsys, change, key, says):
    name, value = change
    text, n = re.subn(rf"(?m)^{name}\s*=.*$", f"{name} = {value}", CALM, count=1)
    if n == 0:  # the scenario does not set it: add it to its section
        section = "[scenario]" if name == "interval_s" else "[policies]"
        text = CALM.replace(section, f"{section}\n{name} = {value}", 1)
    if name in ("staffing", "phone"):  # every interval the same, as a typo would
        text = re.sub(rf"(?m)^{name}\s*=.*$", f"{name} = [{value.strip('[]')}] ", text, count=1)
    path = _write(tmp_path, text)
    code, out, err = _run(capsys, "validate", path)
    assert code == 1 and key in out and says in out, out


def test_set_with_a_huge_value_says_so_once(capsys):
    code, _, err = _run(capsys, "run", "calm_weekday", "--set", "staffing=1000000")
    assert code == 2 and "between 0 and 1000" in err
    assert len(err.strip().splitlines()) <= 3, err  # one problem, not one per interval
    code, _, err = _run(capsys, "run", "calm_weekday", "--set", f"staffing={2**63}")
    assert code == 2 and "between 0 and 1000" in err


def test_a_run_too_large_for_a_laptop_is_refused_with_how_to_run_it_anyway(tmp_path, capsys, monkeypatch):
    text = re.sub(r"(?m)^phone\s*=.*$", "phone = [" + ", ".join(["20000"] * 16) + "]", CALM, count=1)
    text = re.sub(r"(?m)^interval_s\s*=.*$", "interval_s = 7200", text, count=1)  # 16 x 2 h x 20,000 an hour
    path = _write(tmp_path, text)
    monkeypatch.delenv(ALLOW_LARGE_ENV, raising=False)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value.problems[0])
    assert "contacts" in message and "--allow-large" in message and f"{MAX_CONTACTS:,}" in message
    code, _, err = _run(capsys, "run", path)
    assert code == 2 and "--allow-large" in err
    monkeypatch.setenv(ALLOW_LARGE_ENV, "1")  # what --allow-large sets, for worker processes too
    assert expected_contacts(load_scenario(path)) > MAX_CONTACTS


def test_every_shipped_scenario_is_well_inside_the_size_limit():
    from sim.scenario import list_scenarios
    for p in list_scenarios():
        assert expected_contacts(load_scenario(p)) < MAX_CONTACTS / 10, p.stem


def test_an_unexpected_error_prints_one_sentence_and_logs_the_details(tmp_path, capsys, monkeypatch):
    import sim.cli as cli

    monkeypatch.setenv("SERVICEFLOOR_HOME", str(tmp_path))

    def broken(args):
        raise RuntimeError("a bug deep inside")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["list"].set_defaults(func=broken)  # type: ignore[union-attr]
    code, out, err = _run(capsys, "list")
    assert code == 70 and len(err.strip().splitlines()) == 1
    log = tmp_path / "logs" / "servicefloor-errors.log"
    assert str(log) in err and "RuntimeError" in err
    assert "Traceback" in log.read_text() and "a bug deep inside" in log.read_text()
