"""The lesson ledger: every lesson's claims, run as paired experiments.

Each check of ``assets/lessons.toml`` (`sim.lessons.Check`) names a shipped
scenario, a base side and a variant side (policy changes, habits of
`sim.habits`, a script of response kinds) and a score key.  Replication i runs
both sides with seed i, so they meet the same customers (common random
numbers); the ledger takes the score of each run with `sim.scores.metric`,
the paired difference variant - base per seed, and its t interval
(`sim.lab.stats.paired_interval`).

Verdicts:

* **holds** - the interval lies wholly on the expected side and the mean
  difference is at least `min_effect` in size;
* **fails** - the mean lies on the wrong side and the interval excludes zero;
* **too weak** - anything else (no clear difference, or a clear one too small);
* **no check** - the lesson has no check yet.

Runs go through the lab's task runner (`sim.lab.execute.run_tasks`), so any
number of worker processes gives identical results; a (scenario, side, seed)
run that several checks share (a common base, say) is run once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from .habits import Habits
from .lab.execute import Batch, Task, run_tasks
from .lab.progress import Progress
from .lab.stats import Interval, mean_interval, paired_interval
from .lessons import Check, Lesson, Side, load_lessons, shipped_scenario
from .responders import Responder
from .scenario import Scenario, with_policies
from .scores import metric as score_at

HOLDS, FAILS, TOO_WEAK, NO_CHECK = "holds", "fails", "too weak", "no check"
VERDICTS = (HOLDS, FAILS, TOO_WEAK, NO_CHECK)
LEVEL = 0.95


class LedgerError(ValueError):
    """The ledger cannot run what was asked (an unknown lesson id, a bad replication count)."""


@dataclass(frozen=True)
class Talk:
    """How a side's agents answer, as a picklable spec; workers build the responder themselves."""

    habits: tuple[str, ...]
    script: tuple[str, ...]

    def make_responder(self) -> Responder:
        return Habits(self.habits, self.script)


def side_key(check: Check, side: Side) -> tuple[Any, ...]:
    """What makes two runs the same run: the scenario and everything the side changes."""
    return (check.scenario, side.policies, side.habits, side.script)


def side_scenario(check: Check, side: Side) -> Scenario:
    scen = shipped_scenario(check.scenario)
    if scen is None:  # the loader refuses such checks; a hand-built Check might not
        raise LedgerError(f"{check.id}: no shipped scenario {check.scenario!r}")
    return with_policies(scen, side.overrides(), f"{check.id}") if side.policies else scen


def verdict(diff: Interval | None, expect: str, min_effect: float) -> str:
    """holds, fails or too weak for a paired difference variant - base (see the module docstring)."""
    if diff is None or diff.n < 2 or math.isnan(diff.mean):
        return TOO_WEAK
    sign = 1.0 if expect == "higher" else -1.0
    lo, hi = sorted((sign * diff.lo, sign * diff.hi))  # in the expected direction: positive is right
    effect = sign * diff.mean
    if lo > 0.0 and effect >= min_effect:
        return HOLDS
    if effect < 0.0 and diff.excludes_zero:
        return FAILS
    return TOO_WEAK


@dataclass(frozen=True)
class Row:
    """One line of the ledger: a check and its figures, or a lesson without a check."""

    lesson: Lesson
    check: Check | None
    seeds: tuple[int, ...]
    base: Interval | None  # the base's mean over the seeds
    variant: Interval | None
    diff: Interval | None  # the mean paired difference variant - base
    verdict: str

    @property
    def id(self) -> str:
        return self.check.id if self.check else self.lesson.id

    @property
    def claim(self) -> str:
        return self.check.claim if self.check else self.lesson.title

    @property
    def unit(self) -> str:
        return self.check.unit if self.check else ""

    def as_dict(self) -> dict[str, Any]:
        c = self.check

        def iv(i: Interval | None) -> dict[str, float | None] | None:
            return None if i is None else {"mean": _finite(i.mean), "lo": _finite(i.lo), "hi": _finite(i.hi),
                                           "n": i.n}
        return {"lesson": self.lesson.id, "check": None if c is None else c.index, "claim": self.claim,
                "scenario": c.scenario if c else None, "metric": c.metric if c else None,
                "expect": c.expect if c else None, "min_effect": c.min_effect if c else None,
                "base_side": c.base.describe() if c else None, "variant_side": c.variant.describe() if c else None,
                "compared_with": None if c is None or c.than_base is None or c.than_variant is None
                else {"base_side": c.than_base.describe(), "variant_side": c.than_variant.describe()},
                "seeds": list(self.seeds), "base": iv(self.base), "variant": iv(self.variant),
                "effect": iv(self.diff), "verdict": self.verdict}


