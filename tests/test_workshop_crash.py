"""The workshop server killed mid-burst (SIGKILL) loses nothing it acknowledged, and stores nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from sim.workshop.client import WorkshopClient, WorkshopError
from sim.workshop.live import free_port
from sim.workshop.store import Store
from workshop_helpers import result_doc

SCEN, SEED = "three_reps", 1


def _serve(db: Path, port: int, home: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "workshop", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--db", str(db), "--grading-workers", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, SERVICEFLOOR_HOME=str(home)),
                            start_new_session=True)
    for _ in range(400):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("the server never answered")


def test_sigkill_in_a_burst_keeps_every_acknowledged_result_once(tmp_path):
    db, port = tmp_path / "w.db", free_port()
    code = Store(db).create_session("crash", SCEN, SEED, True, 0).code
    proc = _serve(db, port, tmp_path)
    client = WorkshopClient(f"127.0.0.1:{port}", timeout=30)
    names = [f"T{i:02d}" for i in range(24)]
    tokens = {n: client.join(code, n)["token"] for n in names}
    docs = [result_doc(SCEN, SEED, i % 4) for i in range(4)]
    acked: list[str] = []
    lock = threading.Lock()

    def send(batch: list[str]) -> None:
        for n in batch:
            try:
                out = WorkshopClient(f"127.0.0.1:{port}", timeout=30).submit(code, tokens[n], docs[names.index(n) % 4])
            except (WorkshopError, OSError):
                continue  # the server died under this request: not acknowledged, may or may not be stored
            if out.get("stored"):
                with lock:
                    acked.append(n)

    threads = [threading.Thread(target=send, args=(names[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once some, not all, results are in
        with lock:
            if len(acked) >= 4:
                break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the server and its grading worker, no chance to clean up
    proc.wait(timeout=20)
    for t in threads:
        t.join(timeout=60)
    assert 4 <= len(acked) < len(names), "the kill must land in the middle of the burst"

    again = _serve(db, port, tmp_path)
    try:
        board = WorkshopClient(f"127.0.0.1:{port}").leaderboard(code)
        stored = [b["name"] for b in board]
        assert set(acked) <= set(stored), set(acked) - set(stored)  # nothing acknowledged is lost
        assert len(stored) == len(set(stored))  # and nothing is stored twice
        # those whose request died may send again; the ones already stored are answered "already there"
        for n in names:
            out = client.submit(code, tokens[n], docs[names.index(n) % 4])
            assert out["stored"] is (n not in stored)
        assert sorted(b["name"] for b in client.leaderboard(code)) == sorted(names)
    finally:
        os.killpg(again.pid, signal.SIGTERM)
        again.wait(timeout=20)
