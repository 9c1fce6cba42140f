"""The fewest agents per interval that meet a service-level target: Erlang first, then simulation.

1. Analytic start, per interval.  The queue: the arrival rate is the sum of the
   open phone and chat channels' rates; the handle time is the mean handle time of
   answered phone and chat contacts in a pilot simulation plus the wrap-up time
   (pure-queue scenarios: their exponential handle mean, no pilot); patience is the
   segment mix's mean ``patience_mean_s`` (pure-queue: theirs).  Erlang A (Erlang C
   without patience) gives the fewest agents with service level >= target and, if
   asked, abandonment <= max_abandon.  Then the other work the same agents do is
   added in Erlangs: email and web (rate x their pilot handle time + wrap-up) and
   follow-ups (contacts x the pilot's open cases per answered contact x the model's
   follow-up time), and the total is divided by the share of time not in training
   (shrinkage), rounded up.  This ignores moods, retries, repeat contacts, events,
   the priority of phone and chat over other work, and the backlog one interval
   hands to the next.
2. Simulation: run the schedule for R replications (common random numbers);
   every interval whose mean simulated service level (or abandonment) of the
   phone and chat contacts arriving in it misses the target gets one more agent;
   repeat until all meet it or the iterations run out.
3. Trim: intervals with room to spare lose an agent if the re-simulated schedule
   still meets the target there (those that then miss get it back).

Service level here uses the threshold asked for (``within_s``) on phone and chat.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..model import FOLLOWUP_S
from ..scenario import Scenario, with_policies
from ..scores import staff_cost
from ..team import training_share
from ..theory import agents_for_service_level, mmc, mmc_abandon
from .execute import LabError, Task, run_tasks
from .progress import Progress

ProgressFactory = Callable[[int, str], Progress]
TRIM_MARGIN = 0.03  # service level (and abandonment) room before an interval is trimmed


@dataclass(frozen=True)
class Workload:
    """What the analytic start assumes; times in seconds."""

    handle_s: float  # phone and chat: mean handle time plus wrap-up
    patience_s: float | None  # None: Erlang C
    async_handle_s: float = 0.0  # email and web: mean handle time plus wrap-up
    open_case_share: float = 0.0  # open cases per answered contact
    followup_s: float = 0.0  # agent time per follow-up
    shrinkage: float = 0.0  # share of agents' time off the floor in training


@dataclass(frozen=True)
class Simulated:
    """Mean simulated figures per interval for one schedule."""

    staffing: tuple[int, ...]
    service_level: tuple[float | None, ...]
    abandon_rate: tuple[float | None, ...]
    offered: tuple[float, ...]  # mean phone + chat contacts arriving per interval
    replications: int


@dataclass
class StaffPlan:
    scenario: Scenario  # with the asked-for threshold on phone and chat
    target_sl: float
    within_s: float
    max_abandon: float | None
    work: Workload
    calls_per_hour: tuple[float, ...]  # phone + chat
    queue_agents: tuple[int, ...]  # Erlang A/C agents for phone and chat alone
    analytic: tuple[int, ...]  # with the other work and shrinkage
    analytic_sl: tuple[float, ...]
    analytic_abandon: tuple[float, ...]
    steps: list[Simulated] = field(default_factory=list)
    final: tuple[int, ...] = ()
    met: bool = False
    interrupted: bool = False

    def misses(self, sim: Simulated) -> list[int]:
        return _misses(sim, self.target_sl, self.max_abandon)

    @property
    def analytic_sim(self) -> Simulated | None:
        return self.steps[0] if self.steps else None

    @property
    def final_sim(self) -> Simulated | None:
        """The simulation of the final schedule."""
        for s in reversed(self.steps):
            if s.staffing == self.final:
                return s
        return None

    def agent_hours(self, staffing: tuple[int, ...]) -> float:
        return sum(staffing) * self.scenario.interval_s / 3600.0

    def cost(self, staffing: tuple[int, ...]) -> float:
        return staff_cost(self.scenario, staffing)


def with_threshold(scen: Scenario, within_s: float) -> Scenario:
    """The scenario with `within_s` as the service-level threshold of its realtime channels."""
    chans = {cid: replace(ch, sl_threshold_s=within_s) if ch.realtime else ch for cid, ch in scen.channels.items()}
    return replace(scen, channels=chans)


def _rates(scen: Scenario, realtime: bool = True) -> tuple[float, ...]:
    """Contacts per hour per interval on the open realtime (or other) channels."""
    chans = [c for c, ch in scen.channels.items() if ch.realtime == realtime and c in scen.policies.channels_open]
    return tuple(sum(scen.arrivals.get(c, (0.0,) * scen.intervals)[i] for c in chans) for i in range(scen.intervals))


def _mix_patience(scen: Scenario) -> float:
    total = sum(scen.segment_mix.values())
    return sum(w * scen.segments[s].patience_mean_s for s, w in scen.segment_mix.items()) / total


def _mean(xs: list[Any]) -> float | None:
    vals = [float(x) for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def _misses(sim: Simulated, target: float, max_abandon: float | None) -> list[int]:
    out = []
    for i, (sl, ab) in enumerate(zip(sim.service_level, sim.abandon_rate)):
        if sim.offered[i] <= 0 or sl is None:
            continue
        if sl < target or (max_abandon is not None and ab is not None and ab > max_abandon):
            out.append(i)
    return out


class _Runner:
    def __init__(self, scen: Scenario, seeds: list[int], workers: int, scheduler: str | None,
                 progress: ProgressFactory | None) -> None:
        self.scen, self.seeds, self.workers, self.scheduler = scen, seeds, workers, scheduler
        self.progress = progress
        self.interrupted = False

    def batch(self, staffing: tuple[int, ...] | None, label: str,
              seeds: list[int] | None = None) -> list[dict[str, Any]]:
        scen = self.scen if staffing is None else with_policies(self.scen, {"staffing": list(staffing)}, "staff")
        seeds = seeds or self.seeds
        bar = self.progress(len(seeds), label) if self.progress else None
        out = run_tasks([Task(scen, s, "intervals") for s in seeds], self.workers, self.scheduler, bar)
        self.interrupted = self.interrupted or out.interrupted
        return [r for r in out.results if r is not None]

    def simulate(self, staffing: tuple[int, ...], label: str) -> Simulated | None:
        runs = self.batch(staffing, label)
        if self.interrupted or not runs:
            return None
        n = self.scen.intervals
        per = [[r["intervals"][i] for r in runs] for i in range(n)]
        return Simulated(staffing, tuple(_mean([p["service_level"] for p in per[i]]) for i in range(n)),
                         tuple(_mean([p["abandon_rate"] for p in per[i]]) for i in range(n)),
                         tuple(sum(p["offered"] for p in per[i]) / len(runs) for i in range(n)), len(runs))


def analytic_schedule(scen: Scenario, work: Workload, target: float, within_s: float, max_abandon: float | None
                      ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[float, ...], tuple[float, ...]]:
    """Per interval: total agents, Erlang agents for phone and chat, and the service level and
    abandonment Erlang predicts for those (see the module doc)."""
    total, queue, sls, abandons = [], [], [], []
    for rate, other in zip(_rates(scen), _rates(scen, realtime=False)):
        lam, lam_other = rate / 3600.0, other / 3600.0
        c = agents_for_service_level(lam, work.handle_s, target, within_s, work.patience_s, max_abandon)
        queue.append(c)
        extra = lam_other * work.async_handle_s + (lam + lam_other) * work.open_case_share * work.followup_s
        total.append(math.ceil((c + extra) / (1.0 - work.shrinkage) - 1e-9))
        if c == 0:
            sls.append(1.0)
            abandons.append(0.0)
            continue
        m = (mmc(lam, work.handle_s, c, within_s) if work.patience_s is None
             else mmc_abandon(lam, work.handle_s, c, work.patience_s, within_s))
        sls.append(m.service_level)
        abandons.append(m.p_abandon)
    return tuple(total), tuple(queue), tuple(sls), tuple(abandons)


def pilot_workload(scen: Scenario, pilot: list[dict[str, Any]]) -> Workload:
    """The analytic start's inputs, from pilot runs of the scenario as it is."""
    if scen.pure is not None:
        return Workload(scen.pure.handle_mean_s, scen.pure.patience_mean_s)
    aht = _mean([r["aht_realtime_s"] for r in pilot])
    if aht is None:
        raise LabError("the pilot simulation answered no phone or chat contacts")
    wrap = scen.policies.wrap_up_s
    aht_async = _mean([r["aht_async_s"] for r in pilot])
    return Workload(aht + wrap, _mix_patience(scen), 0.0 if aht_async is None else aht_async + wrap,
                    _mean([r["open_case_share"] for r in pilot]) or 0.0, FOLLOWUP_S, training_share(scen.policies))


