"""Self-contained HTML reports of lab results: tables, and charts embedded as PNG.

One page per lab command (compare, staff, sweep, cost).  Nothing is fetched
from the network: styles are inline and charts are base64 ``data:`` images, so
a report can be mailed or archived as one file.  Numbers come from the lab
objects (``sim.lab``), which take every KPI from ``sim.scores``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape

from .lab import charts
from .lab.comparison import Comparison
from .lab.cost_runs import CostStudy
from .lab.costs import CAUSE_LABELS, REWORK_LABELS
from .lab.grid import Sweep
from .lab.kpis import KPI_BY_NAME, KPIS
from .lab.staff import StaffPlan
from .lab.text import interval_text, replications_text, seeds_text, workload_text
from .model import clock_text

_STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1000px;
       color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em;
     border-bottom: 2px solid #2c3e50; padding-bottom: 0.2em; }
.meta { color: #555; font-size: 0.9em; } .note { color: #555; font-size: 0.88em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th { white-space: normal; vertical-align: bottom; } .wide { overflow-x: auto; }
th { background: #f2f4f5; } td.l, th.l { text-align: left; }
tr.kpi td { background: #fafafa; font-weight: bold; text-align: left; border-top: 2px solid #ccc; }
.better { color: #1a7f37; font-weight: bold; } .worse { color: #c0392b; font-weight: bold; }
.stopped { background: #fdecea; border-left: 4px solid #c0392b; padding: 0.5em 1em; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
code { background: #f2f4f5; padding: 0 0.2em; } .maps img { width: 49%; }
td.wrap { white-space: normal; min-width: 14em; } .weak { color: #a05a00; font-weight: bold; } .none { color: #777; }
"""


def _page(title: str, meta: Sequence[str], body: Iterable[str]) -> str:
    meta_html = "".join(f"<div class='meta'>{m}</div>" for m in meta)
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{meta_html}\n"
            + "\n".join(body) + "\n</body></html>\n")


def _img(png: bytes, alt: str) -> str:
    return f"<img alt='{escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'>"


def _stopped(done: int, total: int, what: str) -> str:
    return (f"<p class='stopped'>Stopped with Ctrl-C: {done} of {total} {escape(what)} finished; "
            "the figures use those only.</p>")


def _glance(c: Comparison) -> str:
    """KPIs down, variants across: the base's mean, then each variant's difference, coloured."""
    rows = c.rows()
    names = [v.name for v in c.variants[1:]]
    out = ["<h2>At a glance</h2><p class='note'>Base mean, and each variant's mean difference to the base; "
           "coloured where the confidence interval of the difference excludes zero.</p><table><tr>"
           "<th class='l'>KPI</th><th>base</th>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"]
    for k in KPIS:
        cells = []
        for r in (r for r in rows if r.kpi is k):
            if r.diff is None:
                cells.append(f"<td>{escape(k.show(r.mean.mean if r.mean else None))}</td>")
            else:
                cls = "" if not r.significant else " class='better'" if r.better else " class='worse'"
                cells.append(f"<td{cls}>{escape(k.show(r.diff.mean, signed=True))}</td>")
        out.append(f"<tr><td class='l'>{escape(k.label)}</td>{''.join(cells)}</tr>")
    out.append("</table>")
    return "\n".join(out)


