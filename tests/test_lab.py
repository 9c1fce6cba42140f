"""The lab's building blocks: t quantiles, intervals, policy changes, the cost attribution,
the Pareto front, the progress bar, and each command end to end on small scenarios."""

from __future__ import annotations

import csv
import io
import math
import re
import sys

import numpy as np
import pytest

from sim import run
from sim.cli import main
from sim.errors import ScenarioError
from sim.lab import KPIS, compare, make_variants, pareto_front
from sim.lab.changes import apply_changes, interval_slice, parse_axes, sweep_values
from sim.lab.costs import CAUSES, cost_breakdown
from sim.lab.progress import Progress
from sim.lab.stats import mean_interval, paired_interval, t_cdf, t_quantile
from sim.records import ContactLog
from sim.scenario import parse_scenario
from sim.scores import compute


def small_day(**policies: object) -> object:
    """Two half-hours on three channels with conversations: about 60 contacts."""
    data = {
        "scenario": {"id": "lab_small", "name": "Lab small day", "interval_s": 1800, "start_clock": "09:00",
                     "drain_s": 1800},
        "arrivals": {"phone": [50, 60], "chat": [20, 20], "email": [6, 6]},
        "policies": {"staffing": [5, 5], "supervisors": 1, **policies},
    }
    return parse_scenario(data, "lab_small")


# ---------------------------------------------------------------- Student t

# quantiles from R's qt() (15 significant digits)
T_TABLE = [
    (0.975, 1, 12.7062047361747), (0.975, 2, 4.30265272974946), (0.975, 3, 3.18244630528371),
    (0.975, 4, 2.77644510519779), (0.975, 5, 2.57058183563631), (0.975, 9, 2.26215716279820),
    (0.975, 19, 2.09302405440831), (0.975, 29, 2.04522964213270), (0.975, 99, 1.98421695151799),
    (0.995, 1, 63.6567411628715), (0.995, 4, 4.60409487134999), (0.995, 30, 2.74999565356722),
    (0.95, 7, 1.89457860509001), (0.9, 15, 1.34060560785045), (0.999, 10, 4.14370049404659),
    (0.975, 1000, 1.96233908082641),
]


@pytest.mark.parametrize(("p", "df", "expected"), T_TABLE)
def test_t_quantile_matches_known_values(p: float, df: int, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, rel=1e-9)
    assert t_quantile(1 - p, df) == pytest.approx(-expected, rel=1e-9)


def test_t_cdf_inverts_the_quantile_and_is_symmetric() -> None:
    for df in (1, 2, 3, 6, 17, 60, 500):
        for p in (0.6, 0.9, 0.975, 0.9995):
            assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-12)
        assert t_cdf(-1.3, df) == pytest.approx(1 - t_cdf(1.3, df), abs=1e-14)
    assert t_cdf(0.0, 4) == 0.5
    assert t_quantile(0.975, 10**6) == pytest.approx(1.959963984540054, abs=1e-5)  # the normal's
    with pytest.raises(ValueError):
        t_quantile(0.975, 0)
    with pytest.raises(ValueError):
        t_quantile(1.0, 5)


def test_intervals_over_replications() -> None:
    iv = mean_interval([1.0, 2.0, 3.0, 4.0])
    half = 3.18244630528371 * math.sqrt(5 / 3) / 2  # t(0.975, 3) * sd / sqrt(n)
    assert (iv.mean, iv.n) == (2.5, 4)
    assert iv.hi - iv.mean == pytest.approx(half)
    assert mean_interval([]) is None
    assert mean_interval([None, 3.0]).n == 1  # type: ignore[union-attr]
    d = paired_interval([2.0, 3.0, None, 5.0], [1.0, 1.0, 1.0, 2.0])
    assert d is not None and d.n == 3 and d.mean == pytest.approx(2.0)
    assert paired_interval([1.0, 2.0], [1.0, 2.0]).excludes_zero is False  # type: ignore[union-attr]
    assert paired_interval([2.0, 3.0], [1.0, 2.0]).excludes_zero is True  # type: ignore[union-attr]


# ---------------------------------------------------------------- policy changes


