"""The policy lab screen driven headless with synthetic clicks, checked against `sim.lab.compare`.

The scene runs the comparison in the background (a thread handing replications to
worker processes); these tests keep the frame loop going while it runs, then
compare what the screen shows with the lab's own statistics for the same seeds.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pygame
import pytest

from game import levers, manager_view
from game.app import App
from game.driver import Driver
from game.manager import REPLICATIONS, ManagerScene
from game.storage import Settings, Storage
from game.text import Fonts
from game.title import TitleScene
from game.ui import Action
from sim import load_scenario
from sim.lab import Task, compare, make_variants, run_task
from sim.lab.changes import apply_changes, policy_changes
from sim.scenario import with_policies

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEFLOOR_HOME", str(tmp_path))
    return tmp_path


def _lab(home, size=(1280, 720), scenario: str = "calm_weekday") -> tuple[Driver, ManagerScene]:
    Storage(home).save_settings(Settings(last_scenario="monday_outage"))
    d = Driver(App(size=size, storage=Storage(home)))
    d.step(2)
    assert isinstance(d.scene, TitleScene)
    d.click(Action("lab"))
    lab = d.scene
    assert isinstance(lab, ManagerScene) and lab.mode == "setup"
    d.click(Action("select", [stem for stem, _, _ in lab.items].index(scenario)))
    assert lab.scenario is not None and lab.scenario.id == scenario
    return d, lab


def _wait(d: Driver, done, timeout: float = 60.0) -> int:
    """Keep the frame loop going until `done()`; returns the frames drawn meanwhile."""
    end, frames = time.monotonic() + timeout, 0
    while not done():
        assert time.monotonic() < end, "timed out"
        d.step()
        frames += 1
        time.sleep(0.005)
    d.step()
    return frames


def _drawn_text(d: Driver, monkeypatch) -> list[str]:
    """Every string the current frame draws with the game's fonts."""
    seen: list[str] = []
    original = Fonts.render

    def spy(self, text, *args, **kwargs):
        seen.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Fonts, "render", spy)
    d.app.draw()
    monkeypatch.setattr(Fonts, "render", original)
    return seen


def _widgets_fit(d: Driver) -> None:
    assert d.layout_problems() == []


def test_a_run_shows_exactly_what_sim_lab_compare_gives_for_the_same_seeds(home, monkeypatch):
    d, lab = _lab(home)
    assert lab.tab == 1  # variant A, a copy of the base until a lever moves
    d.click(Action("lever", ("staffing", 1)))
    d.click(Action("replications", REPLICATIONS[0]))
    assert lab.differences(1) == ["Agents on shift: +1 in every interval"]
    d.click(Action("run"))
    assert lab.mode == "results" and lab.job is not None
    frames = _wait(d, lambda: lab.job.finished)
    assert frames >= 5, "the frame loop must keep drawing while the replications run"
    assert lab.job.error == "" and lab.job.workers >= 2  # replications ran in worker processes

    scen = load_scenario("calm_weekday")
    expected = compare(make_variants(scen, [["A", "staffing+=1"]]), replications=REPLICATIONS[0], base_seed=1)
    got = lab.job.comparison
    assert got is not None and not got.interrupted
    assert [v.changes for v in got.variants] == [(), ("staffing+=1",)]
    assert got.seeds == expected.seeds and got.runs == expected.runs  # common random numbers, same seeds
    assert lab.rows == expected.rows()
    shown = lab.shown()
    assert shown == manager_view.cells(expected.rows())
    staff = next(c for c in shown if c.kpi == "staff_cost" and c.variant == "A")
    assert staff.mark == "worse" and staff.diff.startswith("+")  # an extra agent always costs more

    drawn = _drawn_text(d, monkeypatch)
    for cell in shown:
        assert cell.mean in drawn, cell
        assert not cell.diff or f"{cell.diff} {cell.mark}".strip() in drawn, cell
    assert any(s.startswith("Done: 5 of 5 replications") for s in drawn)
    d.click(Action("view", "table"))
    drawn = _drawn_text(d, monkeypatch)
    for cell in shown:
        assert cell.mean_ci in drawn and (not cell.diff_ci or f"{cell.diff_ci} {cell.mark}".strip() in drawn), cell

    before = (lab.rows, lab.mode, lab.view, lab.job.done)
    for _ in range(3):
        d.app.draw()
    assert (lab.rows, lab.mode, lab.view, lab.job.done) == before  # drawing changes nothing
    d.click(Action("edit"))
    assert lab.mode == "setup" and lab.variants[1].policies.staffing == tuple(n + 1 for n in scen.policies.staffing)
    assert scen.policies == load_scenario("calm_weekday").policies  # no scenario was changed in place
    d.key(pygame.K_ESCAPE)
    assert isinstance(d.scene, TitleScene)
    d.app.close()