def _finite(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else x


@dataclass
class Ledger:
    rows: list[Row]
    runs: int  # distinct shifts simulated
    interrupted: bool

    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.rows) for v in VERDICTS}

    @property
    def all_hold(self) -> bool:
        return bool(self.rows) and all(r.verdict == HOLDS for r in self.rows) and not self.interrupted


_PICK = re.compile(r"^(?P<id>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<i>\d+)\])?$")


def select(lessons: Sequence[Lesson], names: Sequence[str]) -> list[tuple[Lesson, tuple[Check, ...] | None]]:
    """The lessons (and checks) asked for: ``hire_friendly`` or ``hire_friendly[1]``; all when none is named.

    None as the checks means every check of the lesson.
    """
    by_id = {lesson.id: lesson for lesson in lessons}
    if not names:
        return [(lesson, None) for lesson in lessons]
    out: list[tuple[Lesson, tuple[Check, ...] | None]] = []
    for name in names:
        m = _PICK.match(name)
        lesson = by_id.get(m.group("id")) if m else None
        if m is None or lesson is None:
            raise LedgerError(f"unknown lesson {name!r} (known: {', '.join(by_id)})")
        if m.group("i") is None:
            out.append((lesson, None))
            continue
        i = int(m.group("i"))
        if i >= len(lesson.checks):
            raise LedgerError(f"lesson {lesson.id!r} has {len(lesson.checks)} check(s); there is no {name!r}")
        out.append((lesson, (lesson.checks[i],)))
    return out


def run_ledger(names: Sequence[str] = (), replications: int | None = None, workers: int = 1,
               progress: Callable[[int], Progress] | None = None, lessons: Sequence[Lesson] | None = None,
               level: float = LEVEL) -> Ledger:
    """Run the checks of the lessons named (every lesson when none is) and judge each claim.

    `progress(runs)` makes the progress bar once the number of distinct runs is known.
    """
    if replications is not None and replications < 2:
        raise LedgerError(f"--replications must be at least 2 (a paired interval needs two seeds), got {replications}")
    picked = select(load_lessons() if lessons is None else lessons, names)
    plan: list[tuple[Lesson, Check | None, tuple[int, ...]]] = []
    for lesson, checks in picked:
        chosen = lesson.checks if checks is None else checks
        if not chosen:
            plan.append((lesson, None, ()))
        for chk in chosen:
            n = replications or chk.replications
            plan.append((lesson, chk, tuple(range(1, n + 1))))
    # one task per distinct (scenario, side, seed)
    index: dict[tuple[Any, ...], int] = {}
    tasks: list[Task] = []
    for _, c, seeds in plan:
        if c is None:
            continue
        for side in c.sides:
            scen = None
            for s in seeds:
                key = side_key(c, side) + (s,)
                if key in index:
                    continue
                scen = scen or side_scenario(c, side)
                index[key] = len(tasks)
                tasks.append(Task(scen, s, "scores", Talk(side.habits, side.script) if side.talks else None))
    bar = progress(len(tasks)) if progress is not None else Progress(len(tasks), "lessons", enabled=False)
    batch: Batch = run_tasks(tasks, workers, progress=bar)
    rows = []
    for lesson, c, seeds in plan:
        if c is None:
            rows.append(Row(lesson, None, (), None, None, None, NO_CHECK))
            continue
        base = [_value(batch, index[side_key(c, c.base) + (s,)], c.metric) for s in seeds]
        var = [_value(batch, index[side_key(c, c.variant) + (s,)], c.metric) for s in seeds]
        if c.than_base is not None and c.than_variant is not None:
            # a difference of differences, seed by seed: this change's effect minus the other change's
            tb = [_value(batch, index[side_key(c, c.than_base) + (s,)], c.metric) for s in seeds]
            tv = [_value(batch, index[side_key(c, c.than_variant) + (s,)], c.metric) for s in seeds]
            mine = [None if v is None or b is None else v - b for v, b in zip(var, base)]
            theirs = [None if v is None or b is None else v - b for v, b in zip(tv, tb)]
            diff = paired_interval(mine, theirs, level)
        else:
            diff = paired_interval(var, base, level)
        rows.append(Row(lesson, c, seeds, mean_interval(base, level), mean_interval(var, level), diff,
                        verdict(diff, c.expect, c.min_effect)))
    return Ledger(rows, len(tasks), batch.interrupted)