def test_relative_staffing_by_slice_and_by_clock() -> None:
    scen = small_day(staffing=[5, 5])
    more, over = apply_changes(scen, ["staffing+=2"])
    assert more.policies.staffing == (7, 7) and over == {"staffing": [7, 7]}
    assert apply_changes(scen, ["staffing[1:]+=3"])[0].policies.staffing == (5, 8)
    assert apply_changes(scen, ["staffing[09:00-09:30]+=1"])[0].policies.staffing == (6, 5)
    assert apply_changes(scen, ["staffing=3", "staffing[1]-=1"])[0].policies.staffing == (3, 2)
    assert list(interval_slice(scen, "09:30-10:00")) == [1]
    assert apply_changes(scen, ["callbacks=true", "authority_limit=100"])[0].policies.callbacks is True
    with pytest.raises(ScenarioError, match="unknown policy"):
        apply_changes(scen, ["staffin=3"])
    with pytest.raises(ScenarioError, match="expected key=value"):
        apply_changes(scen, ["callbacks"])


@pytest.mark.parametrize("sel, says", [("25:30", "reaches past the shift"), ("1:0", "picks no interval"),
                                       ("07:00-08:00", "picks no interval of this shift"), ("2", "not an interval"),
                                       ("1:1", "picks no interval"), ("11:00-10:00", "picks no interval")])
def test_a_slice_that_changes_nothing_is_an_error_naming_it_and_the_valid_range(sel: str, says: str) -> None:
    scen = small_day(staffing=[5, 5])  # two half-hours from 09:00
    with pytest.raises(ScenarioError) as info:
        apply_changes(scen, [f"staffing[{sel}]+=2"])
    problem = info.value.problems[0]
    assert problem.key == f"staffing[{sel}]" and says in problem.message
    assert "intervals 0 to 1" in problem.message and "09:00-10:00" in problem.message


def test_sweep_axes() -> None:
    assert sweep_values("15..18") == [15, 16, 17, 18]
    assert sweep_values("0..100:25") == [0, 25, 50, 75, 100]
    assert sweep_values("0.5..1.5:0.5") == [0.5, 1.0, 1.5]
    assert sweep_values("true,false") == [True, False]
    assert sweep_values("carp,fast_and_friendly") == ["carp", "fast_and_friendly"]
    assert sweep_values("[1,2],[3,4]") == [[1, 2], [3, 4]]
    assert parse_axes(["staffing=4..5", "callbacks=true,false"]) == {"staffing": [4, 5], "callbacks": [True, False]}
    with pytest.raises(ScenarioError):
        parse_axes(["staffing=5..4"])
    with pytest.raises(ScenarioError):
        parse_axes(["nothing"])


def test_variants_need_unique_names() -> None:
    scen = small_day()
    vs = make_variants(scen, [["more", "staffing+=1"], ["cb", "callbacks=true"]])
    assert [v.name for v in vs] == ["base", "more", "cb"]
    with pytest.raises(ValueError, match="used twice"):
        make_variants(scen, [["a", "callbacks=true"], ["a", "staffing+=1"]])
    with pytest.raises(ValueError, match="name"):
        make_variants(scen, [["callbacks=true"]])


# ---------------------------------------------------------------- cost of poor service


def _row(cid: int, cust: int, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "contact_id": cid, "customer_id": cust, "channel": "phone", "segment": "end_user", "goal": "g",
        "reason": "new", "status": "served", "arrival_time": 100.0 * cid, "answer_time": 100.0 * cid + 10.0,
        "end_time": 100.0 * cid + 50.0, "abandoned": False, "transfers": 0, "escalated": False,
        "resolved": True, "goal_met": True, "correct_info": True, "open_case": False,
        "retention_probability": 0.8, "lifetime_value": 1000.0, "loyalty_draw": 0.5, "handle_time": 40.0,
    }
    row.update(kw)
    return row


def hand_built_log() -> ContactLog:
    """One customer per cause (end_user: speed expectation 45 s, retention base 0.90)."""
    rows = [
        _row(1, 1, answer_time=100.0 + 60.0, retention_probability=0.7),  # waited 60 s > 45 s
        _row(2, 2, correct_info=False, goal_met=False, retention_probability=0.6),  # wrong answer...
        _row(3, 2, reason="repeat", repeat_of=2, arrival_time=900.0, answer_time=905.0, end_time=990.0,
             retention_probability=0.75),  # ...its repeat contact, solved: still the wrong answer's fault
        _row(4, 3, open_case=True, retention_probability=0.5),  # case never updated
        _row(5, 4, escalated=True, goal_met=False, correct_info=None, retention_probability=0.65),
        _row(6, 5, status="abandoned", abandoned=True, answer_time=None, handle_time=None,
             correct_info=None, goal_met=False, retention_probability=0.7),  # hung up...
        _row(7, 5, reason="retry", repeat_of=6, arrival_time=1500.0, answer_time=1502.0, end_time=1600.0,
             retention_probability=0.85),  # ...retried and was served: the wait is still the cause
        _row(8, 6, retention_probability=0.95, segment="business", lifetime_value=12000.0),  # flawless
        _row(9, 7, transfers=1, goal_met=False, correct_info=None, retention_probability=0.7),  # unmet, no answer
        _row(10, 8, open_case=True, promise="broken", followup_time=2000.0, escalated=True, goal_met=False,
             retention_probability=0.4),  # broken promise beats the escalation
    ]
    log = ContactLog()
    for r in rows:
        log.append(r)
    return log


