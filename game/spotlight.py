"""The spotlight conversation: the trainee takes calls as one agent and answers turn by turn.

The panel follows the model: a pending `TurnView` brings the customer's line
and 3-5 responses; the trainee's choice goes back through `Centre.apply`;
the reaction arrives with the next turn (or, for a closing response, in the
turn record).  The rest of the floor keeps running meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from sim.responders import TurnView

from . import text, voice
from .options import choose
from .panel import Panel
from .session import Session
from .talk_view import MOOD_ROW_HEIGHT, Line, draw_mood_row, draw_option, draw_transcript, option_rects
from .theme import ACCENT, BAD, GOOD, MUTED, TEXT, WARN
from .ui import Action, Group

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

ENDINGS = {
    "relieved": ("They accepted your answer.", "good"),
    "relieved_but_misinformed": ("They accepted your answer.", "good"),  # the debrief tells the truth
    "needs_supervisor": ("Passed to a supervisor: the fix is over your limit.", "neutral"),
    "waits_for_supervisor": ("Escalated to a supervisor.", "neutral"),
    "waits_for_follow_up": ("You promised to follow up.", "neutral"),
    "passed_around": ("Transferred to another department.", "bad"),
    "told_no": ("Told no: the fix is over your limit.", "bad"),
    "hangs_up": ("The customer hung up.", "bad"),
    "gives_up": ("The customer gave up and left.", "bad"),
}
SHOWN_CUE = {"relieved_but_misinformed": "relieved"}  # live, nobody knows the answer was wrong yet
HEAD, CUSTOMER_BLOCK = 36, 61  # base units: the trainee's name row; the caller's facts (three rows)
FLASH_S = 2.0


class SpotlightPanel(Panel):
    """The trainee's own calls."""

    def __init__(self, ctx: Context, session: Session) -> None:
        super().__init__(ctx)
        self.session = session
        self.view: TurnView | None = None
        self.options: tuple[str, ...] = ()
        self.wordings: dict[str, str] = {}  # what the trainee would say for each option, as shown
        self.lines: list[Line] = []  # the transcript shown (the last few lines)
        self.said: list[str] = []  # every wording the trainee said in this call (the replay avoids the same)
        self.contact_id = -1
        self.who = ("how_to", "end_user")  # goal and segment of the current customer
        self.awaiting: tuple[int, int, str] | None = None
        self.turn_seen = len(session.centre.turns)
        self.mood = 0.0
        self.mood_target = 0.0
        self.trust = 50.0
        self.flash: tuple[str, float] = ("", 0.0)
        self.calls_taken = 0
        self.new_call = False  # set when a new customer arrives; the floor reads and clears it

    # -- names ------------------------------------------------------------
    def agent_name(self) -> str:
        aid = self.session.trainee_agent
        return self.session.centre.agents[aid].name if aid is not None else ""

    def suggested_agent(self) -> int:
        """The agent the trainee would take over: an idle one if any, else the first on the floor."""
        agents = [a for a in self.session.snap.agents if a.state not in ("sick", "training", "off")]
        idle = [a for a in agents if a.state == "idle"]
        pick = (idle or agents)
        return pick[0].id if pick else 0

    # -- widgets ----------------------------------------------------------
    def build(self, w: Group) -> None:
        ui, r = self.ui, self.rect
        if self.session.scenario.mode == "pure_queue":
            return  # nobody talks in a pure queue
        if self.session.trainee_agent is None:
            name = self.session.centre.agents[self.suggested_agent()].name
            w.button(pygame.Rect(r.left, r.top + ui.px(70), r.width, ui.px(48)), f"Take calls as {name}  (T)",
                     Action("take_calls"), cls="@primary")
            return
        label = "Keep my calls  (T)" if self.session.handing_back else "Hand back  (T)"
        w.button(pygame.Rect(r.right - ui.px(150), r.top, ui.px(150), ui.px(32)), label,
                 Action("take_calls"), cls="@small", tip="Give your calls back to the team's playbook")
        for i, (kind, rect) in enumerate(zip(self.options, self.option_rects()), start=1):
            w.button(rect, "", Action("answer", kind), cls="@option")

    def option_rects(self) -> list[pygame.Rect]:
        """Where the option cards are: stacked at the bottom of the panel, as tall as their words."""
        if not self.options:
            return []
        r = self.rect
        return option_rects(self.ui.fonts, r.left, r.bottom, r.width, [self.wordings[k] for k in self.options],
                            self.ui.scale)

    def options_top(self) -> int:
        rects = self.option_rects()
        top = rects[0].top if rects else self.rect.bottom
        return top - self.ui.fonts.line_height(12) // 2  # the first card's tag sticks out above it

    def transcript_rect(self) -> pygame.Rect:
        """What is left for the conversation so far: between the caller's facts and the options."""
        ui, r = self.ui, self.rect
        top = r.top + ui.px(HEAD + (CUSTOMER_BLOCK if self.view is not None else 0) + MOOD_ROW_HEIGHT + 6)
        bottom = self.options_top() - ui.px(4)
        return pygame.Rect(r.left, top, r.width, max(0, bottom - top))

    def label(self, kind: str) -> str:
        labels = self.session.scenario.responses
        return labels[kind].label if kind in labels else kind.replace("_", " ")

    # -- actions ----------------------------------------------------------
    def handle(self, action: Action) -> bool:
        if action.name == "take_calls":
            aid = self.session.trainee_agent
            if aid is None:
                self.take(self.suggested_agent())
            elif self.session.handing_back:
                self.session.take_calls(aid)  # changed their mind: keep the calls
                self.rebuild()
            else:
                self.session.hand_back()
                if self.session.trainee_agent is None:
                    self._reset()
                self.view, self.options, self.wordings = None, (), {}
                self.rebuild()
            return True
        if action.name == "take_as":
            self.take(int(action.arg))
            return True
        if action.name == "choose" and self.view is not None:
            n = int(action.arg)
            if 1 <= n <= len(self.options):
                self.answer(self.options[n - 1])
            return True
        if action.name == "answer" and self.view is not None:
            self.answer(str(action.arg))
            return True
        return False

    def take(self, agent_id: int) -> None:
        if self.session.scenario.mode == "pure_queue":
            return
        self.session.take_calls(agent_id)
        self._reset()
        self.rebuild()

    def _reset(self) -> None:
        self.view, self.options, self.awaiting = None, (), None
        self.lines, self.said, self.contact_id, self.wordings = [], [], -1, {}

    def answer(self, kind: str) -> None:
        v = self.view
        assert v is not None
        err = self.session.answer(v.contact_id, kind)
        if err:
            self.lines.append(Line("note", err, "bad"))
            return
        words = self.wordings.get(kind) or self._words(v, kind)
        self.lines.append(Line("you", words, "neutral", self.label(kind)))
        self.said.append(words)
        self.awaiting = (v.contact_id, v.turn, kind)
        self.view, self.options, self.wordings = None, (), {}
        self.rebuild()

    def _words(self, v: TurnView, kind: str) -> str:
        return voice.response_line(kind, self.label(kind), v.segment, v.goal, v.contact_id, v.turn,
                                   self.agent_name(), v.need, play=self.session.play, avoid=self.said)

    # -- following the model ----------------------------------------------
    def update(self, dt: float) -> None:
        pending = self.session.snap.pending
        view = pending[0] if pending and not self.session.handing_back else None
        if view is not None and (self.view is None or (view.contact_id, view.turn) != (self.view.contact_id, self.view.turn)):
            self._show(view)
        self._scan_turns()
        self.mood += (self.mood_target - self.mood) * min(1.0, dt * 4.0)
        cue, left = self.flash
        self.flash = (cue, max(0.0, left - dt))

    def _show(self, view: TurnView) -> None:
        if view.contact_id != self.contact_id:
            self.lines, self.said = [], []
            self.contact_id = view.contact_id
            self.calls_taken += 1
            self.new_call = True
            self.mood = view.frustration
            self.flash = ("", 0.0)
        elif view.last_cue:
            self.flash = (view.last_cue, FLASH_S)
        self.view = view
        self.who = (view.goal, view.segment)
        self.awaiting = None
        self.mood_target, self.trust = view.frustration, view.trust
        cue = view.last_cue or "opening"
        caption = "" if cue == "opening" else "they " + voice.cue_phrase(cue)
        words = voice.says(view, self.agent_name(), avoid=self.last_said(), play=self.session.play)
        self.lines.append(Line("customer", words, voice.cue_tone(cue), caption))
        self.lines = self.lines[-12:]
        self.options = choose(view)
        self.wordings = {k: self._words(view, k) for k in self.options}
        self.rebuild()

    def _scan_turns(self) -> None:
        turns = self.session.centre.turns
        if self.awaiting is None:
            self.turn_seen = len(turns)
            return
        cid, turn, kind = self.awaiting
        for t in turns[self.turn_seen:]:
            if t.contact_id == cid and t.turn == turn:
                self.mood_target = t.frustration_after
                self.trust = t.trust_after
                if t.cue in ENDINGS and (self.session.scenario.responses[kind].outcome or t.cue in ("hangs_up", "gives_up")):
                    self._ended(t.cue, t.frustration_after)
        self.turn_seen = len(turns)

    def _ended(self, cue: str, frustration: float) -> None:
        from sim.conversation import band
        shown = SHOWN_CUE.get(cue, cue)
        goal, segment = self.who
        words = voice.customer_line(goal, segment, band(frustration), shown, self.contact_id, 99, self.agent_name(),
                                    avoid=self.last_said(), play=self.session.play)
        self.lines.append(Line("customer", words, voice.cue_tone(shown), "they " + voice.cue_phrase(shown)))
        note, tone = ENDINGS[cue]
        self.lines.append(Line("note", "Call ended: " + note, tone))
        self.flash = (shown, FLASH_S)
        self.awaiting = None

    def last_said(self) -> str:
        return next((ln.text for ln in reversed(self.lines) if ln.who == "customer"), "")

    # -- drawing ----------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        ui, f, r = self.ui, self.ui.fonts, self.rect
        if self.session.scenario.mode == "pure_queue":
            text.draw(surface, f, "No conversations here", r.topleft, 18, TEXT, bold=True)
            text.draw_wrapped(surface, f, "This scenario is a pure queue for checking the model against the Erlang "
                              "formulas: customers only wait and are served. Try the Policies panel.",
                              pygame.Rect(r.left, r.top + ui.px(34), r.width, ui.px(90)), 14, MUTED)
            return
        if self.session.trainee_agent is None:
            text.draw(surface, f, "Take the calls yourself", r.topleft, 18, TEXT, bold=True)
            text.draw_wrapped(surface, f, "Play one agent: every customer routed to them waits for your choice. "
                              "Click an agent on the floor, or press T. The team's playbook handles everyone else.",
                              pygame.Rect(r.left, r.top + ui.px(130), r.width, ui.px(90)), 14, MUTED)
            return
        agent = self.session.centre.agents[self.session.trainee_agent]
        name = text.draw(surface, f, f"You are {agent.name}", r.topleft, 16, ACCENT, bold=True)
        status = "handing back after this call" if self.session.handing_back else f"calls taken {self.calls_taken}"
        if self.view is None:
            status = f"{agent.state.replace('_', '-')}  ·  {status}"
        room = r.right - ui.px(158) - name.right - ui.px(10)
        text.muted(surface, f, f.fit(f"·  {status}", room, 13), (name.right + ui.px(8), r.top + ui.px(3)), 13)
        y = r.top + ui.px(HEAD)
        v = self.view
        if v is None and not self.lines:
            text.draw_wrapped(surface, f, "Waiting for your next customer... The clock keeps running: "
                              "press Space to pause, + and - to change speed.",
                              pygame.Rect(r.left, y, r.width, ui.px(80)), 14, MUTED)
            return
        if v is not None:
            self._draw_customer(surface, v, y)
            y += ui.px(CUSTOMER_BLOCK)
        draw_mood_row(surface, f, pygame.Rect(r.left, y, r.width, ui.px(MOOD_ROW_HEIGHT)), self.mood, self.trust,
                      ui.scale)
        box = self.transcript_rect()
        draw_transcript(surface, f, box, self.lines, ui.scale)
        if v is None and self.awaiting is not None:
            text.muted(surface, f, "...", (r.left, box.bottom - ui.px(4)), 14)
        for i, (kind, rect) in enumerate(zip(self.options, self.option_rects()), start=1):
            el = ui.find(Action("answer", kind))
            # the kind of each response is named only in the tutorial: elsewhere the trainee hears words and
            # must judge them (the kind and its lesson come in the debrief's review)
            tag = self.label(kind) if self.session.scenario.tutorial else ""
            draw_option(surface, f, rect, i, self.wordings[kind], tag, ui.scale,
                        hovered=bool(el is not None and getattr(el, "hovered", False)))

    def _draw_customer(self, surface: pygame.Surface, v: TurnView, y: int) -> int:
        ui, f, r = self.ui, self.ui.fonts, self.rect
        scen = self.session.scenario
        seg = scen.segments[v.segment].name if v.segment in scen.segments else v.segment
        chan = scen.channels[v.channel].name if v.channel in scen.channels else v.channel
        text.draw(surface, f, f.fit(f"{seg}  ·  {chan}", r.width, 14, bold=True), (r.left, y), 14, TEXT, bold=True)
        y += ui.px(20)
        goal = scen.goals[v.goal].name if v.goal_known and v.goal in scen.goals else "not clear yet: ask"
        text.draw(surface, f, f.fit(f"Wants: {goal}", r.width, 14), (r.left, y), 14, TEXT if v.goal_known else WARN)
        y += ui.px(19)
        facts = []
        if v.reason == "retry":
            facts.append("came back after giving up on the queue")
        elif v.reason == "repeat":
            facts.append("came back: an earlier answer was wrong")
        if self.session.snap.policies.show_history:
            facts.append(f"{v.history} earlier contacts on file" if v.history else "no earlier contacts")
        else:
            facts.append("history hidden by policy")
        if v.need is not None and v.need > 0:
            over = v.need > v.authority_limit
            facts.append(f"fix needs {v.need:,.0f} (your limit {v.authority_limit:,.0f})")
            colour = BAD if over else GOOD
        else:
            colour = MUTED
        line = "  ·  ".join(facts)
        text.draw(surface, f, f.fit(line, r.width, 13), (r.left, y), 13, colour if v.need else MUTED)
        return y + ui.px(22)  # CUSTOMER_BLOCK in all
