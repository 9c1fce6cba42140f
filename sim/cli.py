"""The `servicefloor` command line: a thin client of the simulation API."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import SaveError, ScenarioError
from .records import contacts_csv, turns_csv
from .runner import read_result, replay, run, save_result, write_atomic
from .scenario import list_scenarios, load_scenario, parse_overrides, with_policies

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
        ("  word of mouth (net people told)", f"{loy['word_of_mouth']:+.0f}"),
        ("  revenue at risk", _money(loy["revenue_at_risk"])),
        ("  cost of poor service", _money(loy["cost_of_poor_service"])),
        ("  refunds and gestures paid", _money(loy["money_paid"])),
        ("  survey: CSAT (4-5 of 5)", _pct(loy["csat"])),
        ("  survey: NPS", "n/a" if loy["nps"] is None else f"{loy['nps']:+.0f}"),
        ("  survey CSAT minus goals really met", "n/a" if loy["surface_gap"] is None
         else f"{100 * loy['surface_gap']:+.1f} points"),
        ("STAFF COST", _money(scores["staff_cost"])),
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
        print(json.dumps(doc, indent=2, default=_json_default))
    else:
        print(format_scores(result.scores, f"{scen.name} - seed {args.seed}"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    paths = args.scenarios or [str(p) for p in list_scenarios()]
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
    return 1 if bad else 0


def cmd_replay(args: argparse.Namespace) -> int:
    doc = read_result(args.result)
    result = replay(doc, load_scenario(args.scenario) if args.scenario else None)
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="servicefloor", description="ServiceFloor: simulate and train a customer-service team.")
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

    v = sub.add_parser("validate", help="check scenario files and print every error")
    v.add_argument("scenarios", nargs="*", help="files to check (default: every shipped scenario)")
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioError as exc:
        print("servicefloor: the scenario cannot be used:", file=sys.stderr)
        for problem in exc.problems:
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