def test_cost_attribution_on_a_hand_built_log() -> None:
    scen = small_day()
    log = hand_built_log()
    out = cost_breakdown(log, scen)
    assert out["customers"] == {"long_wait": 2, "wrong_answer": 1, "missing_followup": 2,
                                "unresolved_escalation": 1, "unmet_goal": 1, "no_failure": 1}
    assert out["lost"]["long_wait"] == pytest.approx(300.0 + 150.0)
    assert out["lost"]["wrong_answer"] == pytest.approx(250.0)
    assert out["lost"]["missing_followup"] == pytest.approx(500.0 + 600.0)
    assert out["lost"]["unresolved_escalation"] == pytest.approx(350.0)
    assert out["lost"]["unmet_goal"] == pytest.approx(300.0)
    assert out["lost"]["no_failure"] == pytest.approx(0.05 * 12000.0)
    # beyond the baseline (0.90 for end users, 0.93 for business)
    assert out["above_baseline"]["long_wait"] == pytest.approx(200.0 + 50.0)
    assert out["above_baseline"]["no_failure"] == 0.0
    rework = compute(log, scen)["loyalty"]
    assert out["rework"] == {"repeat": scen.scoring.rework_cost, "retry": scen.scoring.rework_cost}
    assert sum(out["lost"].values()) == pytest.approx(rework["revenue_at_risk"])
    assert out["total"] == pytest.approx(rework["cost_of_poor_service"])


def test_cost_breakdown_adds_up_to_the_scores_on_a_simulated_day() -> None:
    scen = small_day()
    for seed in (1, 2):
        r = run(scen, seed=seed)
        out = cost_breakdown(r.contacts, scen)
        loy = r.scores["loyalty"]
        assert set(out["lost"]) == set(CAUSES)
        assert sum(out["lost"].values()) == pytest.approx(loy["revenue_at_risk"], abs=0.05)
        assert out["total"] == pytest.approx(loy["cost_of_poor_service"], abs=0.05)
        assert sum(out["customers"].values()) == loy["customers"]


# ---------------------------------------------------------------- Pareto front, progress bar


def test_pareto_front() -> None:
    pts = [(10.0, 0.80), (12.0, 0.85), (11.0, 0.79), (12.0, 0.84), (15.0, 0.85), (20.0, 0.90), (10.0, 0.80)]
    assert pareto_front(pts) == [0, 1, 5]
    assert pareto_front([]) == []


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_or_forced() -> None:
    quiet = io.StringIO()
    with Progress(4, "runs", stream=quiet) as bar:
        bar.update(4)
    assert quiet.getvalue() == ""
    tty = _Tty()
    with Progress(4, "runs", stream=tty) as bar:
        for _ in range(4):
            bar.update()
    text = tty.getvalue()
    assert "runs [" in text and "4/4 100 %" in text and text.endswith("\n")
    forced = io.StringIO()
    with Progress(2, "x", stream=forced, enabled=True) as bar:
        bar.update()
    assert "1/2" in forced.getvalue()
    bar = Progress(10, "x", enabled=False)
    bar.update(5)
    assert "5/10" in bar.line() and "left" in bar.line()


# ---------------------------------------------------------------- compare with common random numbers


def test_identical_variants_under_common_random_numbers_differ_by_exactly_zero() -> None:
    scen = small_day()
    c = compare(make_variants(scen, [["same", "hold_messages=false"]]), replications=3, workers=1)
    assert c.complete == [0, 1, 2]
    for row in c.rows():
        if row.variant == "same" and row.diff is not None:
            assert row.diff.mean == 0.0 and not row.significant, row.kpi.name
    assert {r.kpi.name for r in c.rows()} == {k.name for k in KPIS}


# ---------------------------------------------------------------- the commands end to end


