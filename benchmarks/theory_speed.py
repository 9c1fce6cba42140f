"""Speed of the Erlang A formula (used once per interval in a staffing search).

Target: well under 10 ms per call for up to 200 agents.  Prints figures only.
"""

from __future__ import annotations

import time

from sim.theory import agents_for_service_level, mmc_abandon


def main() -> None:
    lam, handle = 190 / 300, 300.0
    mmc_abandon(lam, handle, 200, 120.0, 20.0)
    calls = 0
    start = time.perf_counter()
    for c in range(170, 231, 3):
        for patience, t in ((60.0, 20.0), (300.0, 60.0), (1200.0, 300.0)):
            mmc_abandon(lam, handle, c, patience, t)
            calls += 1
    per_call = (time.perf_counter() - start) / calls
    start = time.perf_counter()
    n = agents_for_service_level(lam, handle, 0.8, 20.0, patience_mean_s=180.0)
    search = time.perf_counter() - start
    print(f"Erlang A: {per_call * 1000:.3f} ms per call (target < 10 ms)")
    print(f"staffing search: {search * 1000:.2f} ms -> {n} agents")


if __name__ == "__main__":
    main()
