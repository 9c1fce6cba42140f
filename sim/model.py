"""The running contact centre: SimPy processes behind one small façade.

`Centre` is the only object clients touch: ``advance_to(t)`` runs the clock,
``apply(command)`` changes policies or answers a pending conversation turn,
``snapshot()`` returns a frozen view for drawing, and ``finish()`` runs the
shift to its end and returns the result.  Every command is logged with its
simulated time so a run can be replayed exactly.
"""

from __future__ import annotations

import math
from collections import deque
from functools import partial
from dataclasses import dataclass, replace
from typing import Any, Generator

import simpy

from . import conversation as conv
from .population import Customer, draw_customers
from .records import ContactLog, TurnRecord
from .responders import Decision, Interactive, Playbook, Responder, TurnView
from .rng import Streams
from .scenario import Policies, Scenario, with_policies
from .team import STRESSED, Agent, hire, training_share

WAIT_FRUSTRATION_PER_MIN = 4.0  # realtime: frustration per minute waited beyond expectation
ASYNC_FRUSTRATION_PER_HOUR = 3.0  # email / web form, or waiting for a callback: per hour beyond the first
HOLD_MESSAGE_FEEL = 1.3  # "your call is important to us" on a loop: a minute on hold feels this long
CALLBACK_ACCEPT = 0.8
CALLBACK_DIAL_S = 20.0
FOLLOWUP_S = 240.0
FOLLOWUP_READY_MEAN_S = 5400.0  # a deferred answer reaches the customer, on average, this much later...
FOLLOWUP_READY_MIN_S = 1800.0  # ...and never sooner than this (looked into, then the customer reached)
FOLLOWUP_LAST_CALL_S = 1800.0  # ...but a case promised for today is ready by this long before the day ends
OPEN_CASE_FRUSTRATION_PER_HOUR = 4.0  # waiting with the problem unsolved: frustration...
OPEN_CASE_TRUST_PER_HOUR = 3.0  # ...and trust, per hour
OVER_PROMISE_KEPT = 0.35
SUPERVISOR_APPROVES = 0.85
SUPERVISOR_ACCURACY = 0.92
REPEAT_PROBABILITY = 0.8  # a customer given wrong information comes back...
REPEAT_MEAN_S = 5400.0  # ...after this long on average
REPEAT_GIVE_UP = 0.5  # each further wrong answer halves the chance they call back again
RETRY_MEAN_S = 900.0
# A closed channel is a barrier (no chat on the website, no e-mail address): the customer who
# came that way must find another one, at this much effort (frustration), or gives up at once.
# Who keeps looking is the same decision as trying again after giving up on a queue: the
# segment's retry_probability.
CHANNEL_SWITCH_EFFORT = 8.0
# Most decisions an agent takes alone are sound ("nine times out of ten they choose well"); now and
# then one is over-generous (a whole bill waived for one wrong charge): with chance
# GENEROUS_SHARE x (1.5 - competence) / 0.7 -- one in ten for a typical hired agent (competence 0.8),
# a little more for a novice -- they pay up to GENEROUS_MULTIPLE times what the fix needs, as far as
# their authority allows. The higher the limit, the dearer the occasional bad call.
GENEROUS_SHARE = 0.1
GENEROUS_MULTIPLE = 3.0
MAX_TRANSFERS = 3  # after this many transfers there is nobody left to pass the customer to
TIER2_AUTHORITY = 4.0
NOTE_TIME_S = 30.0  # wrap-up seconds that write 63 % of a full note (quality 1 - exp(-wrap / NOTE_TIME_S))
RETELL_RELIEF = 6.0  # frustration a returning customer is spared when the agent already knows the story
HISTORY_UNDERSTANDING = 0.15  # head start from earlier days' contacts on file
HISTORY_ACCURACY = 0.06  # accuracy bonus when any history is on file
NOTES_ACCURACY = 0.10  # and on top, with a full note of what was already tried


# ---------------------------------------------------------------------------
# Commands (frozen, logged with their simulated time)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The trainee's choice for a pending turn."""

    contact_id: int
    kind: str


@dataclass(frozen=True)
class SetPolicy:
    """Change one policy lever in the running shift."""

    key: str
    value: Any


@dataclass(frozen=True)
class TakeCalls:
    """The trainee takes over an agent's calls (None: hand them back to the playbook)."""

    agent_id: int | None


Command = Answer | SetPolicy | TakeCalls


# ---------------------------------------------------------------------------
# Snapshot values
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaitingView:
    contact_id: int
    channel: str
    segment: str
    goal: str
    frustration: float
    mood: str
    waited_s: float
    callback: bool


@dataclass(frozen=True, slots=True)
class AgentView:
    id: int
    name: str
    state: str
    stress: float
    stressed: bool
    contact_id: int
    trainee: bool
    friendliness: float
    competence: float


@dataclass(frozen=True)
class Snapshot:
    time: float
    horizon_s: float
    clock: str
    interval: int
    queues: dict[str, tuple[WaitingView, ...]]
    agents: tuple[AgentView, ...]
    pending: tuple[TurnView, ...]  # turns waiting for the trainee
    announcements: tuple[tuple[float, str], ...]
    contacts_done: int
    in_conversation: int
    policies: Policies
    finished: bool


# ---------------------------------------------------------------------------
# Internal state
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Contact:
    contact_id: int
    cust: Customer
    channel: str
    reason: str  # new, retry, repeat
    repeat_of: int | None
    arrival: float
    f_start: float
    trust_start: float
    rank: int = 0
    waiting: bool = False
    callback: bool = False
    ev: Any = None
    answer_time: float | None = None
    agent: Agent | None = None
    talk: conv.Talk | None = None
    transfers: int = 0
    escalated: bool = False
    resolved: bool = False
    goal_met: bool = False
    correct: bool | None = None
    open_case: bool = False
    promise: str = ""
    followup_time: float | None = None
    handle_time: float = 0.0
    end_time: float | None = None
    peak_f: float = 0.0
    hung_up: bool = False
    wait_no: int = 0  # which wait a hang-up timer belongs to
    tier2: bool = False  # transferred to the team with TIER2_AUTHORITY times the budget
    attempt: int = 0
    repeat_no: int = 0  # how many times the customer has called back after a wrong answer
    extra_retention: float = 0.0
    agent_stress: float | None = None  # the stress of the agent who answered, when they answered
    refund: float = 0.0  # money paid to fix the problem (the rest of talk.money is gestures)
    overpaid: float = 0.0  # of the refund, what an over-generous decision paid beyond the need


@dataclass(slots=True)
class FollowUp:
    contact: Contact
    promise: str  # "" (status update), realistic, over
    created: float
    done: bool = False
    answered: bool = False  # the follow-up brought the answer the call did not give
    deferred: bool = False  # an answer the call could have given (the goal needs no work after the call)


