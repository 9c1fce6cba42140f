"""The full lesson ledger: every check of assets/lessons.toml, timed, written to docs/lessons.md.

Runs every lesson's checks with their own replications (or --replications N),
prints the ledger table and the wall and CPU time, and writes the table as
Markdown (default docs/lessons.md, atomically) so the docs show the last full
run.  Exit status as `servicefloor lessons`: 0 when every check holds.

Run: .venv/bin/python -m benchmarks.lessons_ledger [--replications N] [--workers K] [--markdown PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from sim.lab.progress import Progress
    from sim.ledger import format_ledger, ledger_markdown, run_ledger
    from sim.runner import write_atomic

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", "-n", type=int, default=None, help="paired seeds per check (default: its own)")
    ap.add_argument("--workers", "-j", type=int, default=1)
    ap.add_argument("--markdown", default=str(root / "docs" / "lessons.md"), help="where to write the table ('' = nowhere)")
    args = ap.parse_args()

    t, cpu = time.perf_counter(), _cpu()
    ledger = run_ledger(replications=args.replications, workers=args.workers,
                        progress=lambda n: Progress(n, "lessons"))
    wall, cpu = time.perf_counter() - t, _cpu() - cpu
    print(format_ledger(ledger))
    print(f"\n{ledger.runs} shifts in {wall:.1f} s wall, {cpu:.1f} s CPU, {args.workers} worker(s), "
          f"{os.cpu_count()} cores")
    if args.markdown:
        command = "python -m benchmarks.lessons_ledger" + (
            f" --replications {args.replications}" if args.replications else "")
        write_atomic(args.markdown, ledger_markdown(ledger, command))
        print(f"wrote {args.markdown}")
    return 0 if ledger.all_hold else 1


if __name__ == "__main__":
    sys.exit(main())
