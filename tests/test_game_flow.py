"""The game driven headless with synthetic clicks and key presses, checked against headless `sim`.

Each test plays through the real event queue and the real widgets (SDL dummy
video and audio drivers), then compares what the debrief shows with a headless
replay of the result file the game wrote.
"""

from __future__ import annotations

import json
import os

import pygame
import pytest

from game import figures, floor_view, talk_view
from game.app import App
from game.debrief import DebriefScene
from game.driver import Driver
from game.floor import FloorScene
from game.picker import PickerScene
from game.storage import Settings, Storage
from game.title import TitleScene
from game.trace import TraceScene
from game.ui import Action
from sim import debrief, list_scenarios, read_result, replay

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEFLOOR_HOME", str(tmp_path))
    return tmp_path


def _driver(home, **settings) -> Driver:
    Storage(home).save_settings(Settings(**settings)) if settings else None
    d = Driver(App(size=(1280, 720), storage=Storage(home)))
    d.step(2)
    return d


def _start(d: Driver, scenario: str = "calm_weekday") -> FloorScene:
    assert isinstance(d.scene, TitleScene)
    d.click(Action("play"))
    picker = d.scene
    assert isinstance(picker, PickerScene)
    index = [stem for stem, _, _ in picker.items].index(scenario)
    d.click(Action("select", index))
    d.click(Action("start"))
    assert isinstance(d.scene, FloorScene)
    return d.scene


def _take_agent_by_click(d: Driver, floor: FloorScene, n: int = 3) -> int:
    d.key(pygame.K_SPACE)  # start the clock: the team comes on shift
    d.until(lambda: len(floor.session.snap.agents) > n, frames=50)
    team = floor.layout()["team"]
    agents = floor.session.snap.agents
    rect = floor_view.agent_tiles(team, len(agents), d.app.ctx.ui.fonts)[n]
    d.click_at(rect.center)
    return agents[n].id


def _answer(d: Driver, floor: FloorScene, count: int) -> list[str]:
    """Answer `count` turns, alternating number keys and clicks on the response buttons."""
    chosen = []
    for i in range(count):
        assert d.until(lambda: floor.spotlight.view is not None and bool(floor.spotlight.options), frames=4000,
                       dt=0.05), "no call reached the trainee"
        opts = floor.spotlight.options
        assert 3 <= len(opts) <= 5
        if i % 2 == 0:
            pick = i % len(opts)
            d.key(pygame.K_1 + pick)
            chosen.append(opts[pick])
        else:
            kind = opts[-1]
            d.click(Action("answer", kind))
            chosen.append(kind)
    return chosen