def test_cancel_mid_run_keeps_the_finished_replications_and_quitting_stops_a_run(home):
    d, lab = _lab(home, scenario="monday_outage")
    d.click(Action("lever", ("callbacks", 0)))
    d.click(Action("replications", REPLICATIONS[-1]))
    d.click(Action("run"))
    job = lab.job
    _wait(d, lambda: job.done >= 4)
    d.click(Action("cancel"))
    assert job.stopping or job.finished
    _wait(d, lambda: job.finished)
    c = job.comparison
    assert c is not None and c.interrupted and job.error == ""
    assert 2 <= len(c.complete) < REPLICATIONS[-1]
    assert job.done < job.total
    assert lab.status()[0].startswith(f"Stopped: {len(c.complete)} of {REPLICATIONS[-1]} replications")
    assert d.app.ctx.ui.find(Action("cancel")) is None
    assert lab.rows == c.rows() and all(r.mean is not None and r.mean.n == len(c.complete) for r in lab.rows)
    i = c.complete[-1]  # a kept replication is the real one for its seed
    assert c.runs[1][i] == run_task(Task(c.variants[1].scenario, c.seeds[i]))

    d.click(Action("edit"))
    d.click(Action("run"))  # the same variants again; then the game closes mid-run
    again = lab.job
    assert again is not job
    _wait(d, lambda: again.done >= 1)
    d.app.close()
    assert again.finished and again.comparison is not None and again.comparison.interrupted


def test_bad_states_are_explained_and_do_not_run(home):
    d, lab = _lab(home)
    ui = d.app.ctx.ui
    assert lab.problems() == ["Variant A is the same as the base: change at least one lever."]
    assert not ui.find(Action("run")).is_enabled
    d.key(pygame.K_RETURN)
    assert lab.job is None and lab.mode == "setup" and "same as the base" in lab.message[0]

    d.click(Action("lever", ("callbacks", 0)))
    assert lab.problems() == [] and ui.find(Action("run")).is_enabled
    d.click(Action("select", lab.index))  # choosing the same scenario again keeps the variants
    assert lab.variants[1].policies.callbacks != lab.variants[0].policies.callbacks
    d.click(Action("add_variant"))  # B starts as a copy of A
    assert lab.tab == 2 and lab.problems() == ["Variant B is the same as variant A: change at least one lever."]
    assert ui.find(Action("add_variant")) is None  # three variants at most
    d.click(Action("variant", 0))
    d.click(Action("lever", ("callbacks", 0)))  # now the base has callbacks too: A equals the base
    assert "Variant A is the same as the base: change at least one lever." in lab.problems()
    d.click(Action("remove_variant", 1))
    assert len(lab.variants) == 2 and lab.problems() == ["Variant A is the same as the base: change at least one lever."]
    assert not ui.find(Action("remove_variant", 1)).is_enabled
    lab.handle(Action("remove_variant", 1))
    assert len(lab.variants) == 2 and "at least one variant" in lab.message[0]

    d.click(Action("variant", 1))
    for _ in range(20):  # after-call work steps down to zero, then cannot go further
        d.click(Action("lever", ("wrap_up_s", -1)))
        if "cannot go further" in lab.message[0]:
            break
    assert "cannot go further" in lab.message[0] and lab.variants[1].policies.wrap_up_s == 0

    names = [stem for stem, _, _ in lab.items]
    no_levers = names.index("first_day")
    assert not ui.find(Action("select", no_levers)).is_enabled
    lab.handle(Action("select", names.index("calm_weekday")))
    for _ in range(len(names)):  # the keyboard skips scenarios without levers
        d.key(pygame.K_DOWN)
        assert lab.levers
    d.app.close()


