"""The `servicefloor` command line: a thin client of the simulation API."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import SaveError, ScenarioError
from .records import contacts_csv, turns_csv
from .runner import read_result, replay, run, save_result, write_atomic
from .home import data_home
from .scenario import ALLOW_LARGE_ENV, MAX_CONTACTS, list_scenarios, load_scenario, parse_overrides, with_policies

DEFAULT_SCENARIO = "calm_weekday"


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100.0 * x:.1f} %"


def _sec(x: Any) -> str:
    return "n/a" if x is None else f"{x:.0f} s"


def _money(x: Any) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def format_scores(scores: dict[str, Any], title: str) -> str:
    """The scores as a readable table."""
    sp, acc, loy, ov = scores["speed"], scores["accuracy"], scores["loyalty"], scores["overall"]
    rows: list[tuple[str, str]] = [
        ("SPEED", f"{ov['speed_score']:.0f} / 100"),
        ("  contacts offered / answered", f"{sp['offered']} / {sp['answered']}"),
        ("  service level (phone + chat)", _pct(sp["service_level"])),
        ("  average speed of answer", _sec(sp["asa_s"])),
        ("  abandonment", _pct(sp["abandon_rate"])),
        ("  average handle time", _sec(sp["aht_s"])),
        ("  time to resolution", _sec(sp["time_to_resolution_s"])),
        ("  sunset compliance", _pct(sp["sunset_compliance"])),
        ("ACCURACY", f"{ov['accuracy_score']:.0f} / 100"),
        ("  first-contact resolution", _pct(acc["first_contact_resolution"])),
        ("  correct information", _pct(acc["correct_info_rate"])),
        ("  customer goal met", _pct(acc["goal_met_rate"])),
        ("  repeat contacts", _pct(acc["repeat_contact_rate"])),
        ("LOYALTY", f"{ov['loyalty_score']:.0f} / 100"),
        ("  retention probability", _pct(loy["retention"])),
        ("  customers lost (complained / silent)",
         f"{loy['churned']} ({loy['complaints']} / {loy['silent_churn']})"),
        ("  people told by lost / happy customers", f"{loy['told_by_lost']:.0f} / {loy['told_by_happy']:.0f}"),
        ("  failures put right, customer kept", f"{loy['recoveries']}"),
        ("  retention: put right / never failed",
         f"{_pct(loy['recovered_retention'])} / {_pct(loy['never_failed_retention'])}"),
        ("  revenue at risk", _money(loy["revenue_at_risk"])),
        ("  cost of poor service", _money(loy["cost_of_poor_service"])),
        ("  survey: CSAT (4-5 of 5)", _pct(loy["csat"])),
        ("  survey: NPS", "n/a" if loy["nps"] is None else f"{loy['nps']:+.0f}"),
        ("  survey CSAT minus goals really met", "n/a" if loy["surface_gap"] is None
         else f"{100 * loy['surface_gap']:+.1f} points"),
        ("STAFF COST (staffing used)", _money(scores["staff_cost"])),
        ("MONEY: NET VALUE", _money(scores["money"]["net_value"])),
        ("  lifetime value kept", _money(scores["money"]["value_kept"])),
        ("  refunds paid (over-generous part)",
         f"{_money(scores['money']['refunds_paid'])} ({_money(scores['money']['overpaid'])})"),
        ("  gestures paid", _money(scores["money"]["gestures_paid"])),
        ("  staff cost", _money(scores["staff_cost"])),
        ("OVERALL", f"{ov['score']:.1f} / 100  " + "*" * ov["stars"] + "." * (3 - ov["stars"])),
    ]
    width = max(len(k) for k, _ in rows) + 2
    lines = [title, "-" * len(title)]
    lines += [f"{k.ljust(width)}{v}" for k, v in rows]
    return "\n".join(lines)


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clean(o: Any) -> Any:
    """Scores as strict JSON: NaN and infinities become null."""
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if hasattr(o, "item"):
        o = o.item()
    if isinstance(o, float) and (o != o or o in (float("inf"), float("-inf"))):
        return None
    return o


def cmd_run(args: argparse.Namespace) -> int:
    scen = load_scenario(args.scenario)
    overrides = parse_overrides(args.set or [])
    if overrides:
        scen = with_policies(scen, overrides)
    result = run(scen, seed=args.seed)
    if args.contacts_csv:
        write_atomic(args.contacts_csv, contacts_csv(result.contacts))
    if args.turns_csv:
        write_atomic(args.turns_csv, turns_csv(result.turns))
    if args.result:
        save_result(result, args.result)
    if args.json:
        doc = {"scenario": scen.id, "digest": scen.digest, "seed": args.seed, "scores": result.scores}
        print(json.dumps(_clean(doc), indent=2, allow_nan=False))
    else:
        print(format_scores(result.scores, f"{scen.name} - seed {args.seed}"))
    return 0


def _validate_lessons(path: str | None) -> bool:
    """Check a lessons file (default: the shipped one), checks included; print ok or every problem."""
    from .lessons import load_lessons
    from .scenario import assets_dir

    shown = path or str(assets_dir() / "lessons.toml")
    try:
        lessons = load_lessons(path)
    except ScenarioError as exc:
        print(f"FAIL {shown}")
        for problem in exc.problems:
            print(f"  {problem}")
        return False
    checks = sum(len(lesson.checks) for lesson in lessons)
    print(f"ok   {shown} ({len(lessons)} lessons, {checks} checks)")
    return True


def cmd_validate(args: argparse.Namespace) -> int:
    """Scenarios, and the lessons file: every shipped file without arguments, or the files named
    (a file called lessons.toml is read as a lessons file)."""
    named = args.scenarios or []
    paths = [p for p in named if Path(p).name != "lessons.toml"] if named else [str(p) for p in list_scenarios()]
    lesson_files: list[str | None] = [p for p in named if Path(p).name == "lessons.toml"] if named else [None]
    bad = 0
    for p in paths:
        try:
            scen = load_scenario(p)
        except ScenarioError as exc:
            bad += 1
            print(f"FAIL {p}")
            for problem in exc.problems:
                print(f"  {problem}")
        else:
            print(f"ok   {p} ({scen.name}, {scen.intervals} intervals, mode {scen.mode})")
    for lp in lesson_files:
        bad += not _validate_lessons(lp)
    return 1 if bad else 0


def cmd_replay(args: argparse.Namespace) -> int:
    doc = read_result(args.result)
    result = replay(doc, load_scenario(args.scenario) if args.scenario else None)
    if doc["scenario"].get("digest") not in (None, result.scenario.digest):
        print("note: the scenario file changed since this result was saved", file=sys.stderr)
    same = json.dumps(result.scores, sort_keys=True, default=_json_default) == json.dumps(
        doc.get("scores"), sort_keys=True, default=_json_default)
    print(format_scores(result.scores, f"replay of {args.result}"))
    print("scores match the file" if same else "SCORES DIFFER from the file")
    return 0 if same else 1


def cmd_list(args: argparse.Namespace) -> int:
    for p in list_scenarios():
        try:
            s = load_scenario(p)
            print(f"{p.stem:24s} {'*' * s.difficulty:5s} {s.name}")
        except ScenarioError as exc:
            print(f"{p.stem:24s} (broken: {exc.problems[0]})")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    try:
        from game.app import main as game_main
    except ImportError as exc:  # pragma: no cover - depends on installed extras
        print(f"servicefloor: the game could not start: {exc}", file=sys.stderr)
        return 2
    return int(game_main(args.scenario) or 0)


# ---------------------------------------------------------------------------
# The lab: compare, staff, sweep, cost (sim/lab, sim/report)
# ---------------------------------------------------------------------------


def _lab_options(p: argparse.ArgumentParser, replications: int) -> None:
    import os

    p.add_argument("--replications", "-n", type=int, default=replications, metavar="N",
                   help=f"replications per variant or grid point (default {replications})")
    p.add_argument("--workers", "-j", type=int, default=os.cpu_count() or 1, metavar="K",
                   help="worker processes on this machine (default: one per core)")
    p.add_argument("--seed", type=int, default=1, help="replication i uses seed SEED + i (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed cluster (tcp://host:8786)")
    p.add_argument("--confidence", type=_share(low_open=True), default=0.95,
                   help="confidence level of the intervals (default 0.95)")
    p.add_argument("--out", default="out/lab", metavar="DIR", help="folder for the CSV and HTML report (default out/lab)")
    p.add_argument("--run-id", metavar="ID", default=None,
                   help="names this run's files (compare-SCENARIO-ID.html ...); default: the date and time, "
                        "so runs never overwrite each other")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: only on a terminal)")


def _lab_progress(args: argparse.Namespace, total: int, label: str) -> Any:
    from .lab.progress import Progress

    return Progress(total, label, enabled=args.progress)


RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def _run_id(args: argparse.Namespace, stem: str, suffixes: Sequence[str]) -> str:
    """This run's id: --run-id, or the local date and time with a counter if a run of that second exists."""
    given = getattr(args, "run_id", None)
    if given is not None:
        if not RUN_ID.match(given):
            raise ValueError(f"--run-id: expected 1 to 40 letters, digits, '.', '_' or '-', got {given!r}")
        return str(given)
    import time

    base = time.strftime("%Y%m%d-%H%M%S")
    rid, n = base, 1
    while any((Path(args.out) / f"{stem}-{rid}{suf}").exists() for suf in suffixes):
        n += 1
        rid = f"{base}-{n}"
    return rid


