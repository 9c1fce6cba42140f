"""The layers: the model (sim/*.py) needs only the standard library, SimPy and NumPy.

The lab (sim/lab: matplotlib, Dask) and the workshop (sim/workshop: FastAPI, SQLite, Jinja) are
applications built on the model, and the game (game/: pygame) is a client of it; importing the
model must pull in none of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLICATIONS = ("cli", "report", "ledger")  # sim/*.py modules that are front ends or lab applications, not the model


def test_the_model_imports_only_the_standard_library_simpy_and_numpy():
    model = sorted(f"sim.{p.stem}" for p in (ROOT / "sim").glob("*.py") if p.stem not in ("__init__", *APPLICATIONS))
    code = ("import json, sys\n"
            f"for m in {model!r}: __import__(m)\n"
            "names = sorted({m.split('.')[0] for m in sys.modules})\n"
            "print(json.dumps([n for n in names if n not in sys.stdlib_module_names]))\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('sim.lab', 'sim.workshop', 'game')))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    third, apps = (json.loads(line) for line in out.stdout.splitlines())
    allowed = {"sim", "simpy", "numpy", "__main__", "__mp_main__"}  # the second: multiprocessing's alias of it
    third = [n for n in third if not n.startswith(("__editable__", "_distutils_hack"))]  # install-time hooks
    assert set(third) <= allowed, f"the model pulls in {sorted(set(third) - allowed)}"
    assert apps == [], f"the model imports its applications: {apps}"
