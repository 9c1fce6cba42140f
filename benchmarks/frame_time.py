"""Frame time of the live floor at 16x with 60 agents and ~300 waiting customers, and launch time.

Usage: .venv/bin/python benchmarks/frame_time.py [--frames N]

Software rendering (SDL's dummy video driver: every pixel is drawn by the
CPU).  Each frame is the game's real frame: events, the clock advanced by
1/60 s x 16 x 30 simulated seconds, the ticker, the draw and the flip.
Targets: p95 frame time under 16.7 ms (60 FPS); launch to title under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("SDL_RENDER_DRIVER", "software")

AGENTS = 60
TARGET_WAITING = 300
FRAME_BUDGET_MS = 1000.0 / 60.0
LAUNCH_BUDGET_S = 2.0


def busy_scenario():
    """calm_weekday with 60 agents on every interval and far more contacts than they can take."""
    from sim import load_scenario, with_policies

    scen = with_policies(load_scenario("calm_weekday"), {"staffing": AGENTS})
    n = scen.intervals
    return replace(scen, arrivals={"phone": (1500.0,) * n, "chat": (500.0,) * n, "email": (30.0,) * n,
                                   "web": (15.0,) * n})


def waiting(session) -> int:
    return sum(len(q) for q in session.snap.queues.values())


def frame_times(frames: int) -> dict[str, float]:
    from game.app import App
    from game.driver import Driver
    from game.floor import FloorScene
    from game.session import Session
    from game.storage import Storage
    from game.ui import Action

    home = Path(tempfile.mkdtemp(prefix="servicefloor-bench-"))
    app = App(size=(1280, 720), storage=Storage(home))
    session = Session(busy_scenario(), seed=1)
    while waiting(session) < TARGET_WAITING:  # fill the floor first, headless
        session.advance(60.0)
    app.stack.push(FloorScene(app.ctx, session))
    d = Driver(app, dt=1 / 60)
    d.click(Action("speed", 16))
    d.step(30)  # warm the caches
    times, counts = [], []
    for _ in range(frames):
        t0 = time.perf_counter()
        app.step(1 / 60)
        times.append((time.perf_counter() - t0) * 1000.0)
        counts.append(waiting(session))
    on_floor = sum(1 for a in session.snap.agents if a.state != "off")
    app.close()
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * len(times)) - 1], "max": times[-1],
            "waiting_min": min(counts), "waiting_mean": statistics.fmean(counts), "waiting_max": max(counts),
            "agents": on_floor, "sim_minutes": (frames / 60) * 16 * 30 / 60}


def launch_probe() -> None:
    """Child process: open the game and draw the title once, then say so."""
    from game.app import App
    from game.storage import Storage

    app = App(size=(1280, 720), storage=Storage(Path(tempfile.mkdtemp(prefix="servicefloor-launch-"))))
    app.step(0.0)
    print("TITLE", flush=True)
    app.close()


def launch_time(runs: int = 3) -> float:
    """Median seconds from starting the interpreter to the first title frame."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, __file__, "--launch-probe"], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None
        for line in p.stdout:
            if line.startswith("TITLE"):
                out.append(time.perf_counter() - t0)
                break
        p.wait()
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--launch-probe", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.launch_probe:
        launch_probe()
        return 0
    r = frame_times(args.frames)
    launch = launch_time()
    print(f"floor at 16x, {r['agents']} agents, {r['waiting_min']}-{r['waiting_max']} waiting "
          f"(mean {r['waiting_mean']:.0f}), {args.frames} frames = {r['sim_minutes']:.0f} simulated minutes")
    print(f"frame time   p50 {r['p50']:.2f} ms   p95 {r['p95']:.2f} ms   max {r['max']:.2f} ms"
          f"   (target p95 < {FRAME_BUDGET_MS:.1f} ms)")
    print(f"launch to title {launch:.2f} s   (target < {LAUNCH_BUDGET_S:.0f} s)")
    ok = r["p95"] < FRAME_BUDGET_MS and launch < LAUNCH_BUDGET_S
    print("within targets" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