def _lab_write(args: argparse.Namespace, stem: str, files: dict[str, str], stamped: bool = True) -> None:
    """Write a run's files to --out; `stamped` adds the run's id, so two runs never overwrite each other."""
    name = f"{stem}-{_run_id(args, stem, list(files))}" if stamped else stem
    for suffix, text in files.items():
        path = Path(args.out) / f"{name}{suffix}"
        write_atomic(path, text)
        print(f"wrote {path}")


def _lab_scenario(args: argparse.Namespace) -> Any:
    from .lab.changes import apply_changes

    scen = load_scenario(args.scenario)
    return apply_changes(scen, args.set or [], "--set")[0] if getattr(args, "set", None) else scen


def _seconds(text: str) -> float:
    """'20', '20s', '1.5m', '2min', '1h' as seconds (argparse type: a bad one names the flag)."""
    t = text.strip().lower()
    try:
        for suffix, factor in (("min", 60.0), ("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
            if t.endswith(suffix):
                value = float(t[: -len(suffix)]) * factor
                break
        else:
            value = float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a time such as 20s, 1.5m or 1h, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a time above 0, got {text!r}")
    return value


def _share(low_open: bool = True) -> Any:
    """An argparse type for a share: above 0 and at most 1 (a percentage typed as 95 or 5 is refused, with why)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text!r}") from None
        if not 0 < value <= 1 or (low_open and value == 1):
            hint = f" (for {value:g} % write {value / 100:g})" if 1 < value <= 100 else ""
            top = "below 1" if low_open else "at most 1"
            raise argparse.ArgumentTypeError(f"expected a share above 0 and {top}, got {text!r}{hint}")
        return value
    return parse


def cmd_compare(args: argparse.Namespace) -> int:
    from .lab.comparison import compare, make_variants
    from .lab.tables import comparison_csv, replications_csv
    from .lab.text import format_comparison
    from .report import comparison_html

    variants = make_variants(_lab_scenario(args), args.variant or [])
    total = args.replications * len(variants)
    c = compare(variants, args.replications, args.seed, args.workers, args.scheduler,
                _lab_progress(args, total, "compare"), level=args.confidence)
    print(format_comparison(c))
    print()
    stem = f"compare-{variants[0].scenario.id}"
    _lab_write(args, stem, {".csv": comparison_csv(c),
                            "-replications.csv": replications_csv([v.name for v in c.variants], c.seeds, c.runs),
                            ".html": comparison_html(c)})
    return 130 if c.interrupted else 0


def cmd_staff(args: argparse.Namespace) -> int:
    from .lab.staff import plan_staffing
    from .lab.tables import staff_csv
    from .lab.text import format_staff
    from .report import staff_html

    plan = plan_staffing(_lab_scenario(args), args.service_level, args.within, args.max_abandon,
                         args.replications, args.max_iterations, args.seed, args.workers, args.scheduler,
                         lambda n, label: _lab_progress(args, n, label), trim=args.trim)
    print(format_staff(plan))
    print()
    _lab_write(args, f"staff-{plan.scenario.id}", {".csv": staff_csv(plan), ".html": staff_html(plan)})
    return 130 if plan.interrupted else 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .lab.changes import parse_axes
    from .lab.kpis import kpi
    from .lab.grid import grid, sweep
    from .lab.tables import replications_csv, sweep_csv
    from .lab.text import format_sweep
    from .report import sweep_html

    kpi(args.cost_kpi), kpi(args.loyalty_kpi)  # unknown names fail before any run
    scen = _lab_scenario(args)
    axes = parse_axes(args.axes)
    total = len(grid(scen, axes)) * args.replications
    s = sweep(scen, axes, args.replications, args.seed, args.workers, args.scheduler,
              _lab_progress(args, total, "sweep"), level=args.confidence)
    print(format_sweep(s, args.cost_kpi, args.loyalty_kpi))
    print()
    names = [" ".join(f"{k}={v}" for k, v in s.labels(p).items()) for p in range(len(s.points))]
    _lab_write(args, f"sweep-{scen.id}", {".csv": sweep_csv(s),
                                          "-replications.csv": replications_csv(names, s.seeds, s.runs, "point"),
                                          ".html": sweep_html(s, args.cost_kpi, args.loyalty_kpi)})
    return 130 if s.interrupted else 0


def cmd_cost(args: argparse.Namespace) -> int:
    from .lab.cost_runs import cost_study
    from .lab.tables import cost_csv
    from .lab.text import format_costs
    from .report import cost_html

    scen = _lab_scenario(args)
    study = cost_study(scen, args.replications, args.seed, args.workers, args.scheduler,
                       _lab_progress(args, args.replications, "cost"), level=args.confidence)
    print(format_costs(study))
    print()
    _lab_write(args, f"cost-{scen.id}", {".csv": cost_csv(study), ".html": cost_html(study)})
    return 130 if study.interrupted else 0


def cmd_lessons(args: argparse.Namespace) -> int:
    from .ledger import (LedgerError, format_ledger, ledger_csv, ledger_html, ledger_json, ledger_markdown,
                         run_ledger, select)
    from .lessons import load_lessons

    lessons = load_lessons()
    try:
        picked = select(lessons, args.lessons)
    except LedgerError as exc:
        print(f"servicefloor: {exc}", file=sys.stderr)
        return 2
    del picked  # unknown ids are refused before any run
    ledger = run_ledger(args.lessons, args.replications, args.workers,
                        lambda n: _lab_progress(args, n, "lessons"), lessons)
    if args.json:
        print(ledger_json(ledger))
    else:
        print(format_ledger(ledger))
        print()
    _lab_write(args, "lessons", {".csv": ledger_csv(ledger), ".html": ledger_html(ledger)}, stamped=False)
    if args.markdown:
        command = "servicefloor lessons" + "".join(f" {n}" for n in args.lessons) + (
            f" --replications {args.replications}" if args.replications else "")
        write_atomic(args.markdown, ledger_markdown(ledger, command))
        print(f"wrote {args.markdown}")
    if ledger.interrupted:
        return 130
    return 0 if ledger.all_hold else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="servicefloor", description="ServiceFloor: simulate and train a customer-service team.")
    p.add_argument("--allow-large", action="store_true",
                   help=f"run scenarios that bring more than {MAX_CONTACTS:,} contacts per shift (slow)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run a scenario headless and print the scores")
    r.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a policy (repeatable)")
    r.add_argument("--contacts-csv", metavar="PATH", help="write one row per contact")
    r.add_argument("--turns-csv", metavar="PATH", help="write one row per conversation turn")
    r.add_argument("--result", metavar="PATH", help="write a result file that replays exactly")
    r.add_argument("--json", action="store_true", help="print the scores as JSON")
    r.set_defaults(func=cmd_run)

    v = sub.add_parser("validate", help="check scenario files and the lessons file and print every error")
    v.add_argument("scenarios", nargs="*", help="files to check (default: every shipped scenario and "
                                                "assets/lessons.toml; a file named lessons.toml is read as lessons)")
    v.set_defaults(func=cmd_validate)

    rp = sub.add_parser("replay", help="re-run a result file and check its scores")
    rp.add_argument("result")
    rp.add_argument("--scenario", help="scenario file, if it moved since the result was saved")
    rp.set_defaults(func=cmd_replay)

    ls = sub.add_parser("list", help="list the shipped scenarios")
    ls.set_defaults(func=cmd_list)

    g = sub.add_parser("play", help="open the game")
    g.add_argument("scenario", nargs="?", default=None)
    g.set_defaults(func=cmd_play)

    cp = sub.add_parser("compare", help="compare policy variants with common random numbers and paired intervals")
    cp.add_argument("scenario", help="the base scenario (file or shipped name)")
    cp.add_argument("--variant", nargs="+", action="append", metavar=("NAME", "KEY=VALUE"),
                    help="a variant: a name, then changes: key=value (TOML values), staffing+=2, "
                         "staffing[09:00-11:00]+=2, responder=CLASS.toml (a workshop class playbook) "
                         "(repeatable)")
    cp.add_argument("--set", action="append", metavar="KEY=VALUE", help="change the base (and every variant)")
    _lab_options(cp, 20)
    cp.set_defaults(func=cmd_compare)

    st = sub.add_parser("staff", help="fewest agents per interval for a service-level target (Erlang, then simulation)")
    st.add_argument("scenario")
    st.add_argument("--service-level", type=_share(low_open=False), default=0.8, metavar="SHARE",
                    help="share of phone and chat contacts answered within --within (default 0.8)")
    st.add_argument("--within", type=_seconds, default=20.0, metavar="TIME",
                    help="answer threshold, e.g. 20s, 1m (default 20s)")
    st.add_argument("--max-abandon", type=_share(low_open=False), default=None, metavar="SHARE",
                    help="highest abandonment, e.g. 0.05")
    st.add_argument("--max-iterations", type=int, default=8, help="simulation corrections at most (default 8)")
    st.add_argument("--trim", action=argparse.BooleanOptionalAction, default=True,
                    help="try one agent fewer where the target is met with room to spare (default on)")
    st.add_argument("--set", action="append", metavar="KEY=VALUE", help="change a policy first (repeatable)")
    _lab_options(st, 10)
    st.set_defaults(func=cmd_staff)

    sw = sub.add_parser("sweep", help="run a grid of policies: heat maps and the Pareto front of cost and loyalty")
    sw.add_argument("scenario")
    sw.add_argument("axes", nargs="+", metavar="KEY=SPEC", help="key=LO..HI[:STEP] or key=a,b,c")
    sw.add_argument("--cost-kpi", default="staff_cost", help="cost side of the Pareto front (default staff_cost)")
    sw.add_argument("--loyalty-kpi", default="retention", help="loyalty side of the Pareto front (default retention)")
    sw.add_argument("--set", action="append", metavar="KEY=VALUE", help="change a policy at every point")
    _lab_options(sw, 10)
    sw.set_defaults(func=cmd_sweep)

    co = sub.add_parser("cost", help="the cost of poor service in money, by cause")
    co.add_argument("scenario")
    co.add_argument("--set", action="append", metavar="KEY=VALUE", help="change a policy first (repeatable)")
    _lab_options(co, 20)
    co.set_defaults(func=cmd_cost)

    le = sub.add_parser(
        "lessons", help="run the lesson ledger: every lesson's checks as paired experiments, with verdicts",
        description="Run the checks of assets/lessons.toml: for each, the base and the variant side of its "
                    "scenario on seeds 1..N (common random numbers), the mean paired difference of its score "
                    "with a 95 %% t interval, and a verdict: holds (the interval lies on the claimed side and "
                    "the effect is at least min_effect), fails (clearly on the wrong side), too weak (neither), "
                    "no check (the lesson has none). Writes lessons.csv and lessons.html to --out.",
        epilog="exit status: 0 when every check asked for holds; 1 when any fails, is too weak or a lesson "
               "asked for has no check; 2 for an unknown lesson id or unusable input; 130 when stopped with Ctrl-C.")
    le.add_argument("lessons", nargs="*", metavar="LESSON",
                    help="lesson ids to run, or one check as id[K] (default: every lesson)")
    le.add_argument("--replications", "-n", type=int, default=None, metavar="N",
                    help="paired seeds 1..N for every check (default: each check's own, 20 unless it says)")
    le.add_argument("--workers", "-j", type=int, default=1, metavar="K",
                    help="worker processes (default 1); the results are the same for any K")
    le.add_argument("--out", default="out/lessons", metavar="DIR",
                    help="folder for lessons.csv and lessons.html (default out/lessons)")
    le.add_argument("--json", action="store_true", help="print the ledger as JSON instead of the table")
    le.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown (e.g. docs/lessons.md)")
    le.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="progress bar on stderr (default: only on a terminal)")
    le.set_defaults(func=cmd_lessons)

    from .workshop.cli import add_parser as add_workshop
    add_workshop(sub)
    return p


def crash_log() -> Path:
    return data_home() / "logs" / "servicefloor-errors.log"


def report_crash(exc: BaseException, what: str = "servicefloor") -> int:
    """The last resort: one sentence for the user, the traceback in a log file in the user data folder."""
    import datetime
    import traceback

    log = crash_log()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.datetime.now().isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
            fh.write("".join(traceback.format_exception(exc)))
        where = f"the details are in {log}"
    except OSError:
        where = "the details could not be written to a log file"
    print(f"{what}: something went wrong that should not have ({type(exc).__name__}); nothing was saved "
          f"half-way, {where}. Please report it with that file.", file=sys.stderr)
    return 70


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.allow_large:
        os.environ[ALLOW_LARGE_ENV] = "1"  # worker processes inherit it
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        print("servicefloor: the scenario cannot be used:", file=sys.stderr)
        for problem in dict.fromkeys(str(p) for p in exc.problems):  # the same problem once, however often found
            print(f"  {problem}", file=sys.stderr)
        return 2
    except SaveError as exc:
        print(f"servicefloor: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"servicefloor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("servicefloor: stopped", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback on a user's screen
        return report_crash(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