def plan_staffing(scenario: Scenario, service_level: float, within_s: float, max_abandon: float | None = None,
                  replications: int = 10, max_iterations: int = 8, base_seed: int = 1, workers: int = 1,
                  scheduler: str | None = None, progress: ProgressFactory | None = None,
                  pilot_replications: int = 3, trim: bool = True) -> StaffPlan:
    """Analytic schedule, then simulate and raise (and trim) until every interval meets the target."""
    if not 0.0 < service_level < 1.0:
        raise LabError(f"--service-level must be between 0 and 1, got {service_level}")
    if within_s <= 0:
        raise LabError(f"--within must be above 0 seconds, got {within_s}")
    if replications < 1 or max_iterations < 0:
        raise LabError("--replications must be at least 1 and --max-iterations at least 0")
    scen = with_threshold(scenario, within_s)
    if not any(r > 0 for r in _rates(scen)):
        raise LabError(f"{scen.id}: no phone or chat arrivals to staff for")
    seeds = [base_seed + i for i in range(replications)]
    runner = _Runner(scen, seeds, workers, scheduler, progress)
    pilot = [] if scen.pure else runner.batch(None, "pilot", [base_seed + i for i in range(pilot_replications)])
    if runner.interrupted:
        raise KeyboardInterrupt
    work = pilot_workload(scen, pilot)
    total, queue, sls, abandons = analytic_schedule(scen, work, service_level, within_s, max_abandon)
    plan = StaffPlan(scen, service_level, within_s, max_abandon, work, _rates(scen), queue, total, sls, abandons,
                     final=total)
    _improve(plan, runner, max_iterations, trim)
    plan.interrupted = runner.interrupted
    return plan