def comparison_html(c: Comparison) -> str:
    base = c.variants[0].scenario
    n = len(c.complete)
    level = round(100 * c.level)
    meta = [f"Scenario <b>{escape(base.name)}</b> (<code>{escape(base.id)}</code>, digest {base.digest})",
            (f"{replications_text(n)} per variant, seeds {seeds_text([c.seeds[i] for i in c.complete])}: "
             "replication "
            "<i>i</i> runs every variant with the same seed, so they face the same customers (common random numbers).")]
    body = [_stopped(n, len(c.seeds), "replications of every variant")] if c.interrupted else []
    body.append("<h2>Variants</h2><table><tr><th class='l'>name</th><th class='l'>changes</th></tr>")
    for v in c.variants:
        body.append(f"<tr><td class='l'>{escape(v.name)}</td><td class='l'>"
                    f"{escape(' '.join(v.changes) or 'the scenario as it is')}</td></tr>")
    body.append("</table>")
    body.append(_glance(c))
    body.append(f"<h2>Details</h2><p class='note'>Mean over the replications with its {level} % confidence "
                "interval (Student t). <i>Difference</i> is the mean of the per-replication differences "
                f"variant − base with its {level} % interval; a difference is marked when its interval excludes "
                "zero (green: better, red: worse). With many KPIs and variants a few marks can appear by chance "
                f"(about {100 - level} % of unchanged KPIs).</p>")
    body.append(f"<table><tr><th class='l'>variant</th><th>mean [{level} % CI]</th>"
                f"<th>difference to base [{level} % CI]</th><th class='l'></th></tr>")
    rows = c.rows()
    for k in KPIS:
        body.append(f"<tr class='kpi'><td colspan='4'>{escape(k.label)}</td></tr>")
        for r in (r for r in rows if r.kpi is k):
            mark = "" if not r.significant else ("<span class='better'>better</span>" if r.better
                                                 else "<span class='worse'>worse</span>")
            diff = "" if r.diff is None else escape(interval_text(k, r.diff, signed=True))
            body.append(f"<tr><td class='l'>{escape(r.variant)}</td><td>{escape(interval_text(k, r.mean))}</td>"
                        f"<td>{diff}</td><td class='l'>{mark}</td></tr>")
    body.append("</table>")
    if n >= 2:
        for title, png in charts.comparison_charts(c):
            body += [f"<h2>{escape(title)}</h2>", _img(png, title)]
    return _page(f"Comparison: {base.name}", meta, body)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def staff_html(plan: StaffPlan) -> str:
    scen = plan.scenario
    ab = "" if plan.max_abandon is None else f", abandonment at most {100 * plan.max_abandon:g} %"
    first, final = plan.analytic_sim, plan.final_sim
    meta = [f"Scenario <b>{escape(scen.name)}</b> (<code>{escape(scen.id)}</code>)",
            (f"Target: {100 * plan.target_sl:g} % of phone and chat contacts answered within {plan.within_s:g} s{ab}, "
            "in every interval."),
            (f"Analytic start: {escape(workload_text(plan))}. It ignores moods, retries, repeat contacts, events and "
            "the backlog between intervals; the simulation corrects for them."),
            f"Simulation: {first.replications if first else 0} replications per schedule; {len(plan.steps)} schedules "
            f"simulated; " + ("target met in every interval." if plan.met else "<b>target not met everywhere</b>.")]
    body = ["<p class='stopped'>Stopped with Ctrl-C before the search finished.</p>"] if plan.interrupted else []
    body.append("<h2>Schedules</h2><div class='wide'><table><tr><th class='l'>start</th><th>phone + chat / hour</th>"
                "<th>scenario</th><th>Erlang queue agents</th><th>Erlang agents</th><th>Erlang SL</th>"
                "<th>simulated SL</th><th>simulated abandonment</th>"
                "<th>corrected agents</th><th>simulated SL</th><th>simulated abandonment</th></tr>")
    for i in range(scen.intervals):
        body.append(
            f"<tr><td class='l'>{clock_text(scen.start_clock, i * scen.interval_s)}</td>"
            f"<td>{plan.calls_per_hour[i]:.0f}</td><td>{scen.policies.staffing[i]}</td><td>{plan.queue_agents[i]}</td>"
            f"<td>{plan.analytic[i]}</td>"
            f"<td>{_pct(plan.analytic_sl[i])}</td><td>{_pct(first.service_level[i] if first else None)}</td>"
            f"<td>{_pct(first.abandon_rate[i] if first else None)}</td><td><b>{plan.final[i]}</b></td>"
            f"<td>{_pct(final.service_level[i] if final else None)}</td>"
            f"<td>{_pct(final.abandon_rate[i] if final else None)}</td></tr>")
    body.append("</table></div><table><tr><th class='l'>schedule</th><th>agent hours</th><th>cost</th></tr>")
    for name, st in (("scenario's own", scen.policies.staffing), ("Erlang", plan.analytic),
                     ("simulation-corrected", plan.final)):
        body.append(f"<tr><td class='l'>{name}</td><td>{plan.agent_hours(st):,.1f}</td>"
                    f"<td>{plan.cost(st):,.0f}</td></tr>")
    body.append("</table>")
    body += ["<h2>Chart</h2>", _img(charts.staff_chart(plan), "staffing chart")]
    return _page(f"Staffing: {scen.name}", meta, body)


