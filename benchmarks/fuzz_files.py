"""A long fuzz run over every file ServiceFloor reads, printing what happened to each case.

Usage: .venv/bin/python benchmarks/fuzz_files.py [EXAMPLES]   (default 2000 per strategy)

Runs the strategies of tests/fuzz/test_files_fuzz.py far longer than CI does and prints, per
strategy, the cases tried and how they ended: loaded, refused with a clear error, or a traceback
(a bug) -- and any case that took longer than 10 s (a hang).  The last two must be zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    env = dict(os.environ, SERVICEFLOOR_FUZZ_EXAMPLES=str(examples), SDL_VIDEODRIVER="dummy",
               SDL_AUDIODRIVER="dummy")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/fuzz",
                           "--hypothesis-show-statistics", "-o", "addopts="], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    print(f"fuzz: {examples} examples per strategy, {time.perf_counter() - t0:.0f} s")
    for line in proc.stdout.splitlines():
        if "passing examples" in line or "failing examples" in line or "invalid examples" in line \
                or line.startswith("tests/fuzz") or "passed" in line or "failed" in line:
            print("  " + line.strip())
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        print("fuzz: FAILED (a traceback, a wrong error or a hang: see above)")
    else:
        print("fuzz: tracebacks 0, hangs 0 (every case loaded or was refused with a clear error)")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