def test_play_a_shift_and_the_debrief_matches_a_headless_replay(home):
    d = _driver(home, slow_on_call=False)
    floor = _start(d)
    agent = _take_agent_by_click(d, floor)
    assert floor.session.trainee_agent == agent
    d.click(Action("speed", 16))
    assert not floor.paused and floor.speed == 16
    chosen = _answer(d, floor, 10)
    d.click(Action("tab", "policies"))
    d.click(Action("lever", ("callbacks", 0)))
    assert floor.session.snap.policies.callbacks is True
    d.key(pygame.K_ESCAPE)
    d.click(Action("end_shift"))
    deb = d.scene
    assert isinstance(deb, DebriefScene)

    # the result file replays headless to exactly what the debrief shows
    doc = read_result(deb.path)
    again = replay(doc)
    assert again.scores == deb.result.scores
    assert deb.shown_figures() == figures.figures(again.scores)
    assert figures.headline(deb.result.scores) == figures.headline(again.scores)
    assert [d_["kind"] for d_ in doc["decisions"]][:len(chosen)] == chosen
    assert {"type": "policy", "key": "callbacks", "value": True} in [
        {k: c[k] for k in ("type", "key", "value")} for c in doc["commands"] if c["type"] == "policy"]
    assert any(c["type"] == "take_calls" and c["agent_id"] == agent for c in doc["commands"])

    # the review shows the trainee's own choices, contact by contact
    d.click(Action("tab", "calls"))
    by_contact: dict[int, list[str]] = {}
    for dec in doc["decisions"]:
        by_contact.setdefault(dec["contact_id"], []).append(dec["kind"])
    assert [c.contact_id for c in deb.convs] == list(by_contact)
    for conv in deb.convs:
        assert [s.kind for s in conv.steps if s.by_trainee] == by_contact[conv.contact_id]
    assert [c.contact_id for c in debrief.trainee_conversations(again)] == list(by_contact)

    # lost customers: the churn count is the score's, and a click opens the causal trace
    d.click(Action("tab", "lost"))
    churned = sum(1 for x in deb.lost if "churned" in x.reasons)
    assert churned == again.scores["loyalty"]["churned"]
    first = deb.lost[0]
    d.click(Action("trace", first.customer_id))
    assert isinstance(d.scene, TraceScene)
    expected = debrief.trace(again, first.customer_id)
    assert d.scene.trace.lost_value == expected.lost_value and d.scene.trace.reasons == expected.reasons
    d.click(Action("back"))
    d.click(Action("tab", "calls"))
    d.click(Action("replay", deb.convs[0].contact_id))
    d.key(pygame.K_RIGHT)
    assert len(d.scene.lines()) >= 3
    d.click(Action("back"))
    d.click(Action("back"))
    assert isinstance(d.scene, TitleScene)
    assert not Storage(home).autosave_path.exists()
    d.app.close()


def test_quit_mid_shift_then_resume_reproduces_the_same_shift(home):
    d = _driver(home, slow_on_call=False)
    floor = _start(d, "monday_outage")
    _take_agent_by_click(d, floor, 1)
    d.click(Action("speed", 16))
    _answer(d, floor, 4)
    d.click(Action("tab", "policies"))
    d.click(Action("lever", ("staffing", 1)))
    saved_time = floor.session.now
    saved_commands = list(floor.session.centre.commands)
    d.app.close()  # like closing the window: the shift is saved
    assert Storage(home).autosave_path.exists()

    d2 = _driver(home)
    d2.click(Action("resume"))
    floor2 = d2.scene
    assert isinstance(floor2, FloorScene) and floor2.paused
    assert floor2.session.now == pytest.approx(saved_time)
    assert floor2.session.centre.commands == saved_commands
    d2.key(pygame.K_ESCAPE)
    d2.click(Action("end_shift"))
    deb = d2.scene
    assert replay(read_result(deb.path)).scores == deb.result.scores
    d2.app.close()