def sweep_html(s: Sweep, cost: str = "staff_cost", loyalty: str = "retention") -> str:
    scen = s.points[0].scenario
    front = set(s.pareto(cost, loyalty))
    axes = ", ".join(f"<code>{escape(k)}</code> = {escape(', '.join(str(v) for v in vals))}"
                     for k, vals in s.axes.items())
    meta = [f"Scenario <b>{escape(scen.name)}</b> (<code>{escape(scen.id)}</code>)", f"Axes: {axes}",
            (f"{len(s.points)} grid points × {len(s.seeds)} replications (seeds {seeds_text(s.seeds)}, the same at "
            "every point).")]
    done = sum(s.done(p) for p in range(len(s.points)))
    body = [_stopped(done, len(s.points) * len(s.seeds), "runs")] if s.interrupted else []
    kc, kl = KPI_BY_NAME[cost], KPI_BY_NAME[loyalty]
    body += ["<h2>Pareto front</h2>",
             (f"<p class='note'>Points that no other point beats on both {escape(kc.label)} (lower is better) and "
             f"{escape(kl.label)} (higher is better), by their means.</p>"), _img(charts.pareto_chart(s, cost, loyalty),
                                                                                "Pareto front")]
    body.append("<h2>Grid</h2><div class='wide'><table><tr>" + "".join(f"<th>{escape(k)}</th>" for k in s.axes)
                + "".join(f"<th>{escape(k.heading)}</th>" for k in KPIS) + "<th>Pareto</th></tr>")
    for p, pt in enumerate(s.points):
        cells = "".join(f"<td>{escape(str(v))}</td>" for v in pt.values)
        cells += "".join(f"<td>{escape(k.show(s.mean(p, k.name)))}</td>" for k in KPIS)
        body.append(f"<tr>{cells}<td>{'★' if p in front else ''}</td></tr>")
    body.append("</table></div>")
    body.append("<h2>Heat maps</h2><div class='maps'>")
    for title, png in charts.sweep_heatmaps(s):
        body.append(_img(png, title))
    body.append("</div>")
    return _page(f"Sweep: {scen.name}", meta, body)


def cost_html(study: CostStudy) -> str:
    scen = study.scenario
    n = len(study.finished)
    money = KPI_BY_NAME["revenue_at_risk"]
    level = round(100 * study.level)
    meta = [f"Scenario <b>{escape(scen.name)}</b> (<code>{escape(scen.id)}</code>)",
            (f"{replications_text(n)} (seeds {seeds_text([s for s, r in zip(study.seeds, study.runs) if r])}); "
            f"mean per shift with its {level} % confidence interval.")]
    body = [_stopped(n, len(study.seeds), "replications")] if study.interrupted else []
    body.append("<p class='note'>Each customer's lost value, (1 − retention probability) × lifetime value of their "
                "final contact, goes whole to the first failure that contact shows, in this order: missing follow-up, "
                "unresolved escalation, wrong answer (or a repeat contact caused by one), long wait (abandoned, "
                "retried or answered after the customer started to mind), other unmet goal, none. "
                "<i>Above baseline</i> is the "
                "part beyond what a flawless contact with a calm customer would lose. Rework is the cost of each "
                "repeat contact and retry.</p>")
    body.append(f"<table><tr><th class='l'></th><th>lost value [{level} % CI]</th><th>above baseline</th>"
                "<th>customers</th></tr>")
    for c in study.causes_by_size():
        cust = study.customers(c)
        body.append(f"<tr><td class='l'>{escape(CAUSE_LABELS[c])}</td>"
                    f"<td>{escape(interval_text(money, study.line(f'lost.{c}')))}</td>"
                    f"<td>{escape(interval_text(money, study.line(f'above_baseline.{c}')))}</td>"
                    f"<td>{'n/a' if cust is None else f'{cust:,.1f}'}</td></tr>")
    body.append("<tr class='kpi'><td>= revenue at risk</td>"
                f"<td>{escape(interval_text(money, study.kpi('revenue_at_risk')))}</td><td></td><td></td></tr>")
    for r, label in REWORK_LABELS.items():
        body.append(f"<tr><td class='l'>{escape(label)}</td>"
                    f"<td>{escape(interval_text(money, study.line(f'rework.{r}')))}</td><td></td><td></td></tr>")
    body.append(f"<tr class='kpi'><td>= cost of poor service</td>"
                f"<td>{escape(interval_text(money, study.kpi('cost_of_poor_service')))}</td><td></td><td></td></tr>")
    body.append("<tr><td class='l'>staff cost, for scale</td>"
                f"<td>{escape(interval_text(money, study.kpi('staff_cost')))}</td><td></td><td></td></tr></table>")
    if n:
        body += ["<h2>Chart</h2>", _img(charts.cost_chart(study), "cost by cause")]
    return _page(f"Cost of poor service: {scen.name}", meta, body)