def _value(batch: Batch, i: int, path: str) -> float | None:
    scores = batch.results[i]
    if scores is None:
        return None
    v = score_at(scores, path)
    return None if v is None else float(v)


# ---------------------------------------------------------------------------
# Showing it: numbers with units, a terminal table, CSV, HTML, Markdown
# ---------------------------------------------------------------------------


def number(x: float | None, unit: str, signed: bool = False) -> str:
    """A value (or a difference, `signed`) in the units of a score: shares in % (differences in points)."""
    if x is None or math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    sign = "+" if signed else ""
    if unit == "share":
        v = 100.0 * x
        v = 0.0 if round(v, 1) == 0 else v
        return f"{v:{sign}.1f}" + (" pts" if signed else " %")
    if unit == "s":
        return f"{0.0 if round(x, 1) == 0 else x:{sign}.1f} s"
    if unit == "money":
        return f"{0.0 if round(x) == 0 else x:{sign},.0f}"
    if unit in ("count", "people"):
        return f"{0.0 if round(x, 2) == 0 else x:{sign}.2f}" + (" people" if unit == "people" else "")
    if unit == "level":
        return f"{0.0 if round(x, 3) == 0 else x:{sign}.3f}"
    return f"{0.0 if round(x, 2) == 0 else x:{sign}.2f}"


def _bare(x: float, unit: str) -> str:
    text = number(x, unit, signed=True)
    return text.removesuffix(" pts").removesuffix(" %").removesuffix(" s").removesuffix(" people")


def effect_text(row: Row) -> str:
    return "" if row.diff is None else number(row.diff.mean, row.unit, signed=True)


def ci_text(row: Row) -> str:
    d = row.diff
    if d is None:
        return ""
    if d.n < 2:
        return "(1 seed)"
    return f"[{_bare(d.lo, row.unit)} to {_bare(d.hi, row.unit)}]"


def min_effect_text(c: Check) -> str:
    return number(c.sign * c.min_effect, c.unit, signed=True)


def summary(ledger: Ledger) -> str:
    n = ledger.counts()
    return (f"{n[HOLDS]} hold, {n[FAILS]} fail, {n[TOO_WEAK]} too weak, {n[NO_CHECK]} without a check "
            f"({ledger.runs} shifts simulated)")


def format_ledger(ledger: Ledger) -> str:
    """The ledger as a plain-text table for the terminal."""
    head = ("check", "verdict", "effect", "95 % CI", "claim")
    cells = [(r.id, r.verdict, effect_text(r), ci_text(r), r.claim) for r in ledger.rows]
    widths = [max(len(head[i]), *(len(c[i]) for c in cells)) if cells else len(head[i]) for i in range(4)]
    lines = []
    if ledger.interrupted:
        lines += ["STOPPED (Ctrl-C): the figures use the finished runs only", ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths)) + "  " + head[4])
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths)) + "  " + c[4])
    lines += ["", "effect: mean paired difference variant - base over the seeds (shares in percentage points); "
              "holds: the 95 % CI lies on the claimed side and the effect is at least the check's min_effect",
              summary(ledger)]
    return "\n".join(lines)


CSV_COLUMNS = ("lesson", "check", "claim", "scenario", "metric", "expect", "min_effect", "base_side",
               "variant_side", "replications", "base_mean", "variant_mean", "effect", "ci_lo", "ci_hi", "verdict",
               "compared_with")


def ledger_csv(ledger: Ledger) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in ledger.rows:
        c = r.check

        def m(i: Interval | None, part: str = "mean") -> str:
            v = None if i is None else _finite(getattr(i, part))
            return "" if v is None else repr(v)
        w.writerow([r.lesson.id, "" if c is None else c.index, r.claim, c.scenario if c else "",
                    c.metric if c else "", c.expect if c else "", c.min_effect if c else "",
                    c.base.describe() if c else "", c.variant.describe() if c else "",
                    len(r.seeds) or "", m(r.base), m(r.variant), m(r.diff), m(r.diff, "lo"), m(r.diff, "hi"),
                    r.verdict, "" if c is None or c.than_base is None or c.than_variant is None
                    else f"{c.than_base.describe()} -> {c.than_variant.describe()}"])
    return buf.getvalue()


def ledger_json(ledger: Ledger) -> str:
    return json.dumps({"rows": [r.as_dict() for r in ledger.rows], "counts": ledger.counts(), "runs": ledger.runs,
                       "interrupted": ledger.interrupted}, indent=2, allow_nan=False)


