"""Workshop load: a class of simulated trainees joins and submits against the real server on loopback.

Target (issue 6): 60 trainees join and submit within one minute; none is lost.
The server runs as its own process (`servicefloor workshop serve`), exactly as an
instructor starts it; each trainee is a thread with its own HTTP client that
joins at a random moment in the first `--spread` seconds, then sends a full
shift's result (prepared beforehand, as a laptop would have it).  Prints the
latency percentiles of joining and of submitting (the server replays and scores
every submission before it answers), the wall time, and checks the leaderboard
holds every trainee exactly once with the score the trainee's own game computed.

Run: .venv/bin/python -m benchmarks.workshop_load [--trainees 60] [--scenario calm_weekday] [--spread 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import numpy as np

    from sim import load_scenario
    from sim.runner import result_document
    from sim.workshop.client import WorkshopClient, WorkshopError
    from sim.workshop.live import free_port
    from sim.workshop.practice import play, simulated_class

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainees", type=int, default=60)
    ap.add_argument("--scenario", default="calm_weekday")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spread", type=float, default=30.0, help="trainees start within this many seconds")
    args = ap.parse_args()

    scen = load_scenario(args.scenario)
    t0 = time.perf_counter()
    docs = [(name, json.loads(json.dumps(result_document(play(scen, args.seed, choose)), default=float)))
            for name, choose in simulated_class(args.trainees)]
    size = sum(len(json.dumps(d)) for _, d in docs) / len(docs)
    print(f"prepared {len(docs)} results of {args.scenario} in {time.perf_counter() - t0:.1f} s "
          f"(mean {size / 1000:.0f} kB, {np.mean([len(d['decisions']) for _, d in docs]):.0f} decisions each)")

    home = tempfile.mkdtemp(prefix="servicefloor-load-")
    db, port = Path(home) / "workshop.sqlite3", free_port()
    server = subprocess.Popen([sys.executable, "-m", "sim.cli", "workshop", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--db", str(db)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, SERVICEFLOOR_HOME=home))
    try:
        key = ""
        assert server.stdout is not None
        for line in server.stdout:
            if "?key=" in line:
                key = line.strip().split("?key=")[1]
                break
        client = WorkshopClient(f"127.0.0.1:{port}")
        for _ in range(200):
            try:
                client._call("GET", "/api/health")
                break
            except WorkshopError:
                time.sleep(0.05)
        import urllib.request
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/sessions", method="POST",
                                     data=json.dumps({"scenario": args.scenario, "seed": args.seed}).encode(),
                                     headers={"Content-Type": "application/json", "X-Instructor-Key": key})
        code = json.loads(urllib.request.urlopen(req).read())["code"]

        rng = np.random.default_rng(7)
        starts = rng.uniform(0.0, args.spread, len(docs))
        joins: list[float] = []
        submits: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        begin = time.perf_counter()

        def trainee(i: int) -> None:
            name, doc = docs[i]
            time.sleep(max(0.0, starts[i] - (time.perf_counter() - begin)))
            me = WorkshopClient(f"127.0.0.1:{port}", timeout=120.0)
            try:
                a = time.perf_counter()
                token = me.join(code, name)["token"]
                b = time.perf_counter()
                out = me.submit(code, token, doc)
                c = time.perf_counter()
                with lock:
                    joins.append(b - a)
                    submits.append(c - b)
                    if abs(out["score"] - doc["scores"]["overall"]["score"]) > 0.011 or out["flags"]:
                        errors.append(f"{name}: server scored {out['score']}, game {doc['scores']['overall']['score']}")
            except WorkshopError as exc:
                with lock:
                    errors.append(f"{name}: {exc}")

        threads = [threading.Thread(target=trainee, args=(i,)) for i in range(len(docs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - begin
        board = client.leaderboard(code)
        pages: dict[str, list[float]] = {}
        for path in (f"/sessions/{code}", f"/sessions/{code}/live", f"/sessions/{code}/report"):
            for _ in range(5):
                a = time.perf_counter()
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                                              headers={"X-Instructor-Key": key})).read()
                pages.setdefault(path.rsplit("/", 1)[-1] if path.count("/") > 2 else "dashboard",
                                 []).append(time.perf_counter() - a)
    finally:
        server.terminate()
        server.wait(timeout=10)

    names = sorted(n for n, _ in docs)
    stored = sorted(b["name"] for b in board)
    print(f"{len(docs)} trainees, starts spread over {args.spread:.0f} s; all done after {wall:.1f} s "
          f"(target: within 60 s)")
    for label, xs in (("join", joins), ("submit (replay + score)", submits)):
        if xs:
            print(f"  {label:24s} p50 {_pct(xs, 0.5) * 1000:7.0f} ms   p90 {_pct(xs, 0.9) * 1000:7.0f} ms   "
                  f"p99 {_pct(xs, 0.99) * 1000:7.0f} ms   max {max(xs) * 1000:7.0f} ms")
    for label, xs in pages.items():
        print(f"  page {label:19s} with every result: median {_pct(xs, 0.5) * 1000:5.0f} ms, max {max(xs) * 1000:5.0f} ms")
    print(f"  stored on the leaderboard: {len(stored)} of {len(names)}; lost: {len(set(names) - set(stored))}; "
          f"duplicates: {len(stored) - len(set(stored))}; errors: {len(errors)}")
    for e in errors[:10]:
        print("   ", e)
    try:
        print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except OSError:  # pragma: no cover
        pass
    sys.exit(0 if stored == names and not errors else 1)


if __name__ == "__main__":
    main()
