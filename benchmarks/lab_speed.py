"""Lab speed: replications of a 10,000-contact day with conversations, 1 and 2 workers.

Targets (issue 5): 200 replications in under 120 s on 2 cores, and a speed-up
from 1 to 2 workers above 1.8x.  Prints the wall times, the speed-up, the cores
and the load average before and after (other work on the machine slows both
runs), and the CPU seconds per replication (this process and its workers), which
other work disturbs much less: equal CPU per replication in both modes means the
parallel path adds no overhead, and on idle cores the speed-up approaches the
number of workers.  The results of both runs are compared: they must be identical.

Run: .venv/bin/python -m benchmarks.lab_speed [--replications 200] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.sim_speed import day_scenario
    from sim.lab import Task, run_tasks
    from sim.lab.progress import Progress

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", "-n", type=int, default=200)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()

    scen = day_scenario()
    tasks = [Task(scen, seed) for seed in range(1, args.replications + 1)]
    print(f"{args.replications} replications of a one-day, 50-agent scenario with conversations "
          f"(~10,000 contacts each); {os.cpu_count()} cores; load average {_load()}")
    times: dict[int, float] = {}
    first = None
    for k in args.workers:
        t, cpu = time.perf_counter(), _cpu()
        batch = run_tasks(tasks, workers=k, progress=Progress(len(tasks), f"{k} worker(s)"))
        times[k] = time.perf_counter() - t
        cpu = _cpu() - cpu
        if batch.interrupted:
            print("stopped")
            return
        same = "" if first is None else ("; results identical" if batch.results == first else "; RESULTS DIFFER")
        first = first or batch.results
        print(f"{k} worker(s): {times[k]:7.1f} s = {times[k] / len(tasks):.2f} s per replication, "
              f"{cpu / len(tasks):.2f} CPU s per replication{same} (load average after: {_load()})")
    if 1 in times and 2 in times:
        print(f"speed-up 1 -> 2 workers: {times[1] / times[2]:.2f}x (target > 1.8x); "
              f"2 workers: {times[2]:.1f} s (target < 120 s)")


if __name__ == "__main__":
    main()