_VERDICT_CLASS = {HOLDS: "better", FAILS: "worse", TOO_WEAK: "weak", NO_CHECK: "none"}


def ledger_html(ledger: Ledger) -> str:
    """A self-contained page: every text escaped, styles inline, no scripts."""
    from .report import _page

    n = ledger.counts()
    meta = [escape(summary(ledger)),
            ("Replication <i>i</i> runs base and variant with seed <i>i</i>, so both face the same customers "
             "(common random numbers). <i>Effect</i> is the mean of the per-seed differences variant − base "
             "with its 95 % confidence interval (Student t); shares are in percentage points.")]
    body = ["<p class='stopped'>Stopped with Ctrl-C: the figures use the finished runs only.</p>"
            if ledger.interrupted else ""]
    body.append("<h2>Verdicts</h2><table><tr><th class='l'>verdict</th><th>checks</th></tr>"
                + "".join(f"<tr><td class='l'>{escape(v)}</td><td>{n[v]}</td></tr>" for v in VERDICTS) + "</table>"
                "<p class='note'><b>holds</b>: the interval lies wholly on the claimed side and the effect is at "
                "least the check's smallest effect that counts; <b>fails</b>: the effect is clearly on the wrong "
                "side; <b>too weak</b>: neither.</p>")
    body.append("<h2>Ledger</h2><div class='wide'><table><tr><th class='l'>lesson</th><th class='l'>claim</th>"
                "<th class='l'>scenario, score</th><th class='l'>base → variant</th><th>effect</th>"
                "<th>95 % CI</th><th>smallest that counts</th><th>seeds</th><th class='l'>verdict</th></tr>")
    for r in ledger.rows:
        c = r.check
        cls = _VERDICT_CLASS[r.verdict]
        if c is None:
            body.append(f"<tr><td class='l'>{escape(r.lesson.id)}</td><td class='l'>{escape(r.lesson.title)}</td>"
                        f"<td colspan='6'></td><td class='l {cls}'>{escape(r.verdict)}</td></tr>")
            continue
        body.append(
            f"<tr><td class='l'>{escape(c.id)}</td><td class='l wrap'>{escape(c.claim)}</td>"
            f"<td class='l'><code>{escape(c.scenario)}</code><br>{escape(c.metric)} ({escape(c.expect)})</td>"
            f"<td class='l wrap'>{escape(c.staging())}</td>"
            f"<td>{escape(effect_text(r))}</td><td>{escape(ci_text(r))}</td><td>{escape(min_effect_text(c))}</td>"
            f"<td>{len(r.seeds)}</td><td class='l {cls}'>{escape(r.verdict)}</td></tr>")
    body.append("</table></div>")
    return _page("Lesson ledger", meta, body)


def ledger_markdown(ledger: Ledger, command: str = "servicefloor lessons") -> str:
    """The ledger as a Markdown page (docs/lessons.md)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["# The lesson ledger", "",
             "Every lesson in `assets/lessons.toml` with its checks: paired experiments on a shipped scenario, "
             "variant against base on the same seeds (common random numbers). *Effect* is the mean paired "
             "difference variant − base with its 95 % confidence interval; shares are in percentage points. "
             "A check **holds** when the interval lies wholly on the claimed side and the effect is at least "
             "its smallest effect that counts, **fails** when it is clearly on the wrong side, and is "
             "**too weak** otherwise.", "",
             f"Produced by `{cell(command)}`: {cell(summary(ledger))}.", "",
             "| check | verdict | effect | 95 % CI | claim | scenario: base → variant (score) |",
             "|---|---|---|---|---|---|"]
    for r in ledger.rows:
        c = r.check
        where = "" if c is None else (f"`{c.scenario}`: {c.staging()} "
                                      f"({c.metric}, {c.expect}, at least {min_effect_text(c)})")
        lines.append(f"| {cell(r.id)} | {r.verdict} | {cell(effect_text(r))} | {cell(ci_text(r))} | "
                     f"{cell(r.claim)} | {cell(where)} |")
    return "\n".join(lines) + "\n"


__all__ = ["FAILS", "HOLDS", "Ledger", "LedgerError", "NO_CHECK", "Row", "TOO_WEAK", "Talk", "VERDICTS",
           "format_ledger", "ledger_csv", "ledger_html", "ledger_json", "ledger_markdown", "run_ledger", "select",
           "verdict"]