@pytest.fixture(scope="module")
def small_toml(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("lab") / "small.toml"
    path.write_text(
        '[scenario]\nid = "lab_small"\nname = "Lab small day"\ninterval_s = 1800\nstart_clock = "09:00"\n'
        'drain_s = 1800\n[arrivals]\nphone = [50, 60]\nchat = [20, 20]\nemail = [6, 6]\n'
        '[policies]\nstaffing = [5, 5]\nsupervisors = 1\n', encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def pure_toml(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("lab") / "pure.toml"
    path.write_text(
        '[scenario]\nid = "lab_pure"\nmode = "pure_queue"\ninterval_s = 1800\ndrain_s = 1800\n'
        '[arrivals]\nphone = [240, 360, 300]\n[pure_queue]\nhandle_mean_s = 60\npatience_mean_s = 120\n'
        '[policies]\nstaffing = [4, 4, 4]\nchannels_open = ["phone"]\nwrap_up_s = 0\n', encoding="utf-8")
    return str(path)


def _read_csv(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_cli_compare(small_toml: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", small_toml, "--variant", "more", "staffing+=2", "--variant", "cb", "callbacks=true",
                 "-n", "3", "-j", "1", "--out", str(tmp_path), "--run-id", "r1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 replications, seeds 1-3, common random numbers" in out
    assert "service level (phone + chat)" in out and "more" in out
    rows = _read_csv(str(tmp_path / "compare-lab_small-r1.csv"))
    assert len(rows) == 3 * len(KPIS)
    assert {r["variant"] for r in rows} == {"base", "more", "cb"}
    staff = next(r for r in rows if r["kpi"] == "staff_cost" and r["variant"] == "more")
    assert float(staff["diff_mean"]) == pytest.approx(2 * 2 * 0.5 * 30.0) and staff["significant"] == "true"
    reps = _read_csv(str(tmp_path / "compare-lab_small-r1-replications.csv"))
    assert len(reps) == 9 and reps[0]["seed"] == "1"
    html = (tmp_path / "compare-lab_small-r1.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2 and "http" not in html.replace("http-equiv", "")


def test_cli_staff_pure_queue_matches_erlang_a(pure_toml: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["staff", pure_toml, "--service-level", "0.8", "--within", "20s", "--max-abandon", "0.05",
                 "-n", "4", "-j", "1", "--out", str(tmp_path), "--run-id", "r1", "--no-progress", "--no-trim"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Erlang A (mean patience 120 s)" in out and "agent hours" in out and "staffing = [" in out
    rows = _read_csv(str(tmp_path / "staff-lab_pure-r1.csv"))
    from sim.theory import agents_for_service_level
    for r, rate in zip(rows, (240, 360, 300)):
        assert int(r["erlang_agents"]) == agents_for_service_level(rate / 3600, 60, 0.8, 20, 120, 0.05)
        assert int(r["agents"]) >= int(r["erlang_agents"])
        assert float(r["sim_sl"]) >= 0.8 and float(r["sim_abandon"]) <= 0.05
    assert "data:image/png;base64," in (tmp_path / "staff-lab_pure-r1.html").read_text(encoding="utf-8")


def test_cli_staff_full_mode_corrects_the_analytic_start(small_toml: str, tmp_path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["staff", small_toml, "--service-level", "0.7", "--within", "30s", "-n", "3", "-j", "1",
                 "--max-iterations", "6", "--out", str(tmp_path), "--run-id", "r1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "pilot" in out and "simulation-corrected" in out
    rows = _read_csv(str(tmp_path / "staff-lab_small-r1.csv"))
    assert len(rows) == 2 and all(int(r["agents"]) >= 1 for r in rows)


def test_cli_sweep(small_toml: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sweep", small_toml, "staffing=3..7:2", "hold_messages=true,false", "-n", "2", "-j", "1",
                 "--out", str(tmp_path), "--run-id", "r1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "6 grid points x 2 replications" in out and "Pareto" in out
    rows = _read_csv(str(tmp_path / "sweep-lab_small-r1.csv"))
    assert [(r["staffing"], r["hold_messages"]) for r in rows][:2] == [("3", "true"), ("3", "false")]
    assert any(r["pareto_staff_cost_retention"] == "true" for r in rows)
    sl = [float(r["service_level"]) for r in rows]
    assert sl[0] < sl[2] < sl[4]  # more agents, better service (common random numbers)
    html = (tmp_path / "sweep-lab_small-r1.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 1 + len(KPIS)


def test_cli_cost(small_toml: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cost", small_toml, "-n", "3", "-j", "1", "--out", str(tmp_path), "--run-id", "r1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    for label in ("churn from long waits", "churn from wrong answers", "churn from missing follow-up",
                  "churn from unresolved escalations", "rework: repeat contacts", "= cost of poor service"):
        assert label in out
    rows = _read_csv(str(tmp_path / "cost-lab_small-r1.csv"))
    lost = sum(float(r["mean"]) for r in rows if r["part"] in ("lost", "rework"))
    total = next(float(r["mean"]) for r in rows if r["part"] == "total")
    assert lost == pytest.approx(total, abs=0.1)


def test_cli_ctrl_c_reports_the_finished_replications(small_toml: str, tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import sim.lab.comparison as lab_compare

    real = lab_compare.run_tasks

    def stopping(tasks, workers, scheduler, progress, on_result):  # type: ignore[no-untyped-def]
        def hook(i: int, _out: dict) -> None:
            if i == 4:  # the 5th of 2 variants x 4 replications, in order
                raise KeyboardInterrupt

        return real(tasks, workers, scheduler, progress, hook)

    monkeypatch.setattr(lab_compare, "run_tasks", stopping)
    code = main(["compare", small_toml, "--variant", "more", "staffing+=1", "-n", "4", "-j", "1",
                 "--out", str(tmp_path), "--run-id", "r1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 130
    assert "STOPPED (Ctrl-C): 2 of 4 replications of every variant finished" in out
    assert "2 replications, seeds 1-2" in out
    assert (tmp_path / "compare-lab_small-r1.html").exists()


def test_cli_reports_bad_input_cleanly(small_toml: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", small_toml, "--variant", "x", "stafing=3", "-n", "2", "--out", str(tmp_path)]) == 2
    assert "unknown policy" in capsys.readouterr().err
    assert main(["sweep", small_toml, "staffing=9..3", "--out", str(tmp_path)]) == 2
    assert main(["sweep", small_toml, "staffing=3..4", "--cost-kpi", "money", "--out", str(tmp_path)]) == 2
    assert "unknown KPI" in capsys.readouterr().err


def test_the_lab_does_not_import_pygame_or_matplotlib_to_run_replications() -> None:
    import subprocess

    code = ("import sys; import sim.lab, sim.lab.execute, sim.lab.staff; "
            "assert 'pygame' not in sys.modules; assert 'matplotlib' not in sys.modules; "
            "import sim.report; assert 'pygame' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_kpis_are_read_from_the_scores() -> None:
    r = run(small_day(), seed=3)
    for k in KPIS:
        v = k.read(r.scores)
        path = r.scores
        for key in k.path:
            path = path[key]
        assert v == (None if path is None else float(path)), k.name
    assert np.isfinite([k.read(r.scores) or 0.0 for k in KPIS]).all()


def test_two_runs_never_overwrite_each_other(small_toml: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        assert main(["cost", small_toml, "-n", "2", "-j", "1", "--out", str(tmp_path), "--no-progress"]) == 0
    reports = sorted(p.name for p in tmp_path.glob("cost-lab_small-*.html"))
    assert len(reports) == 2 and reports[0] != reports[1], reports  # each run has its own timestamped id
    assert re.fullmatch(r"cost-lab_small-\d{8}-\d{6}(-\d+)?\.html", reports[0])
    assert main(["cost", small_toml, "-n", "2", "--run-id", "../x", "--out", str(tmp_path)]) == 2


@pytest.mark.parametrize("argv, flag, says", [
    (["compare", "{s}", "--confidence", "95"], "--confidence", "for 95 % write 0.95"),
    (["staff", "{s}", "--within", "abc"], "--within", "expected a time such as 20s"),
    (["staff", "{s}", "--max-abandon", "5"], "--max-abandon", "for 5 % write 0.05"),
    (["staff", "{s}", "--service-level", "0"], "--service-level", "above 0"),
])
def test_a_bad_lab_option_is_refused_naming_the_flag(small_toml: str, tmp_path, capsys, argv, flag, says) -> None:
    with pytest.raises(SystemExit) as stop:
        main([a.replace("{s}", small_toml) for a in argv] + ["--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and f"argument {flag}:" in err and says in err, err
    assert not list(tmp_path.iterdir())


def test_a_missing_scenario_lists_the_shipped_ones_and_a_sweep_says_each_problem_once(tmp_path, capsys) -> None:
    assert main(["compare", "nosuch", "-n", "2", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no such scenario" in err and "calm_weekday" in err and "three_reps" in err
    assert main(["sweep", "calm_weekday", "stafing=1..3", "-n", "2", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("unknown policy") == 1, err