def clock_text(start_clock: str, seconds: float) -> str:
    """'HH:MM' of the simulated clock, given the shift's start time."""
    try:
        h, m = (int(x) for x in start_clock.split(":"))
    except ValueError:
        h, m = 8, 0
    total = h * 60 + m + int(seconds // 60)
    return f"{(total // 60) % 24:02d}:{total % 60:02d}"


class Centre:
    """One shift of the contact centre, advanced by the caller."""

    def __init__(self, scenario: Scenario, seed: int = 1, responder: Responder | None = None,
                 trainee: Responder | None = None, trainee_agent: int | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.policies = scenario.policies
        self.streams = Streams(seed)
        self.env = simpy.Environment()
        self.log = ContactLog()
        self.turns: list[TurnRecord] = []
        self.commands: list[tuple[float, Command]] = []
        self.staffing_changes: list[tuple[float, tuple[int, ...]]] = []  # (time, staffing now in force)
        self.decisions: list[Decision] = []  # the trainee's answers, for result files and replays
        self.trainee_contacts: set[int] = set()  # contacts in which the trainee chose a response
        self.announcements: list[tuple[float, str]] = []
        self.pending: dict[int, tuple[TurnView, simpy.Event]] = {}
        self.custom_responder = responder
        self.trainee = trainee or Interactive()
        self.trainee_agent = trainee_agent
        self.playbook = Playbook(self.policies.playbook)
        for r in (responder, self.trainee, self.playbook):
            if r is not None:
                r.bind(self)
        self.pure = scenario.mode == "pure_queue"
        self.channels = scenario.channels
        self.realtime = tuple(c for c in ("phone", "chat") if c in scenario.channels)
        self.asynchronous = tuple(c for c in scenario.channels if c not in self.realtime)
        pool = max(max(self.policies.staffing), 1)
        self.agents: list[Agent] = hire(scenario.team, self.policies, self.streams, int(pool * 1.5) + 5)
        self.idle: list[Agent] = []
        self.queues: dict[str, list[deque[Contact]]] = {}
        self.qlen: dict[str, int] = {}
        self._reset_queues()
        self.followups: deque[FollowUp] = deque()
        self.open_followups: list[FollowUp] = []
        self.supervisor = simpy.Resource(self.env, capacity=max(1, self.policies.supervisors))
        self.contacts: dict[int, Contact] = {}  # live (not yet recorded) contacts
        self.notes: dict[int, float] = {}  # customer id -> how much of their problem today's notes pass on (0-1)
        self.next_id = 0
        self.avg_handle = 300.0
        self.interval = 0
        self.closed = False  # after horizon + drain: nothing more is answered
        self.day_over = False  # after horizon: follow-ups wait for tomorrow
        self.sick: set[int] = set()
        self._live_count = 0
        self._training_ids: set[int] = set()
        self._overflow = self.streams.get("conversation.overflow")
        self._options = tuple(scenario.responses)
        if self.pure:
            self.env.process(self._pure_arrivals())
        else:
            self.customers = draw_customers(scenario, self.streams)
            # one uniform per customer: is an agent's decision on their refund an over-generous one?
            self._generosity = self.streams.get("money.generosity").random(len(self.customers)).tolist()
            # one uniform per customer: finding their channel closed, do they look for another way in?
            self._persists = self.streams.get("channels.barrier").random(len(self.customers)).tolist()
            self.env.process(self._arrivals())
        self.env.process(self._roster())
        for ev in scenario.events:
            self.env.process(self._event(ev))

    # ------------------------------------------------------------------
    # Façade
    # ------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.env.now

    @property
    def end_time(self) -> float:
        return self.scenario.horizon_s + self.scenario.drain_s

    def advance_to(self, t: float) -> None:
        """Run the simulation up to simulated time t (no-op if t is not in the future)."""
        t = min(t, self.end_time + 1.0)
        if t > self.env.now:
            self.env.run(until=t)

    def apply(self, command: Command) -> None:
        """Apply a trainee or manager command now; logged for replay."""
        if isinstance(command, Answer):
            item = self.pending.get(command.contact_id)
            if item is None:
                raise ValueError(f"contact {command.contact_id} is not waiting for a response")
            view, ev = item
            if command.kind not in view.options:
                raise ValueError(f"unknown response {command.kind!r} (expected one of {', '.join(view.options)})")
            del self.pending[command.contact_id]
            self.decisions.append(Decision(command.contact_id, view.turn, command.kind, self.env.now))
            self.trainee_contacts.add(command.contact_id)
            ev.succeed(command.kind)
        elif isinstance(command, SetPolicy):
            self._set_policy(command.key, command.value)
        elif isinstance(command, TakeCalls):
            if command.agent_id is not None and not 0 <= command.agent_id < len(self.agents):
                raise ValueError(f"no agent {command.agent_id}")
            old = self.trainee_agent
            self.trainee_agent = command.agent_id
            if command.agent_id is not None:
                self._set_on_shift(self.agents[command.agent_id], True)
            if old is not None and old != command.agent_id:
                self._hand_back(old)
        else:  # pragma: no cover - typing guard
            raise TypeError(f"unknown command {command!r}")
        self.commands.append((self.env.now, command))

    def _hand_back(self, agent_id: int) -> None:
        """The trainee left this agent: turns they had not answered go to the playbook."""
        for cid, (view, ev) in list(self.pending.items()):
            if view.agent_id == agent_id:
                del self.pending[cid]
                ev.succeed(self._responder_for(self.agents[agent_id]).decide(view))

    def answer_at(self, t: float, contact_id: int, kind: str) -> None:
        """Deliver an Answer at simulated time t (used by timed replays)."""

        self._at(t, lambda: self.apply(Answer(contact_id, kind)))

    def schedule(self, t: float, command: Command) -> None:
        """Apply a command at simulated time t (replay of a logged policy change).

        It lands after the answers already due at that same instant: the log keeps
        commands and answers apart, and an answer recorded at t was given before a
        command at t (after a hand-back at t the turn was no longer the trainee's).
        """
        self._at(t, lambda: self._at(t, lambda: self.apply(command)))

    def _at(self, t: float, fn: Any) -> None:
        # URGENT, like the stop event of advance_to: a command lands before the model's own
        # events at the same instant, exactly as when the game applied it between two advances
        ev = self.env.event()
        ev._ok, ev._value = True, None  # noqa: SLF001 - a pre-triggered event, as SimPy's own Timeout
        ev.callbacks.append(lambda _e: fn())
        self.env.schedule(ev, simpy.events.URGENT, max(0.0, t - self.env.now))

    def finish(self, hand_back: bool = True) -> None:
        """Run the shift to its end.

        With `hand_back` the trainee leaves now: a logged TakeCalls(None), so their
        unanswered turns go to the playbook here and in any replay.  A replay passes
        False: the hand-back is already in the log it replays.
        """
        if hand_back and self.trainee_agent is not None:
            self.apply(TakeCalls(None))
        self.env.run()
        self._close_day()
        self._close_floor()

    @property
    def finished(self) -> bool:
        return self.closed and not self.contacts

    # ------------------------------------------------------------------
    # Policies and shifts
    # ------------------------------------------------------------------
    def _set_policy(self, key: str, value: Any) -> None:
        # built on the policies in force now, so one change never undoes another
        current = replace(self.scenario, policies=self.policies)
        new = with_policies(current, {key: value}, source="policy change")
        self.policies = new.policies
        if key == "playbook":
            self.playbook = Playbook(self.policies.playbook)
        if key == "supervisors":
            self.supervisor._capacity = max(1, self.policies.supervisors)  # noqa: SLF001 - SimPy has no setter
        if key == "staffing":
            self.staffing_changes.append((self.env.now, self.policies.staffing))  # paid from now on
            need = max(self.policies.staffing)
            if need > len(self.agents):
                # hiring draws come in a fixed order: the first agents are the same people
                more = hire(self.scenario.team, self.scenario.policies, self.streams, need + 5)
                self.agents.extend(more[len(self.agents):])
        if key == "priority":
            self._reset_queues(keep=True)
        self._apply_staffing()

    def _reset_queues(self, keep: bool = False) -> None:
        old = [c for qs in self.queues.values() for q in qs for c in q if c.waiting] if keep else []
        self.ranks = {s: i for i, s in enumerate(self.policies.priority)}
        n = len(self.policies.priority) + 1
        # rank 0: transfers; 1..n: customers by segment priority (a callback keeps its place in line)
        self.queues = {ch: [deque() for _ in range(n + 1)] for ch in self.scenario.channels}
        self.qlen = {ch: 0 for ch in self.scenario.channels}
        for c in sorted(old, key=lambda c: c.arrival):
            c.waiting = False
            self._enqueue(c, front=c.transfers > 0)

    def _roster(self) -> Generator[Any, Any, None]:
        n = self.scenario.intervals
        for i in range(n):
            self.interval = i
            self._apply_staffing()
            yield self.env.timeout(self.scenario.interval_s)
        self.interval = n - 1
        self.day_over = True
        self._close_day()
        if self.policies.staffing[-1] == 0:
            # nobody on the late shift: keep one agent to clear the queue
            self._apply_staffing(minimum=1)
        yield self.env.timeout(self.scenario.drain_s)
        self._close_floor()

    def _apply_staffing(self, minimum: int = 0) -> None:
        target = max(self.policies.staffing[min(self.interval, len(self.policies.staffing) - 1)], minimum)
        available = [a for a in self.agents if a.id not in self.sick]
        on = available[:target]
        share = 0.0 if self.day_over else training_share(self.policies)
        k = int(round(len(on) * share))
        training: set[int] = set()
        if k and on:
            start = (self.interval * k) % len(on)
            training = {on[(start + j) % len(on)].id for j in range(k)}
        self._training_ids = training
        on_ids = {a.id for a in on} - training
        if self.trainee_agent is not None:
            on_ids.add(self.trainee_agent)
        for a in self.agents:
            self._set_on_shift(a, a.id in on_ids)

    def _set_on_shift(self, a: Agent, on: bool) -> None:
        if on == a.on_shift:
            return
        a.on_shift = on
        if on:
            if a.state in ("off", "training"):
                self._release(a)
        elif a.state == "idle":
            self.idle.remove(a)
            a.state = "sick" if a.id in self.sick else "training" if a.id in self._training_ids else "off"

    def _event(self, ev: Any) -> Generator[Any, Any, None]:
        yield self.env.timeout(ev.time_s)
        if ev.message:
            self.announcements.append((self.env.now, ev.message))
        if ev.kind == "agent_sick":
            on = [a for a in self.agents if a.on_shift and a.id not in self.sick and a.id != self.trainee_agent]
            for a in on[-ev.agents:] if ev.agents else []:
                self.sick.add(a.id)
                if not ev.message:
                    self.announcements.append((self.env.now, f"{a.name} has gone home sick."))
            self._apply_staffing()

    def _close_day(self) -> None:
        """End of the working day: open cases nobody updated are broken promises."""
        for task in self.open_followups:
            if not task.done:
                task.done = True
                self._settle_followup(task, kept=False, updated=False)
        self.open_followups = []
        self.followups.clear()

    def _close_floor(self) -> None:
        """After the drain period: whoever is still waiting was never answered."""
        self.closed = True
        for qs in self.queues.values():
            for q in qs:
                while q:
                    c = q.popleft()
                    if c.waiting:
                        c.waiting = False
                        self.qlen[c.channel] -= 1
                        if self.pure:
                            self._live_count -= 1
                            self._pure_record(c, None, self.env.now, "unanswered")
                        elif c.talk is not None:
                            # passed on, then nobody picked it up: the record ends with its last agent
                            c.resolved = c.goal_met = False
                            self._record(c)
                        else:
                            self._record_unserved(c, "unanswered")
                        if c.ev is not None and not c.ev.triggered:
                            c.ev.succeed(None)

    # ------------------------------------------------------------------
    # Arrivals and queues
    # ------------------------------------------------------------------
    def _arrivals(self) -> Generator[Any, Any, None]:
        env = self.env
        for cust in self.customers:
            if cust.arrival > env.now:
                yield env.timeout(cust.arrival - env.now)
            c = self._new_contact(cust, "new", None, cust.frustration, cust.trust)
            if c.channel != cust.channel and not self._finds_a_way(cust):
                # the way they came is closed and they do not look for another: lost at the door,
                # recorded on the channel they tried
                c.channel = cust.channel
                c.f_start = min(100.0, cust.frustration + CHANNEL_SWITCH_EFFORT)
                self._record_unserved(c, "abandoned")
                continue
            env.process(self._contact(c))

    def _finds_a_way(self, cust: Customer) -> bool:
        """A customer whose channel is closed: do they look for another way in (or give up at once)?"""
        return self._persists[cust.customer_id] < self.scenario.segments[cust.segment].retry_probability

    def _new_contact(self, cust: Customer, reason: str, repeat_of: int | None, f: float, trust: float,
                     attempt: int = 0) -> Contact:
        channel = cust.channel
        if channel not in self.policies.channels_open:
            # closed channel: the customer finds the next way in, at a price in effort
            channel = next((ch for ch in ("chat", "phone", "email", "web") if ch in self.policies.channels_open
                            and ch in self.channels), self.policies.channels_open[0])
            f = min(100.0, f + CHANNEL_SWITCH_EFFORT)
        f = min(100.0, f + self.channels[channel].effort)
        c = Contact(contact_id=self.next_id, cust=cust, channel=channel, reason=reason, repeat_of=repeat_of,
                    arrival=self.env.now, f_start=f, trust_start=trust, attempt=attempt)
        self.next_id += 1
        self.contacts[c.contact_id] = c
        return c

    def _enqueue(self, c: Contact, front: bool = False) -> None:
        if front:
            c.rank = 0
        else:
            # a callback keeps the customer's place in line: we call when their turn comes
            c.rank = 1 + self.ranks.get(c.cust.segment, len(self.ranks))
        c.waiting = True
        self.queues[c.channel][c.rank].append(c)
        self.qlen[c.channel] += 1

    def _find_idle(self, c: Contact) -> Agent | None:
        if not self.idle:
            return None
        if not self.pure:
            area = self.scenario.goals[c.cust.goal].knowledge
            for a in self.idle:  # longest idle first, among those with the skill
                if a.skills.get(area, 0.0) >= 0.5:
                    self.idle.remove(a)
                    return a
        return self.idle.pop(0)

    def _head(self, ch: str) -> Contact | None:
        for q in self.queues[ch]:
            while q and not q[0].waiting:
                q.popleft()
            if q:
                return q[0]
        return None

    def _best_of(self, channels: tuple[str, ...]) -> Contact | None:
        best = None
        for ch in channels:
            h = self._head(ch)
            if h is not None and (best is None or (h.rank, h.arrival) < (best.rank, best.arrival)):
                best = h
        return best

    def _next_work(self) -> Contact | FollowUp | None:
        sunset = self.policies.sunset_rule and not self.day_over
        last_interval = self.interval >= self.scenario.intervals - 1
        if sunset and last_interval and self.followups:
            return self.followups.popleft()
        c = self._best_of(self.realtime)
        if c is None and sunset and self.followups:
            return self.followups.popleft()
        if c is None:
            c = self._best_of(self.asynchronous)
        if c is None and self.followups and not self.day_over:
            return self.followups.popleft()
        if c is not None:
            self.queues[c.channel][c.rank].popleft()
            c.waiting = False
            self.qlen[c.channel] -= 1
        return c

    def _release(self, a: Agent) -> None:
        """The agent is free: take the next piece of work or go idle (or off shift)."""
        a.contact_id = -1
        if not a.on_shift:
            a.state = "sick" if a.id in self.sick else "training" if a.id in self._training_ids else "off"
            return
        work = self._next_work() if not self.closed else None
        if work is None:
            a.state = "idle"
            a.idle_since = self.env.now
            self.idle.append(a)
        elif isinstance(work, FollowUp):
            self.env.process(self._do_followup(a, work))
        else:
            self._assign(a, work)

    def _assign(self, a: Agent, c: Contact) -> None:
        a.state = "talking"
        a.contact_id = c.contact_id
        c.agent = a
        if c.answer_time is None:
            c.answer_time = self.env.now
        c.ev.succeed(a)

    def _done_with(self, a: Agent) -> None:
        """Wrap-up, then free the agent."""
        wrap = self.policies.wrap_up_s
        if wrap > 0:
            a.state = "wrap_up"
            self.env.timeout(wrap).callbacks.append(lambda _e: self._release(a))
        else:
            self._release(a)

    # ------------------------------------------------------------------
    # Pure-queue mode: exponential handle time and patience, no conversations
    # ------------------------------------------------------------------
    def _pure_arrivals(self) -> Generator[Any, Any, None]:
        from .population import arrival_times

        env = self.env
        ch = next(iter(self.scenario.arrivals))
        pure = self.scenario.pure
        assert pure is not None
        times, _ = arrival_times(self.scenario, self.streams, ch)
        n = len(times)
        g_handle, g_patience = self.streams.get("handle"), self.streams.get("patience")
        g_loyalty = self.streams.get("behaviour")
        chunk = 8192  # drawn in chunks (same numbers as one big draw) to keep memory flat
        for lo in range(0, n, chunk):
            m = min(chunk, n - lo)
            handle = (g_handle.standard_exponential(m) * pure.handle_mean_s).tolist()
            if pure.patience_mean_s:
                patience = (g_patience.standard_exponential(m) * pure.patience_mean_s).tolist()
            else:
                patience = [math.inf] * m
            loyalty = g_loyalty.random(m).tolist()
            for j, t in enumerate(times[lo:lo + m].tolist()):
                if t > env.now:
                    yield env.timeout(t - env.now)
                self._pure_contact(lo + j, ch, handle[j], patience[j], loyalty[j])

    def _pure_contact(self, i: int, ch: str, handle: float, patience: float, loyalty_u: float) -> None:
        env = self.env
        now = env.now
        c = Contact(contact_id=i, cust=None, channel=ch, reason="new", repeat_of=None,  # type: ignore[arg-type]
                    arrival=now, f_start=0.0, trust_start=0.0)
        c.handle_time = handle
        c.end_time = loyalty_u  # carries the draw until the record is written
        c.ev = env.event()
        c.ev.callbacks.append(self._pure_answered)
        c.ev.contact = c  # type: ignore[attr-defined]
        self._live_count += 1
        if self.idle:
            self._assign(self.idle.pop(0), c)
            return
        c.waiting = True
        c.rank = 1
        self.queues[ch][1].append(c)
        self.qlen[ch] += 1
        if patience != math.inf:
            env.timeout(patience).callbacks.append(partial(self._pure_abandon_event, c))

    def _pure_abandon_event(self, c: Contact, _event: Any) -> None:
        self._pure_abandon(c)

    def _pure_abandon(self, c: Contact) -> None:
        if not c.waiting:
            return
        c.waiting = False
        self.qlen[c.channel] -= 1
        self._live_count -= 1
        self._pure_record(c, None, self.env.now, "abandoned")

    def _pure_answered(self, ev: simpy.Event) -> None:
        c: Contact = ev.contact  # type: ignore[attr-defined]
        a: Agent | None = ev.value
        if a is None:
            return
        end = self.env.now + c.handle_time
        a.handled += 1
        a.busy_time += c.handle_time

        def done(_e: object) -> None:
            self._live_count -= 1
            self._pure_record(c, a, end, "served")
            self._release(a)

        self.env.timeout(c.handle_time).callbacks.append(done)

    def _pure_record(self, c: Contact, a: Agent | None, end: float, status: str) -> None:
        served = a is not None
        self.log.append({
            "contact_id": c.contact_id, "customer_id": c.contact_id, "channel": c.channel,
            "segment": "", "goal": "", "reason": "new", "status": status,
            "arrival_time": c.arrival, "answer_time": c.answer_time, "end_time": end,
            "abandoned": status == "abandoned", "callback": False, "agent_id": a.id if a else None,
            "turns": 0, "handle_time": c.handle_time if served else None, "transfers": 0,
            "escalated": False, "resolved": served, "goal_met": served, "correct_info": None,
            "open_case": False, "promise": "", "money_paid": 0.0, "refund_paid": 0.0, "gesture_paid": 0.0,
            "overpaid": 0.0,
            "loyalty_draw": c.end_time,
        })

    # ------------------------------------------------------------------
    # A contact's life: wait, talk, end
    # ------------------------------------------------------------------
    def _patience(self, c: Contact) -> float:
        seg = self.scenario.segments[c.cust.segment]
        p = seg.patience_mean_s * c.cust.patience_e * (1.25 - 0.6 * c.f_start / 100.0)
        if self.policies.hold_messages:
            p /= HOLD_MESSAGE_FEEL  # the wait feels longer, so patience runs out sooner
        return max(5.0, p) * (0.7 ** c.attempt)

    def _wait_frustration(self, c: Contact, waited: float) -> float:
        if not self.channels[c.channel].realtime or c.callback:
            # a written contact, or a caller waiting for our call: nobody is stuck on the line, the
            # problem is only still open, and that starts to hurt after an hour
            return ASYNC_FRUSTRATION_PER_HOUR * max(0.0, waited - 3600.0) / 3600.0
        seg = self.scenario.segments[c.cust.segment]
        rate = WAIT_FRUSTRATION_PER_MIN
        if self.policies.hold_messages:
            rate *= HOLD_MESSAGE_FEEL  # and every minute on hold weighs more
        return rate * max(0.0, waited - seg.speed_expectation_s) / 60.0

    def _predicted_wait(self, ch: str) -> float:
        on = sum(1 for a in self.agents if a.on_shift) or 1
        return (self.qlen[ch] + 1) / on * self.avg_handle

    def _contact(self, c: Contact) -> Generator[Any, Any, None]:
        env = self.env
        realtime = self.channels[c.channel].realtime
        if (realtime and c.channel == "phone" and self.policies.callbacks
                and self._predicted_wait(c.channel) > self.policies.callback_after_s
                and c.cust.callback_u < CALLBACK_ACCEPT):
            c.callback = True
        while True:
            c.ev = env.event()
            agent = self._find_idle(c)
            if agent is not None:
                self._assign(agent, c)
            else:
                self._enqueue(c, front=c.transfers > 0)
                if realtime and not c.callback and not c.transfers:
                    c.wait_no += 1
                    env.timeout(self._patience(c)).callbacks.append(partial(self._abandon_event, c, c.wait_no))
            agent = yield c.ev
            if agent is None:
                return  # abandoned or never answered: already recorded
            outcome = yield from self._converse(c, agent)
            if outcome != "transfer":
                break
        if not c.open_case:
            self._record(c)

    def _abandon_event(self, c: Contact, wait_no: int, _event: Any) -> None:
        self._abandon(c, wait_no)

    def _abandon(self, c: Contact, wait_no: int) -> None:
        if not c.waiting or wait_no != c.wait_no or c.transfers:
            return  # answered, or a timer left over from an earlier wait
        c.waiting = False
        self.qlen[c.channel] -= 1
        self._record_unserved(c, "abandoned")
        # some try again later, angrier; each attempt is less likely
        seg = self.scenario.segments[c.cust.segment]
        if (not self.day_over and c.cust.retry_u < seg.retry_probability ** (c.attempt + 1)):
            delay = c.cust.retry_e * RETRY_MEAN_S * (c.attempt + 1)
            waited = self.env.now - c.arrival
            f = min(100.0, c.f_start + self._wait_frustration(c, waited) + 12.0)
            self.env.timeout(delay).callbacks.append(
                lambda _e: self._retry(c, f))
        c.ev.succeed(None)

    def _retry(self, old: Contact, f: float) -> None:
        if self.day_over:
            return
        c = self._new_contact(old.cust, "retry", old.contact_id, f, old.trust_start - 5.0, old.attempt + 1)
        c.repeat_no = old.repeat_no
        self.env.process(self._contact(c))

    def _responder_for(self, agent: Agent) -> Responder:
        if self.trainee_agent is not None and agent.id == self.trainee_agent:
            return self.trainee
        return self.custom_responder or self.playbook

    def _view(self, c: Contact, agent: Agent, talk: conv.Talk, t: float, used: tuple[str, ...]) -> TurnView:
        u = talk.understanding
        f = talk.frustration
        cust = c.cust
        return TurnView(
            c.contact_id, cust.customer_id, agent.id, talk.turns, t, c.channel, cust.segment, cust.goal,
            u >= 0.2, f, talk.trust, f >= talk.hurdle, conv.band(f), u, talk.acknowledged, talk.apologised,
            cust.need if u >= 0.5 else None, self._authority(c),
            (cust.history + c.attempt + (c.reason == "repeat")) if self.policies.show_history else 0,
            c.reason, c.transfers, talk.last_cue, used, self._options, cust.note,
            was_hot=talk.was_hot or f >= talk.hurdle,
        )

    def _converse(self, c: Contact, agent: Agent) -> Generator[Any, Any, str]:
        """The conversation between one agent and the customer; returns how it ended."""
        env = self.env
        scen = self.scenario
        seg = scen.segments[c.cust.segment]
        goal = scen.goals[c.cust.goal]
        team = scen.team
        start = env.now
        stress = agent.stress_now(start, team.stress_recovery_s)
        if c.agent_stress is None:
            c.agent_stress = stress
        cf = self.channels[c.channel].turn_factor
        if c.talk is None:
            f = min(100.0, c.f_start + self._wait_frustration(c, start - c.arrival))
            c.talk = conv.Talk(frustration=f, trust=c.trust_start, hurdle=seg.hurdle,
                               tolerance=seg.jargon_tolerance, draws=c.cust.draws,
                               overflow=self._overflow.random, cursor=_cursor_of(c))
            self._read_history(c, c.talk)
            c.peak_f = c.talk.frustration
        talk = c.talk
        if c.transfers:
            talk.understanding *= 0.3  # telling the whole story again
        pending_s = CALLBACK_DIAL_S if c.callback and c.handle_time == 0 else 0.0
        used: list[str] = []
        history_bonus = 0.0
        if self.policies.show_history and (c.cust.history or c.reason != "new"):
            # what is on file helps; today's notes also say what was tried and did not work
            history_bonus = HISTORY_ACCURACY + NOTES_ACCURACY * self.notes.get(c.cust.customer_id, 0.0)
        outcome = ""
        while not outcome:
            t = env.now + pending_s
            view = None
            choice: str | None
            if talk.turns >= conv.MAX_TURNS:
                choice = "answer"
            else:
                view = self._view(c, agent, talk, t, tuple(used))
                responder = self._responder_for(agent)  # the trainee may take over mid-call
                choice = responder.decide(view)
                if choice is not None and responder is self.trainee:
                    self.trainee_contacts.add(c.contact_id)  # a trainee responder that answers at once
                if choice is None:
                    if pending_s:
                        yield env.timeout(pending_s)
                        pending_s = 0.0
                        view = self._view(c, agent, talk, env.now, tuple(used))
                        t = env.now
                        # the trainee may have handed the agent back while the last line was spoken
                        now_responder = self._responder_for(agent)
                        if now_responder is not responder:
                            choice = now_responder.decide(view)
                            if choice is not None and now_responder is self.trainee:
                                self.trainee_contacts.add(c.contact_id)
                    if choice is None:
                        ev = env.event()
                        self.pending[c.contact_id] = (view, ev)
                        choice = yield ev
                        t = env.now
            kind = scen.responses.get(choice) if isinstance(choice, str) else None
            if kind is None:
                raise ValueError(f"responder chose unknown response {choice!r} "
                                 f"(expected one of {', '.join(scen.responses)})")
            used.append(kind.id)
            turn_index = talk.turns
            f_before = talk.frustration
            cue = ""
            if not kind.outcome:
                secs, cue = conv.apply_response(talk, kind, agent, stress, cf)
                pending_s += secs
                if self.channels[c.channel].realtime and talk.frustration >= conv.HANG_UP_FRUSTRATION:
                    cue, outcome = "hangs_up", "hang_up"
                    c.hung_up = True
            else:
                outcome, cue, secs = self._close(c, agent, talk, kind, stress, cf, history_bonus)
                pending_s += secs
            c.peak_f = max(c.peak_f, talk.frustration)
            self.turns.append(TurnRecord(c.contact_id, turn_index, t, agent.id, kind.id, f_before,
                                         talk.frustration, talk.trust, talk.understanding, cue))
        if pending_s:
            yield env.timeout(pending_s)
        c.handle_time += env.now - start
        agent.handled += 1
        agent.busy_time += env.now - start
        self.avg_handle += 0.05 * ((env.now - start) - self.avg_handle)
        agent.stress_now(env.now, team.stress_recovery_s)
        agent.stress = min(1.0, agent.stress + team.stress_per_hard_contact * (c.peak_f / 100.0) ** 2
                           * (2.0 if c.escalated or c.hung_up else 1.0))
        self._done_with(agent)
        self._write_notes(c, talk)
        c.end_time = env.now
        if c.open_case and outcome in ("answer", "follow_up"):
            self._open_followup(c, c.promise)
        if outcome == "escalate":
            yield from self._escalation(c, talk, goal)
        elif outcome in ("answer", "follow_up", "hang_up", "refused"):
            self._after_answer(c, talk, goal)
        return outcome

    def _write_notes(self, c: Contact, talk: conv.Talk) -> None:
        """The agent's wrap-up notes: the longer the wrap-up, the more of what they learnt is on file."""
        passed = notes_quality(self.policies.wrap_up_s) * talk.understanding
        self.notes[c.cust.customer_id] = max(passed, self.notes.get(c.cust.customer_id, 0.0))

    def _read_history(self, c: Contact, talk: conv.Talk) -> None:
        """With history on screen the agent starts from what is on file about this customer.

        Today's notes pass on what the last agent found out, so the customer need not tell the
        whole story again; earlier days' contacts give a smaller head start.
        """
        if not self.policies.show_history:
            return
        note = self.notes.get(c.cust.customer_id, 0.0)
        head = max(note, HISTORY_UNDERSTANDING if c.cust.history else 0.0)
        talk.understanding = max(talk.understanding, head)
        if note > 0.0:
            talk.frustration = max(0.0, talk.frustration - RETELL_RELIEF * note)

    def _close(self, c: Contact, agent: Agent, talk: conv.Talk, kind: Any, stress: float, cf: float,
               history_bonus: float) -> tuple[str, str, float]:
        """A closing response (answer, escalate, transfer, follow-up): (outcome, cue, seconds)."""
        scen = self.scenario
        goal = scen.goals[c.cust.goal]
        secs = kind.seconds * cf * (1.0 + 0.5 * stress)
        talk.turns += 1
        hot = talk.hot
        talk.was_hot = talk.was_hot or hot
        talk.frustration = min(100.0, max(0.0, talk.frustration + (kind.frustration_hot if hot else kind.frustration)))
        conv.gain_trust(talk, kind.trust_hot if hot else kind.trust)
        outcome = kind.outcome
        if outcome != "answer":
            talk.survey_bonus += kind.survey  # an answer pleases only if it is accepted (below)
        need = c.cust.need
        if outcome == "escalate" or (outcome == "answer" and need > self._authority(c)):
            # above the agent's authority (or escalated by choice): the escalation path decides
            if outcome == "escalate" and need <= self._authority(c):
                talk.frustration = min(100.0, talk.frustration + 8.0)  # passed up for no reason
            path = self.policies.escalation
            if path == "supervisor" and self.policies.supervisors > 0:
                if outcome == "answer":
                    return "escalate", "needs_supervisor", secs
                return "escalate", "waits_for_supervisor", secs
            if path == "transfer" and not c.tier2:
                c.transfers += 1
                c.tier2 = True  # passed to the team that holds the bigger budget
                talk.frustration = min(100.0, talk.frustration + 10.0)
                return "transfer", "passed_around", secs
            if need <= self._authority(c):
                outcome = "answer"  # nobody to pass it to, but the agent can solve it after all
            else:
                talk.frustration = min(100.0, talk.frustration + 12.0)
                c.resolved, c.correct, c.goal_met = True, True, False
                return "refused", "told_no", secs
        if outcome == "transfer" and c.transfers >= MAX_TRANSFERS:
            # nobody left to pass the customer to: the agent has to say no
            talk.frustration = min(100.0, talk.frustration + 12.0)
            c.resolved, c.goal_met = True, False
            return "refused", "told_no", secs
        if outcome == "transfer":
            c.transfers += 1
            talk.frustration = min(100.0, talk.frustration + 5.0 * c.transfers)
            return "transfer", "passed_around", secs
        if outcome == "follow_up":
            c.open_case = True  # the follow-up task opens when the conversation has ended
            c.promise = kind.promise
            return "follow_up", "waits_for_follow_up", secs
        # an answer
        if not conv.answer_accepted(talk, kind):
            talk.frustration = min(100.0, talk.frustration + 8.0)
            conv.gain_trust(talk, -4.0)
            if talk.turns >= conv.MAX_TURNS:
                c.hung_up = True  # the customer gives up on being heard
                return "hang_up", "gives_up", secs
            return "", "rejects_answer", secs
        talk.survey_bonus += kind.survey
        work = self._work_time(c, agent, kind.work_factor, stress)
        p = conv.correct_probability(talk, kind, agent, goal, stress, history_bonus,
                                     agent.procedures_bonus(self.policies.written_procedures))
        correct = talk.draw() < p
        self._settle(c, talk, correct, acknowledged=talk.acknowledged, agent=agent)
        # relief: they believe it is sorted, as warm as the voice that gave it
        talk.frustration = max(0.0, talk.frustration - conv.relief(talk) * conv.warmth(agent))
        if goal.opens_case and correct:
            c.open_case = True  # a status update is owed once the call is over
        return "answer", "relieved" if correct else "relieved_but_misinformed", secs + work

    def _authority(self, c: Contact) -> float:
        """Money the agent handling `c` may spend without a supervisor."""
        return self.policies.authority_limit * (TIER2_AUTHORITY if c.tier2 else 1.0)

    def _work_time(self, c: Contact, agent: Agent, factor: float, stress: float) -> float:
        goal = self.scenario.goals[c.cust.goal]
        sigma = math.sqrt(math.log(1.0 + goal.handle_cv ** 2))
        mu = math.log(goal.handle_mean_s) - sigma * sigma / 2.0
        skill = agent.skills.get(goal.knowledge, agent.competence)
        return math.exp(mu + sigma * c.cust.handle_z) * factor * (1.3 - 0.6 * skill) * (1.0 + 0.5 * stress)

    def _settle(self, c: Contact, talk: conv.Talk, correct: bool, acknowledged: bool,
                agent: Agent | None = None) -> None:
        goal = self.scenario.goals[c.cust.goal]
        c.resolved = True
        c.correct = correct
        c.goal_met = correct and (acknowledged or not goal.needs_acknowledgement)
        if correct and c.cust.need > 0:
            # nine times in ten an agent deciding alone pays what the fix needs; the odd over-generous
            # call pays more, up to their authority. A supervisor pays what is needed.
            paid = c.cust.need
            if agent is not None and self._generosity[c.cust.customer_id] < GENEROUS_SHARE * (1.5 - agent.competence) / 0.7:
                paid = max(paid, min(self._authority(c), paid * GENEROUS_MULTIPLE))
            talk.money += paid
            c.refund += paid
            c.overpaid += paid - c.cust.need

    def _escalation(self, c: Contact, talk: conv.Talk, goal: Any) -> Generator[Any, Any, None]:
        env = self.env
        c.escalated = True
        team = self.scenario.team
        t0 = env.now
        # the pickup delay is the customer's wait while a free supervisor gets to the case; it is
        # not supervisor work, so it does not hold a supervisor (work is supervisor_handle_s)
        yield env.timeout(team.supervisor_delay_s * (0.5 + talk.draw()))
        held = env.now - t0
        with self.supervisor.request() as req:
            yield req
            queued = env.now - t0 - held
            talk.frustration = min(100.0, talk.frustration + self._escalation_wait_frustration(c, held, queued))
            yield env.timeout(team.supervisor_handle_s * (0.5 + talk.draw()))
        approved = c.cust.need <= 0 or talk.draw() < SUPERVISOR_APPROVES
        correct = talk.draw() < SUPERVISOR_ACCURACY
        talk.acknowledged = True  # a supervisor owns the problem
        self._settle(c, talk, correct and approved, acknowledged=True)
        c.correct = correct
        talk.frustration = max(0.0, talk.frustration - 15.0)
        c.end_time = env.now  # handle_time stays the agent's own time; the supervisor's is not AHT
        self._after_answer(c, talk, goal)

    def _escalation_wait_frustration(self, c: Contact, held: float, queued: float) -> float:
        """Frustration from waiting for a supervisor: `held` for the pickup, then `queued` for a free one.

        A live customer holds for the pickup (at half the queue's rate: someone is coming); when
        every supervisor is busy they are promised a call back instead of being left on hold, and
        the rest of the wait hurts as a callback does (`_wait_frustration`: only an open problem,
        after the first hour).  A written contact waits in an inbox.
        """
        if not self.channels[c.channel].realtime:
            return ASYNC_FRUSTRATION_PER_HOUR * max(0.0, held + queued - 3600.0) / 3600.0
        rate = 0.5 * WAIT_FRUSTRATION_PER_MIN / 60.0
        return rate * held + ASYNC_FRUSTRATION_PER_HOUR * max(0.0, queued - 3600.0) / 3600.0

    def _after_answer(self, c: Contact, talk: conv.Talk, goal: Any) -> None:
        """A wrong answer comes back later as a repeat contact with an angrier customer."""
        # each call back that fails again makes the next one less likely (more of them give up and
        # leave without a word) and later (they put off the next try)
        k = c.repeat_no
        if (c.correct is False and c.cust.repeat_u < REPEAT_PROBABILITY * REPEAT_GIVE_UP ** k
                and not self.day_over):
            delay = c.cust.repeat_e * REPEAT_MEAN_S * (1 + k)
            if self.env.now + delay < self.scenario.horizon_s:
                f = min(100.0, max(talk.frustration, self.scenario.segments[c.cust.segment].frustration_mean) + 30.0)
                trust = max(0.0, talk.trust - 20.0)
                cust, cid = c.cust, c.contact_id

                def come_back(_e: object) -> None:
                    if self.day_over:
                        return
                    r = self._new_contact(cust, "repeat", cid, f, trust)
                    r.repeat_no = k + 1
                    self.env.process(self._contact(r))

                self.env.timeout(delay).callbacks.append(come_back)

    # ------------------------------------------------------------------
    # Follow-ups (the sunset rule)
    # ------------------------------------------------------------------
    def _open_followup(self, c: Contact, promise: str) -> None:
        task = FollowUp(c, promise, self.env.now)
        self.open_followups.append(task)
        talk = c.talk
        task.deferred = not c.resolved and not self.scenario.goals[c.cust.goal].opens_case
        if not task.deferred or talk is None:
            # a status update, or a problem that needs work after the call: worked when someone is free
            self._queue_followup(task)
            return
        # an answer that could have been given in the call: it waits its turn on a colleague's
        # list, behind the day's work, and the customer waits with the problem unsolved
        ready = FOLLOWUP_READY_MIN_S + (FOLLOWUP_READY_MEAN_S - FOLLOWUP_READY_MIN_S) * -math.log(
            max(1e-12, 1.0 - talk.draw()))
        ready = min(ready, max(0.0, self.scenario.horizon_s - FOLLOWUP_LAST_CALL_S - self.env.now))
        if ready <= 0.0:
            self._queue_followup(task)
        else:
            self.env.timeout(ready).callbacks.append(lambda _e: self._queue_followup(task))

    def _queue_followup(self, task: FollowUp) -> None:
        if task.done:
            return  # the day closed first
        self.followups.append(task)
        # an idle agent picks it up at once
        if self.idle and not self.day_over:
            self.followups.remove(task)
            a = self.idle.pop(0)
            self.env.process(self._do_followup(a, task))

    def _do_followup(self, a: Agent, task: FollowUp) -> Generator[Any, Any, None]:
        a.state = "followup"
        a.contact_id = task.contact.contact_id
        stress = a.stress_now(self.env.now, self.scenario.team.stress_recovery_s)
        c = task.contact
        work = 0.0 if not task.deferred else self._work_time(c, a, 1.0, stress)  # the problem still has to be solved
        yield self.env.timeout(FOLLOWUP_S * (1.0 + 0.5 * stress) + work)
        if not task.done:
            task.done = True
            talk = c.talk
            assert talk is not None
            kept = True
            if task.promise == "over":
                kept = talk.draw() < OVER_PROMISE_KEPT
            if not c.resolved:
                if task.deferred:
                    # they expected the answer in the call, and waited for it with the problem unsolved
                    waited_h = max(0.0, self.env.now - (c.end_time or task.created)) / 3600.0
                    talk.frustration = min(100.0, talk.frustration + OPEN_CASE_FRUSTRATION_PER_HOUR * waited_h)
                    conv.gain_trust(talk, -OPEN_CASE_TRUST_PER_HOUR * waited_h)
                goal = self.scenario.goals[c.cust.goal]
                # as accurate as the agent who answers, with what is on file: no bonus for being late
                history = 0.06 if self.policies.show_history and (c.cust.history or c.reason != "new") else 0.0
                p = conv.correct_probability(talk, self.scenario.responses["answer"], a, goal, stress, history,
                                             a.procedures_bonus(self.policies.written_procedures))
                correct = talk.draw() < p and c.cust.need <= max(self.policies.authority_limit, 1e-9) * 4
                self._settle(c, talk, correct, acknowledged=talk.acknowledged)
                task.answered = True
            self._settle_followup(task, kept=kept, updated=True)
            if task.answered:
                self._after_answer(c, talk, self.scenario.goals[c.cust.goal])  # wrong then: they call back
        self._release(a)

    def _settle_followup(self, task: FollowUp, kept: bool, updated: bool) -> None:
        c = task.contact
        talk = c.talk
        assert talk is not None
        if updated:
            c.followup_time = self.env.now
        if task.promise:
            c.promise = "kept" if kept else "broken"
        if not kept or not updated:
            talk.trust = max(0.0, talk.trust - 25.0 if task.promise else talk.trust - 10.0)
            c.extra_retention -= 0.15 if task.promise else 0.08
            if task.promise:
                c.goal_met = False
        else:
            if task.answered:  # the follow-up brought the answer: the relief of a believed answer
                talk.frustration = max(0.0, talk.frustration - conv.relief(talk))
            if not task.deferred:
                # a promise kept on work that could not be done in the call; an answer that could
                # have been given at once and came hours later earns no prize for the wait
                talk.trust = min(100.0, talk.trust + 5.0)
                c.extra_retention += 0.03
        self._record(c)

    # ------------------------------------------------------------------
    # Records
    # ------------------------------------------------------------------
    def _record_unserved(self, c: Contact, status: str) -> None:
        seg = self.scenario.segments[c.cust.segment]
        waited = self.env.now - c.arrival
        f_end = min(100.0, c.f_start + self._wait_frustration(c, waited))
        ret = conv.retention(seg, f_end, c.trust_start, False, None, 0, False, -0.05)
        self._write(c, status=status, end=self.env.now, f_end=f_end, trust=c.trust_start, ret=ret,
                    survey=None, turns=0, money=0.0)

    def _record(self, c: Contact) -> None:
        talk = c.talk
        assert talk is not None
        seg = self.scenario.segments[c.cust.segment]
        recovered = c.reason != "new" and c.goal_met and talk.frustration < 30.0
        ret = conv.retention(seg, talk.frustration, talk.trust, c.goal_met, c.correct, c.transfers, recovered,
                             talk.retention_delta + c.extra_retention)
        perceived = 1.0 if c.resolved else 0.5 if c.open_case else 0.0
        wait = (c.answer_time or c.arrival) - c.arrival
        friendliness = c.agent.friendliness if c.agent else 0.5
        survey = None if c.hung_up else conv.survey_score(talk, friendliness, perceived, wait,
                                                          seg.speed_expectation_s, c.handle_time, c.cust.survey_z,
                                                          c.callback)
        self._write(c, status="served", end=c.end_time, f_end=talk.frustration, trust=talk.trust, ret=ret,
                    survey=survey, turns=talk.turns, money=talk.money)

    def _write(self, c: Contact, *, status: str, end: float | None, f_end: float, trust: float, ret: float,
               survey: int | None, turns: int, money: float) -> None:
        served = status == "served"
        self.contacts.pop(c.contact_id, None)
        self.log.append({
            "contact_id": c.contact_id, "customer_id": c.cust.customer_id, "channel": c.channel,
            "segment": c.cust.segment, "goal": c.cust.goal, "reason": c.reason, "repeat_of": c.repeat_of,
            "status": status, "arrival_time": c.arrival, "answer_time": c.answer_time if served else None,
            "end_time": end, "abandoned": status == "abandoned", "callback": c.callback,
            "agent_id": c.agent.id if c.agent else None, "turns": turns,
            "handle_time": c.handle_time if served else None, "transfers": c.transfers,
            "escalated": c.escalated, "resolved": c.resolved, "goal_met": c.goal_met,
            "correct_info": c.correct, "open_case": c.open_case, "followup_time": c.followup_time,
            "promise": c.promise if c.promise in ("kept", "broken") else "", "money_paid": round(money, 2),
            "refund_paid": round(c.refund, 2), "gesture_paid": round(max(0.0, money - c.refund), 2),
            "overpaid": round(c.overpaid, 2),
            "frustration_start": round(c.f_start, 4), "frustration_end": round(f_end, 4),
            "trust_end": round(trust, 4), "survey_score": survey, "retention_probability": round(ret, 6),
            "lifetime_value": self.scenario.segments[c.cust.segment].lifetime_value,
            "loyalty_draw": c.cust.loyalty_u,
            "agent_stress": round(c.agent_stress, 4) if served and c.agent_stress is not None else None,
            "by_trainee": c.contact_id in self.trainee_contacts,
        })

    # ------------------------------------------------------------------
    # Snapshot
    # ------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """A frozen view of the floor right now (drawing it changes nothing)."""
        now = self.env.now
        queues: dict[str, tuple[WaitingView, ...]] = {}
        for ch, qs in self.queues.items():
            items = []
            for q in qs:
                for c in q:
                    if c.waiting:
                        f = c.f_start if self.pure else min(100.0, c.f_start + self._wait_frustration(c, now - c.arrival))
                        items.append(WaitingView(c.contact_id, ch, c.cust.segment if c.cust else "",
                                                 c.cust.goal if c.cust else "", f, conv.band(f), now - c.arrival,
                                                 c.callback))
            queues[ch] = tuple(items)
        stress_tau = self.scenario.team.stress_recovery_s
        agents = tuple(
            AgentView(a.id, a.name, a.state, a.stress * math.exp(-max(0.0, now - a.stress_at) / stress_tau),
                      a.stress > STRESSED, a.contact_id, a.id == self.trainee_agent, a.friendliness, a.competence)
            for a in self.agents if a.on_shift or a.state not in ("off",)
        )
        talking = sum(1 for a in self.agents if a.state == "talking")
        return Snapshot(
            time=now, horizon_s=self.scenario.horizon_s, clock=clock_text(self.scenario.start_clock, now),
            interval=self.interval, queues=queues, agents=agents,
            pending=tuple(v for v, _ in self.pending.values()),
            announcements=tuple(self.announcements), contacts_done=len(self.log), in_conversation=talking,
            policies=self.policies, finished=self.finished,
        )


def notes_quality(wrap_up_s: float) -> float:
    """Share of what an agent learnt in a contact that their wrap-up notes record (0 with no wrap-up)."""
    return 1.0 - math.exp(-max(0.0, wrap_up_s) / NOTE_TIME_S)


def _cursor_of(c: Contact) -> int:
    """Where this contact starts in the customer's reserved draws (later contacts read further on)."""
    return min(len(c.cust.draws), 12 * (c.attempt + c.repeat_no))