def test_a_corrupt_save_gives_a_message_and_a_fresh_start_and_is_kept(home):
    bad = b'{"format": "servicefloor-autosave/1", "seed": '
    (home / "autosave.json").write_bytes(bad)
    d = _driver(home)
    storage = d.app.ctx.storage
    assert any("saved shift" in m for m in storage.messages)
    assert d.app.ctx.ui.find(Action("resume")) is None
    kept = list(home.glob("autosave.bad-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == bad
    floor = _start(d)
    d.key(pygame.K_SPACE)
    d.step(20, dt=0.05)
    d.app.close()
    assert json.loads((home / "autosave.json").read_text())["format"] == "servicefloor-autosave/1"
    assert kept[0].read_bytes() == bad  # the bad file is never overwritten
    assert floor.session.now > 0


def test_a_save_that_does_not_replay_is_set_aside_with_a_message(home):
    d = _driver(home)
    _start(d)
    d.key(pygame.K_SPACE)
    d.step(10, dt=0.05)
    d.app.close()
    doc = json.loads((home / "autosave.json").read_text())
    doc["contacts_done"] += 5
    (home / "autosave.json").write_text(json.dumps(doc))
    d2 = _driver(home)
    d2.click(Action("resume"))
    assert isinstance(d2.scene, TitleScene)
    assert any("does not replay" in m for m in d2.app.ctx.storage.messages)
    assert list(home.glob("autosave.bad-*.json")) and not (home / "autosave.json").exists()


def test_corrupt_settings_fall_back_to_defaults(home):
    (home / "settings.json").write_text("not json")
    d = _driver(home)
    assert d.app.ctx.settings == Settings()
    assert list(home.glob("settings.bad-*.json"))
    assert any("settings" in m for m in d.app.ctx.storage.messages)


def _widgets_fit(d: Driver) -> None:
    assert d.layout_problems() == []


def _options_fit(d: Driver, floor: FloorScene) -> None:
    """The option cards: inside the panel, apart (tags included), each holding its words, under the transcript."""
    spot, fonts, scale = floor.spotlight, d.app.ctx.ui.fonts, d.app.ctx.ui.scale
    cards = spot.option_rects()
    assert len(cards) == len(spot.options) >= 3
    panel = floor.layout()["panel"]
    tag = fonts.line_height(talk_view.TAG_SIZE)
    for kind, card in zip(spot.options, cards):
        assert panel.contains(card), (card, panel)
        button = d.app.ctx.ui.find(Action("answer", kind))
        assert button is not None and button.rect == card  # the click lands where the card is drawn
        words = spot.wordings[kind]
        lines = fonts.wrap(words, talk_view.option_text_width(card.width, scale), talk_view.OPTION_SIZE)
        assert len(lines) * fonts.line_height(talk_view.OPTION_SIZE) < card.height, (words, card)
    for upper, lower in zip(cards, cards[1:]):
        assert upper.bottom < lower.top - tag // 2, (upper, lower)  # the lower card's tag clears the upper card
    box = spot.transcript_rect()
    assert box.bottom <= cards[0].top - tag // 2 and box.height > 0
    newest = next(ln for ln in reversed(spot.lines) if ln.who == "customer")
    assert talk_view.bubble_height(fonts, newest, round(box.width * talk_view.BUBBLE_SHARE), scale) <= box.height


@pytest.mark.parametrize("size", [(960, 540), (1920, 1080), (1440, 900)])
def test_resizing_lays_every_screen_out_inside_the_window(home, size):
    d = _driver(home, slow_on_call=False)
    d.resize(size)
    _widgets_fit(d)
    floor = _start(d)
    _take_agent_by_click(d, floor, 0)
    d.click(Action("speed", 16))
    d.until(lambda: floor.spotlight.view is not None, frames=2000, dt=0.05)
    _widgets_fit(d)
    _options_fit(d, floor)
    d.resize((700, 400))  # below the minimum: clamped
    assert d.app.screen.get_size() == (960, 540)
    _widgets_fit(d)
    _options_fit(d, floor)
    assert d.app.ctx.ui.fonts.px(12) >= 12
    d.click(Action("tab", "policies"))
    _widgets_fit(d)
    d.key(pygame.K_ESCAPE)
    _widgets_fit(d)
    d.click(Action("end_shift"))
    for tab in ("scores", "calls", "lost"):
        d.click(Action("tab", tab))
        _widgets_fit(d)
    d.key(pygame.K_F11)  # fullscreen and back never crash
    d.key(pygame.K_F11)
    assert isinstance(d.scene, DebriefScene)


def test_five_options_with_the_widest_words_fit_the_smallest_window(home):
    """The worst case the content linter allows: five two-line wordings under a three-line customer line."""
    from sim.dialogue import load_dialogue
    d = _driver(home, slow_on_call=False)
    d.resize((960, 540))
    floor = _start(d)
    _take_agent_by_click(d, floor, 0)
    d.click(Action("speed", 16))
    assert d.until(lambda: floor.spotlight.view is not None, frames=2000, dt=0.05)
    d.click(Action("speed", 0))
    spot, fonts = floor.spotlight, d.app.ctx.ui.fonts
    dlg = load_dialogue()
    widest = sorted(dlg.response_lines(), key=lambda t: (len(fonts.wrap(t, 300, 14)), fonts.width(t, 14)))[-5:]
    kinds = [k for k in spot.session.scenario.responses][:5]
    spot.options, spot.wordings = tuple(kinds), dict(zip(kinds, widest))
    longest = max(dlg.customer_lines(), key=lambda t: fonts.width(t, 14))
    spot.lines.append(talk_view.Line("customer", longest, "bad", "they are outraged"))
    floor.relayout()
    d.step(2)
    _widgets_fit(d)
    _options_fit(d, floor)
    d.app.draw()  # and it draws


def test_the_options_show_the_words_and_the_transcript_repeats_the_chosen_ones(home):
    d = _driver(home, slow_on_call=False)
    floor = _start(d)
    _take_agent_by_click(d, floor, 2)
    d.click(Action("speed", 16))
    spot = floor.spotlight
    responses = floor.session.scenario.responses
    for n in range(4):
        assert d.until(lambda: spot.view is not None and bool(spot.options), frames=4000, dt=0.05)
        shown = dict(spot.wordings)
        assert set(shown) == set(spot.options)
        assert all(words and words != responses[k].label for k, words in shown.items())  # words, not labels
        said_before = [ln.text for ln in spot.lines if ln.who == "you"]
        pick = n % len(spot.options)
        kind = spot.options[pick]
        d.key(pygame.K_1 + pick)
        mine = [ln for ln in spot.lines if ln.who == "you"]
        assert mine[-1].text == shown[kind] and mine[-1].label == responses[kind].label
        assert shown[kind] not in said_before  # a wording is not repeated within a call
    d.app.close()


def test_a_replayed_seed_hears_other_words_and_the_replay_repeats_the_words_seen_live(home):
    import dataclasses

    from game.replay_view import ReplayScene
    from sim.responders import carp
    for _ in range(2):  # this seed was started twice before: this is its third play
        Storage(home).start_play("calm_weekday", 1)
    d = _driver(home, slow_on_call=False)
    floor = _start(d)
    assert floor.session.play == 2
    _take_agent_by_click(d, floor, 2)
    d.click(Action("speed", 16))
    spot = floor.spotlight
    live: dict[int, list] = {}  # every line the conversation panel showed, by contact
    kept: list = []

    def note_lines() -> None:
        for ln in spot.lines:
            if not any(ln is k for k in kept):
                kept.append(ln)
                live.setdefault(spot.contact_id, []).append(ln)

    def waiting() -> bool:
        note_lines()
        return spot.view is not None and bool(spot.options)

    for _ in range(14):
        assert d.until(waiting, frames=4000, dt=0.05)
        d.key(pygame.K_1 + spot.options.index(carp(spot.view)))
        note_lines()
    d.until(lambda: note_lines() or spot.view is not None, frames=400, dt=0.05)  # the last call ends
    d.key(pygame.K_ESCAPE)
    d.click(Action("end_shift"))
    deb = d.scene
    assert isinstance(deb, DebriefScene) and deb.result.play == 2
    doc = read_result(deb.path)
    assert doc["play"] == 2
    again = replay(doc)
    assert again.play == 2 and again.scores == deb.result.scores

    d.click(Action("tab", "calls"))
    d.click(Action("replay", deb.convs[0].contact_id))
    assert isinstance(d.scene, ReplayScene)
    d.click(Action("back"))
    ended = [cid for cid, lines in live.items() if lines[-1].text.startswith("Call ended")]
    assert len(ended) >= 2
    for cid in ended:
        seen = [(ln.who, ln.text) for ln in live[cid] if ln.who != "note"]
        for result in (deb.result, again):  # the debrief's replay, and the result file's
            view = ReplayScene(d.app.ctx, result, cid, deb.names)
            view.shown = len(view.steps)
            assert [(ln.who, ln.text) for ln in view.lines()] == seen, cid
        first = ReplayScene(d.app.ctx, dataclasses.replace(deb.result, play=0), cid, deb.names)
        first.shown = len(first.steps)
        assert first.lines()[0].text != seen[0][1]  # the first play heard another opening
    d.app.close()


def test_no_sound_device_is_needed(home, monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    d = _driver(home)
    assert pygame.mixer.get_init() is None
    d.click(Action("quit_game"))
    assert d.app.stack.quit


def test_main_opens_the_title_and_returns_zero(home, monkeypatch):
    import game.app as app_module

    original = app_module.App.run

    def run_then_quit(self):
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        original(self)

    monkeypatch.setattr(app_module.App, "run", run_then_quit)
    assert app_module.main("monday_outage") == 0
    assert Settings.from_json(json.loads((home / "settings.json").read_text())).last_scenario == "monday_outage"
    pygame.display.init()


def test_drawing_changes_nothing(home):
    d = _driver(home)
    floor = _start(d)
    d.key(pygame.K_SPACE)
    d.step(30, dt=0.05)
    d.key(pygame.K_SPACE)
    before = (floor.session.now, len(floor.session.centre.commands), len(floor.session.centre.log), floor.speed)
    for _ in range(5):
        d.app.draw()
    assert (floor.session.now, len(floor.session.centre.commands), len(floor.session.centre.log),
            floor.speed) == before
    assert os.environ["SERVICEFLOOR_HOME"] == str(home)


@pytest.mark.parametrize("scenario", [p.stem for p in list_scenarios() if p.stem != "pure_queue"])  # no play: a queue check
def test_every_shipped_scenario_plays_to_a_debrief_with_every_tab(home, scenario):
    d = _driver(home, slow_on_call=False)
    floor = _start(d, scenario)
    d.key(pygame.K_SPACE)
    d.key(pygame.K_t)
    d.click(Action("speed", 16))
    d.step(60, dt=0.05)
    d.key(pygame.K_e)  # the menu...
    d.click(Action("end_shift"))  # ...and fast-forward to the end
    deb = d.scene
    assert isinstance(deb, DebriefScene) and floor.session.centre.finished
    for tab in ("charts", "calls", "lost", "scores"):
        d.click(Action("tab", tab))
        d.step(2)
    assert deb.chart is not None and deb.chart.get_size() == deb.content().size
    if deb.lost:
        d.click(Action("tab", "lost"))
        d.click(Action("trace", deb.lost[0].customer_id))
        assert isinstance(d.scene, TraceScene)


def test_a_tutorial_puts_you_on_the_phone_stops_the_clock_and_coaches_each_step(home):
    from sim import load_scenario
    from sim.coach import coach
    from sim.responders import carp_step
    tutorials = [p.stem for p in list_scenarios() if load_scenario(p).tutorial]
    assert "first_day" in tutorials
    d = _driver(home, slow_on_call=False)
    floor = _start(d, "first_day")
    lay = floor.layout()
    assert "coach" in lay and not lay["coach"].colliderect(lay["team"]) and lay["left"].contains(lay["coach"])
    d.key(pygame.K_SPACE)
    assert floor.session.trainee_agent == 0
    d.click(Action("speed", 16))
    responses = floor.session.scenario.responses
    steps = []
    for _ in range(4):
        assert d.until(lambda: floor.spotlight.view is not None, frames=3000, dt=0.05)
        view = floor.spotlight.view
        t = floor.session.now
        d.step(30, dt=0.05)
        assert floor.session.now == t  # the clock waits for the choice
        assert floor.coaching == coach(view, responses)  # the coach says what sim says, for this turn
        steps.append(floor.coaching.step)
        assert floor.coaching.step == carp_step(view)
        d.app.draw()
        d.key(pygame.K_1)
        d.until(lambda view=view: floor.session.now > t, frames=200, dt=0.05)
        assert floor.session.now > t  # and runs again once you have answered
    assert len(set(steps)) >= 2  # the steps move on as the call does
    d.app.close()

    d2 = _driver(home, slow_on_call=False)
    other = _start(d2, "calm_weekday")
    assert "coach" not in other.layout() and not other.solo
    d2.key(pygame.K_SPACE)
    d2.step(20, dt=0.05)
    assert other.session.trainee_agent is None  # with a team on the floor you choose whether to take calls
    d2.app.close()


def test_alone_on_the_floor_without_a_coach_the_clock_still_waits_for_you(home):
    from sim import load_scenario
    alone = [p.stem for p in list_scenarios() if (s := load_scenario(p)).trainee_alone and not s.tutorial]
    assert "three_reps" in alone
    d = _driver(home, slow_on_call=False)
    floor = _start(d, "three_reps")
    assert "coach" not in floor.layout()
    d.key(pygame.K_SPACE)
    assert floor.session.trainee_agent == 0
    d.click(Action("speed", 16))
    assert d.until(lambda: floor.spotlight.view is not None, frames=3000, dt=0.05)
    t = floor.session.now
    d.step(30, dt=0.05)
    assert floor.session.now == t and floor.coaching is None
    d.key(pygame.K_1)
    d.step(30, dt=0.05)
    assert floor.session.now > t
    d.app.close()


@pytest.mark.parametrize("scenario, named", [("calm_weekday", False), ("first_day", True)])
def test_the_options_name_their_kind_only_in_the_tutorial(home, monkeypatch, scenario, named):
    """No giveaways: outside the tutorial an option is its words, with no tag saying what kind of move it is."""
    import game.spotlight as spotlight_mod

    tags: list[str] = []
    real = spotlight_mod.draw_option

    def spy(surface, fonts, rect, number, words, tag, *args, **kw):
        tags.append(tag)
        return real(surface, fonts, rect, number, words, tag, *args, **kw)

    monkeypatch.setattr(spotlight_mod, "draw_option", spy)
    d = _driver(home, slow_on_call=False)
    floor = _start(d, scenario)
    if not floor.solo:
        _take_agent_by_click(d, floor, 2)
    d.click(Action("speed", 16))
    spot = floor.spotlight
    assert d.until(lambda: spot.view is not None and bool(spot.options), frames=4000, dt=0.05)
    tags.clear()
    d.app.draw()
    assert len(tags) == len(spot.options)
    labels = {floor.session.scenario.responses[k].label for k in spot.options}
    assert (set(tags) == labels) if named else tags == [""] * len(tags)
    d.app.close()


def test_the_picker_is_a_path_tutorial_first_by_difficulty_each_opened_by_a_star(home, monkeypatch):
    from game.picker import PickerScene, curriculum, load_all, locks

    items = curriculum(load_all())
    names = [stem for stem, _, _ in items]
    assert names[0] == "first_day" and "pure_queue" not in names  # the tutorial first; the queue check is no play
    diffs = [scen.difficulty for _, scen, _ in items[1:]]
    assert diffs == sorted(diffs)
    why = locks(items, {}, unlock_all=False)
    assert why[0] == "" and all(w.startswith("Earn a star of your own in") for w in why[1:])
    opened = locks(items, {"first_day": {"stars": 1}}, unlock_all=False)
    assert opened[1] == "" and opened[2] != ""  # one star in the tutorial opens the next, not the one after
    assert set(locks(items, {}, unlock_all=True)) == {""}  # the instructor's setting opens every one
    monkeypatch.delenv("SERVICEFLOOR_UNLOCK_ALL")
    d = _driver(home)
    d.click(Action("play"))
    picker = d.scene
    assert isinstance(picker, PickerScene) and picker.selected is not None and picker.selected.id == "first_day"
    picker.handle(Action("select", 3))  # a locked one cannot be started (its button is disabled, too)
    assert picker.selected is None
    d.key(pygame.K_DOWN)
    assert picker.selected is not None and picker.selected.id == "first_day"  # Up/Down skip what is locked
    d.app.close()
