"""A wheel built from the checkout installs outside it and runs: validate, a headless shift, the server.

The new virtual environment gets only the wheel; its dependencies (NumPy, SimPy, pygame, FastAPI ...)
are borrowed from the test environment through a plain path entry, so the test needs no network and
the checkout itself is never on the path (nor the editable install's finder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "servicefloor"  # a copy: the build leaves build/ and egg-info behind
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "out", "*.egg-info",
                                                               "__pycache__", ".pytest_cache", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(src)], check=True, capture_output=True, text=True)
    (whl,) = out.glob("servicefloor-*.whl")
    return whl


def test_the_wheel_carries_every_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = sorted(p.relative_to(ROOT / "assets").as_posix() for p in (ROOT / "assets").rglob("*") if p.is_file())
    assert assets, "assets/ is empty?"
    missing = [a for a in assets if f"sim/_assets/{a}" not in names]
    assert missing == [], f"not in the wheel (pyproject.toml packages / package-data): {missing}"
    assert {n.split("/")[0] for n in names} <= {"sim", "game", "servicefloor-0.1.0.dist-info"}


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("fresh") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies, borrowed: a plain path line (its .pth files, the editable install among them, are not run)
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)
    return env_dir


def _run(venv: Path, *args: str, cwd: Path, **kw) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICEFLOOR_", "PYTHON"))}
    env.update(SERVICEFLOOR_HOME=str(cwd / "home"), SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.run([str(venv / "bin" / "servicefloor"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, **kw)


def test_installed_outside_the_checkout_it_validates_and_runs_a_shift(venv, tmp_path):
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import sim, sim.scenario as s; print(sim.__file__); print(s.assets_dir())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True,
                           env={"PATH": os.environ.get("PATH", "")}).stdout.split()
    assert all(str(venv) in w and str(ROOT) not in w for w in where), where
    v = _run(venv, "validate", cwd=tmp_path)
    assert v.returncode == 0 and v.stdout.count("ok ") >= 11, v.stdout + v.stderr
    r = _run(venv, "run", "calm_weekday", "--seed", "2", "--json", cwd=tmp_path)
    assert r.returncode == 0 and '"overall"' in r.stdout, r.stderr
    lessons = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "from sim.lessons import load_lessons; print(len(load_lessons()))"],
                             cwd=tmp_path, capture_output=True, text=True, check=True)
    assert int(lessons.stdout) > 30


def test_installed_outside_the_checkout_the_workshop_server_starts_and_serves_its_pages(venv, tmp_path):
    from sim.workshop.live import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICEFLOOR_", "PYTHON"))}
    env["SERVICEFLOOR_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen([str(venv / "bin" / "servicefloor"), "workshop", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--grading-workers", "0"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        key = lines[2].strip().split("?key=")[1]
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # keeps the key's cookie
        for _ in range(200):
            try:
                with browser.open(f"http://127.0.0.1:{port}/?key={key}", timeout=5) as page:
                    html = page.read().decode()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the installed server never answered")
        assert "New session" in html  # the template and its scenario list came from the wheel
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/workshop.js", timeout=5) as js:
            assert b"data-confirm" in js.read()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
