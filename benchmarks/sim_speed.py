"""Simulation speed and memory figures (prints them; asserts nothing).

* contacts simulated per second for a one-day, 50-agent scenario with full
  conversations (target: a 10,000-contact day in under 1 s);
* the pure-queue mode beside a bare SimPy M/M/c loop with reneging written
  here (target: at least half the bare loop's speed);
* peak memory for one million contacts in pure-queue mode (target: linear in
  contacts and under 500 MB).

Run: .venv/bin/python benchmarks/sim_speed.py [--skip-million]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import time

import numpy as np
import simpy

os.environ.setdefault("SERVICEFLOOR_ALLOW_LARGE", "1")  # the memory run is large on purpose (a child inherits it)

from sim import load_scenario, run  # noqa: E402
from sim.scenario import parse_scenario  # noqa: E402


def day_scenario(contacts: int = 9_200, agents: int = 50) -> object:
    """A 24-hour day on four channels: `contacts` first contacts (about 10,000 with retries and
    repeats), `agents` agents all day, the CARP playbook (the longest conversations)."""
    intervals = 48
    per_hour = contacts / 24.0
    shares = {"phone": 0.62, "chat": 0.25, "email": 0.09, "web": 0.04}
    data = {
        "scenario": {"id": "bench_day", "name": "Benchmark day", "interval_s": 1800, "start_clock": "00:00"},
        "arrivals": {ch: [round(per_hour * s, 3)] * intervals for ch, s in shares.items()},
        "policies": {"staffing": [agents] * intervals, "playbook": "carp", "supervisors": 3},
    }
    return parse_scenario(data, "benchmark")


def pure_scenario(hours: int, rate_per_hour: float, agents: int, handle_s: float, patience_s: float) -> object:
    data = {
        "scenario": {"id": "bench_pure", "mode": "pure_queue", "interval_s": 3600, "drain_s": 3600},
        "arrivals": {"phone": [rate_per_hour] * hours},
        "pure_queue": {"handle_mean_s": handle_s, "patience_mean_s": patience_s},
        "policies": {"staffing": [agents] * hours, "channels_open": ["phone"], "wrap_up_s": 0},
    }
    return parse_scenario(data, "benchmark")


def bare_mmc_reneging(n_customers: int, lam: float, handle_s: float, patience_s: float, agents: int,
                      seed: int = 1) -> float:
    """The plainest SimPy M/M/c+M loop; returns customers per second of wall time."""
    rng = np.random.default_rng(seed)
    inter = rng.exponential(1.0 / lam, n_customers).tolist()
    service = rng.exponential(handle_s, n_customers).tolist()
    patience = rng.exponential(patience_s, n_customers).tolist()
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    served = [0]

    def customer(i: int):
        with desk.request() as req:
            got = yield req | env.timeout(patience[i])
            if req in got:
                yield env.timeout(service[i])
                served[0] += 1

    def source():
        for i in range(n_customers):
            yield env.timeout(inter[i])
            env.process(customer(i))

    env.process(source())
    t = time.perf_counter()
    env.run()
    return n_customers / (time.perf_counter() - t)


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def peak_memory_child(contacts: int) -> float:
    """Peak resident memory (MB) of a fresh process running `contacts` pure-queue contacts."""
    code = (
        "import resource, sys\n"
        "sys.path.insert(0, '.')\n"
        "from benchmarks.sim_speed import pure_scenario\n"
        "from sim import run\n"
        f"hours = max(1, round({contacts} / 5400))\n"
        "r = run(pure_scenario(hours, 5400.0, 100, 60.0, 120.0), seed=1)\n"
        "print(len(r.contacts), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-million", action="store_true", help="skip the one-million-contact memory run")
    args = ap.parse_args()

    scen = day_scenario()
    secs, res = timed(lambda: run(scen, seed=1))
    n = len(res.contacts)
    print(f"full day, 50 agents, conversations: {n} contacts, {len(res.turns)} turns in {secs:.2f} s "
          f"= {n / secs:,.0f} contacts/s (target: 10,000-contact day < 1 s)")
    calm = load_scenario("calm_weekday")
    secs_c, res_c = timed(lambda: run(calm, seed=1))
    print(f"calm_weekday (CARP playbook): {len(res_c.contacts)} contacts in {secs_c:.3f} s "
          f"= {len(res_c.contacts) / secs_c:,.0f} contacts/s")

    lam, handle, patience, agents = 1.5, 60.0, 120.0, 95
    hours = 20
    pure = pure_scenario(hours, lam * 3600, agents, handle, patience)
    secs_p, res_p = timed(lambda: run(pure, seed=1))
    pure_rate = len(res_p.contacts) / secs_p
    bare_rate = max(bare_mmc_reneging(len(res_p.contacts), lam, handle, patience, agents) for _ in range(3))
    print(f"pure queue: {pure_rate:,.0f} contacts/s; bare SimPy M/M/c+M loop: {bare_rate:,.0f} customers/s; "
          f"ratio {pure_rate / bare_rate:.2f} (target >= 0.5)")

    if not args.skip_million:
        for n_contacts in (250_000, 1_000_000):
            mb = peak_memory_child(n_contacts)
            print(f"peak memory, {n_contacts:,} pure-queue contacts: {mb:,.0f} MB "
                  f"({mb * 1e6 / n_contacts:,.0f} bytes/contact incl. interpreter; target < 500 MB)")
    print(f"(this process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")


if __name__ == "__main__":
    main()