@pytest.mark.parametrize("size", [(960, 540), (1440, 900), (1920, 1080)])
def test_every_lab_page_lays_out_inside_the_window(home, size, monkeypatch):
    monkeypatch.setattr(ManagerScene, "workers", 1)  # a tiny run: no worker processes needed
    d, lab = _lab(home, size)
    for i, (_, scen, _) in enumerate(lab.items):
        if scen is None or not levers.unlocked(scen):
            continue
        d.click(Action("select", i))
        d.click(Action("add_variant"))
        assert len(lab.variants) == 3
        lay = lab.layout()
        assert lab.lever_rows.fits(lay["lever_area"], lab.variants[lab.tab].policies), scen.id
        _widgets_fit(d)
    d.click(Action("select", [stem for stem, _, _ in lab.items].index("pure_queue")))
    d.click(Action("lever", ("staffing", -1)))
    d.click(Action("replications", REPLICATIONS[0]))
    d.click(Action("run"))
    _widgets_fit(d)
    _wait(d, lambda: lab.job.finished)
    for view in ("chart", "table"):
        d.click(Action("view", view))
        _widgets_fit(d)
    d.resize((700, 400))  # below the minimum: clamped, laid out again
    assert d.app.screen.get_size() == (960, 540)
    _widgets_fit(d)
    d.click(Action("edit"))
    _widgets_fit(d)
    assert d.app.ctx.ui.find(Action("results")) is not None  # the last results stay one click away
    d.app.close()


def test_a_failed_run_says_why_on_the_screen(home, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no worker could start")

    monkeypatch.setattr("game.lab_job.compare", broken)
    d, lab = _lab(home, scenario="pure_queue")
    d.click(Action("lever", ("staffing", 1)))
    d.click(Action("run"))
    _wait(d, lambda: lab.job.finished, timeout=10)
    assert lab.status()[0] == "The run failed: RuntimeError: no worker could start"
    assert d.app.ctx.ui.find(Action("cancel")) is None and lab.mode == "results"
    d.key(pygame.K_ESCAPE)
    assert lab.mode == "setup"
    d.app.close()


def test_policies_set_with_the_levers_are_the_changes_a_manager_would_type():
    for name in ("calm_weekday", "monday_outage", "new_hires", "public_complaint", "please_hold"):
        scen = load_scenario(name)
        s = scen
        for lever in levers.unlocked(scen):  # one click on every lever
            new = levers.changed(lever, s.policies, s, 1, 0, "email")
            if new is not None:
                s = with_policies(s, {lever.key: new})
        changes = policy_changes(scen, s.policies)
        assert len(changes) == len(levers.unlocked(scen)), (name, changes)
        assert apply_changes(scen, changes)[0].policies == s.policies, (name, changes)
    calm = load_scenario("calm_weekday")
    more = with_policies(calm, {"staffing": [n + 2 for n in calm.policies.staffing], "playbook": "fast_and_friendly",
                                "priority": ["business"]})
    assert policy_changes(calm, more.policies) == ("staffing+=2", 'priority=["business"]',
                                                   "playbook=fast_and_friendly")


def test_the_lab_job_and_the_lever_logic_do_not_import_pygame():
    code = ("import sys; import game.lab_job, game.levers; assert 'pygame' not in sys.modules, 'pygame imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
