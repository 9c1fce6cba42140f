"""The trainee's side of a workshop, driven headless: join in the game, play, the result reaches the server.

The server is the real one on a loopback port; the game talks to it through
the same client a laptop on the class network would use.
"""

from __future__ import annotations

import json
import time

import pygame
import pytest

from game.app import App
from game.debrief import DebriefScene
from game.driver import Driver
from game.floor import FloorScene
from game.scene import Push
from game.join import JoinScene
from game.session import Session
from game.storage import Storage
from game.title import TitleScene
from game.ui import Action
from game.workshop_seat import SEAT_FILE, Seat
from sim import load_scenario
from sim.workshop.grading import Rules, grade
from sim.workshop.live import LiveServer, free_port
from sim.workshop.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEFLOOR_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _driver(home) -> Driver:
    d = Driver(App(size=(1280, 720), storage=Storage(home)))
    d.step(2)
    return d


def _wait(d: Driver, done, seconds: float = 30.0) -> bool:
    """Step frames until `done()`, in real time: the server answers from another thread."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if done():
            return True
        d.step()
        time.sleep(0.01)
    return bool(done())


def _type(d: Driver, scene: JoinScene, key: str, text: str) -> None:
    entry = scene.entries[key]
    d.click_at(entry.rect.center)
    entry.set_text("")
    for ch in text:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
    d.step()
    assert entry.get_text() == text


def _play_to_debrief(d: Driver, floor: FloorScene) -> DebriefScene:
    d.key(pygame.K_SPACE)
    d.until(lambda: len(floor.session.snap.agents) > 0, frames=50)
    if floor.session.trainee_agent is None:
        d.key(pygame.K_t)  # take the calls of the agent the game offers
    assert floor.session.trainee_agent is not None
    d.click(Action("speed", 16))
    for _ in range(40):  # answer whatever the customer needs, first option each time
        if not d.until(lambda: floor.spotlight.view is not None or floor.session.at_end, frames=400, dt=0.05):
            break
        if floor.session.at_end:
            break
        d.key(pygame.K_1)
    d.key(pygame.K_ESCAPE)
    d.click(Action("end_shift"))
    assert isinstance(d.scene, DebriefScene)
    return d.scene


def test_join_play_and_the_result_reaches_the_leaderboard(home, tmp_path):
    with LiveServer(tmp_path / "w.db") as srv:
        s = srv.app.state.store.create_session("class", "three_reps", 4, True, 0)
        d = _driver(home)
        assert isinstance(d.scene, TitleScene)
        d.click(Action("workshop"))
        join = d.scene
        assert isinstance(join, JoinScene)
        _type(d, join, "address", f"127.0.0.1:{srv.port}")
        _type(d, join, "code", s.code.lower())
        _type(d, join, "name", "Ana")
        d.click(Action("join"))
        assert _wait(d, lambda: isinstance(d.scene, FloorScene))
        floor = d.scene
        assert (floor.session.scenario.id, floor.session.seed) == ("three_reps", 4)
        assert floor.session.set_policy("playbook", "carp")[0].startswith("your instructor locked")
        assert (home / SEAT_FILE).exists()

        deb = _play_to_debrief(d, floor)
        assert deb.sender is not None
        delivery = deb.sender.wait(30)
        assert delivery is not None and delivery.sent, delivery
        assert "place 1 of 1 so far" in delivery.message
        board = srv.app.state.store.results(s.code)
        assert [r.participant.name for r in board] == ["Ana"]
        assert board[0].scores["overall"] == deb.result.scores["overall"]
        assert board[0].flags == [] and len(board[0].choices) == len(deb.result.decisions) > 0
        assert not (home / SEAT_FILE).exists(), "the seat is used up once the result is in"

        # taking turns at one machine: the next trainee finds the server and the code filled in
        d.click(Action("next_trainee"))
        nxt = d.scene
        assert isinstance(nxt, JoinScene)
        assert [nxt.entries[k].get_text() for k in ("address", "code", "name")] == [f"127.0.0.1:{srv.port}", s.code, ""]
        _type(d, nxt, "name", "Ben")
        d.click(Action("join"))
        assert _wait(d, lambda: isinstance(d.scene, FloorScene))
        assert [p.name for p in srv.app.state.store.participants(s.code)] == ["Ana", "Ben"]
        d.app.close()


def test_a_wrong_code_is_explained_and_nothing_starts(home, tmp_path):
    with LiveServer(tmp_path / "w.db") as srv:
        d = _driver(home)
        d.click(Action("workshop"))
        join = d.scene
        _type(d, join, "address", f"127.0.0.1:{srv.port}")
        _type(d, join, "code", "NOPE22")
        _type(d, join, "name", "Ana")
        d.click(Action("join"))
        assert _wait(d, lambda: not join.busy and join.status[1] == "bad")
        assert "NOPE22" in join.status[0] and isinstance(d.scene, JoinScene)
        d.app.close()


def _seat(code: str, port: int, **kw) -> Seat:
    args = dict(address=f"http://127.0.0.1:{port}", code=code, name="Offline Olu", token="t", scenario="three_reps",
                scenario_name="Three representatives", seed=2, levers_locked=True, time_limit_min=0)
    args.update(kw)
    return Seat(**args)


def test_no_network_saves_the_result_for_the_instructor_to_import(home, tmp_path):
    store = Store(tmp_path / "w.db")
    s = store.create_session("class", "three_reps", 2, True, 0)
    d = _driver(home)
    d.app.ctx.workshop = _seat(s.code, free_port())  # nothing listens there
    d.app.stack.apply(Push(FloorScene(d.app.ctx, Session(load_scenario("three_reps"), seed=2, levers_locked=True))))
    deb = _play_to_debrief(d, d.scene)
    delivery = deb.sender.wait(30)
    assert delivery is not None and not delivery.sent and delivery.path is not None
    assert "could not be reached" in delivery.message
    entry = json.loads(delivery.path.read_text())
    graded = grade(entry["result"], Rules(s.scenario, s.seed, s.levers_locked))
    assert graded.scores["overall"] == deb.result.scores["overall"] and graded.flags == ()
    d.app.close()


def test_the_time_limit_ends_the_shift_and_sends_the_result(home, tmp_path):
    d = _driver(home)
    d.app.ctx.workshop = _seat("ABCDEF", free_port(), time_limit_min=1, started=time.time() - 61)
    d.app.stack.apply(Push(FloorScene(d.app.ctx, Session(load_scenario("three_reps"), seed=2))))
    d.step(3)
    assert isinstance(d.scene, DebriefScene) and d.scene.sender is not None
    assert d.scene.sender.wait(30) is not None
    d.app.close()


def test_the_game_reports_its_progress_and_ending_the_round_on_the_server_ends_the_shift(home, tmp_path):
    from game.workshop_seat import join as join_seat

    with LiveServer(tmp_path / "w.db") as srv:
        store = srv.app.state.store
        s = store.create_session("class", "three_reps", 2, True, 30)
        store.start_round(s.code)
        seat = join_seat(f"127.0.0.1:{srv.port}", s.code, "Ana")
        assert seat.round_ends is not None and 1790 < seat.seconds_left() <= 1800  # the server's countdown
        d = _driver(home)
        d.app.ctx.workshop = seat
        floor = FloorScene(d.app.ctx, Session(load_scenario("three_reps"), seed=2))
        d.app.stack.apply(Push(floor))
        d.key(pygame.K_SPACE)
        assert _wait(d, lambda: (store.participants(s.code)[0].progress or {}).get("state") == "playing", 20)
        assert isinstance(d.scene, FloorScene)  # still playing: 30 minutes left
        d.click(Action("speed", 16))
        assert d.until(lambda: floor.spotlight.view is not None, frames=400, dt=0.05)
        d.key(pygame.K_1)  # one answer of her own, so there is a play of hers to score
        store.end_round(s.code)  # the instructor: "end the round now"
        floor.heartbeat.every_s = 0.05  # the next beat now rather than in ten seconds
        assert _wait(d, lambda: isinstance(d.scene, DebriefScene), 20), "the shift should end when the round does"
        assert d.scene.sender is not None and d.scene.sender.wait(30) is not None
        (res,) = store.results(s.code)
        assert res.participant.name == "Ana" and not res.flags  # sent at once: not late
        d.app.close()