def _improve(plan: StaffPlan, runner: _Runner, max_iterations: int, trim: bool) -> None:
    schedule = list(plan.analytic)
    for it in range(max_iterations + 1):
        sim = runner.simulate(tuple(schedule), "analytic schedule" if it == 0 else f"correction {it}")
        if sim is None:
            return
        plan.steps.append(sim)
        miss = plan.misses(sim)
        if not miss:
            plan.final, plan.met = tuple(schedule), True
            break
        if it == max_iterations:
            plan.final = tuple(schedule)
            return
        for i in miss:
            schedule[i] += 1
    if trim and plan.met:
        _trim(plan, runner)


def _trim(plan: StaffPlan, runner: _Runner) -> None:
    sim = plan.steps[-1]
    roomy = [i for i, (sl, ab) in enumerate(zip(sim.service_level, sim.abandon_rate))
             if sim.staffing[i] > 0 and sl is not None and sl >= plan.target_sl + TRIM_MARGIN
             and (plan.max_abandon is None or ab is None or ab <= plan.max_abandon - TRIM_MARGIN)]
    if not roomy:
        return
    trial = list(sim.staffing)
    for i in roomy:
        trial[i] -= 1
    if max(trial) <= 0:
        return
    tried = runner.simulate(tuple(trial), "trim")
    if tried is None:
        return
    plan.steps.append(tried)
    miss = plan.misses(tried)
    if not miss:
        plan.final = tuple(trial)
        return
    for i in miss:  # give back the agent where it is needed, then check the whole day again
        if i in roomy:
            trial[i] += 1
    if tuple(trial) == sim.staffing:
        return
    check = runner.simulate(tuple(trial), "trim check")
    if check is None:
        return
    plan.steps.append(check)
    if not plan.misses(check):
        plan.final = tuple(trial)
