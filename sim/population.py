"""Who calls, when, and about what: arrivals and customers drawn up front.

Arrivals follow a non-homogeneous Poisson process per channel with a
piecewise-constant rate (contacts per hour per interval, times any surge
multipliers).  Every customer's attributes, and the uniform numbers their
conversations will use, are drawn here from named streams before the
simulation starts, so a policy change never changes who arrives or what
they are like (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rng import Streams
from .scenario import Scenario

CONVERSATION_DRAWS = 40  # uniform numbers reserved per customer for conversation outcomes


@dataclass(slots=True)
class Customer:
    """One customer's first contact and everything random about them."""

    customer_id: int
    channel: str
    arrival: float  # seconds
    segment: str
    goal: str
    frustration: float  # 0-100 at arrival
    trust: float  # 0-100
    patience_e: float  # Exp(1) draw, scaled by the segment's mean patience
    handle_z: float  # N(0, 1) draw for the lognormal work time
    handle_e: float  # Exp(1) draw (pure-queue handle time)
    need: float  # money the fix needs (0: none)
    history: int  # earlier contacts on file
    retry_u: float
    retry_e: float
    callback_u: float
    survey_z: float
    loyalty_u: float
    repeat_u: float
    repeat_e: float
    draws: list[float]  # conversation uniforms, consumed in order
    note: str = ""  # scripted customers: what the trainee is told


def _rate_pieces(scen: Scenario, channel: str) -> list[tuple[float, float, float, float]]:
    """(start, end, rate per second, extra frustration) pieces for one channel."""
    rates = scen.arrivals.get(channel, ())
    cuts = {0.0, scen.horizon_s}
    for i in range(len(rates)):
        cuts.add(i * scen.interval_s)
    surges = [e for e in scen.events if e.kind == "surge" and channel in e.channels]
    for e in surges:
        cuts.update((min(e.time_s, scen.horizon_s), min(e.end_s, scen.horizon_s)))
    points = sorted(cuts)
    pieces = []
    for a, b in zip(points, points[1:]):
        if b <= a:
            continue
        i = min(int(a // scen.interval_s), len(rates) - 1)
        rate = rates[i] / 3600.0
        boost = 0.0
        for e in surges:
            if e.time_s <= a < e.end_s:
                rate *= e.multiplier
                boost += e.frustration
        pieces.append((a, b, rate, boost))
    return pieces


def arrival_times(scen: Scenario, streams: Streams, channel: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (s) on one channel and the surge frustration each one carries."""
    gen = streams.get(f"arrivals.{channel}")
    times: list[np.ndarray] = []
    boosts: list[np.ndarray] = []
    for a, b, rate, boost in _rate_pieces(scen, channel):
        n = int(gen.poisson(rate * (b - a))) if rate > 0 else 0
        if n:
            t = np.sort(gen.uniform(a, b, n))
            times.append(t)
            boosts.append(np.full(n, boost))
    if not times:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(times), np.concatenate(boosts)


def draw_customers(scen: Scenario, streams: Streams) -> list[Customer]:
    """Every first contact of the shift, sorted by arrival time, with ids 0..n-1.

    Random customers and the scenario's scripted ones are merged by arrival time;
    scripted customers draw from their own stream, so adding one never changes
    what the random customers are like.
    """
    out = _random_customers(scen, streams) + _scripted_customers(scen, streams)
    out.sort(key=lambda c: c.arrival)
    for i, c in enumerate(out):
        c.customer_id = i
    return out


def _scripted_customers(scen: Scenario, streams: Streams) -> list[Customer]:
    if not scen.scripted:
        return []
    g = streams.get("scripted")
    out = []
    for sc in scen.scripted:
        u = g.random(8)
        out.append(Customer(
            customer_id=-1, channel=sc.channel, arrival=sc.arrival_s, segment=sc.segment, goal=sc.goal,
            frustration=sc.frustration, trust=sc.trust, patience_e=float(1.0 - np.log(u[0] + 1e-12)),
            handle_z=0.0, handle_e=1.0, need=sc.need, history=sc.history, retry_u=float(u[1]),
            retry_e=float(-np.log(u[2] + 1e-12)), callback_u=float(u[3]), survey_z=0.0, loyalty_u=float(u[4]),
            repeat_u=float(u[5]), repeat_e=float(-np.log(u[6] + 1e-12)),
            draws=g.random(CONVERSATION_DRAWS).tolist(), note=sc.note,
        ))
    return out


def _random_customers(scen: Scenario, streams: Streams) -> list[Customer]:
    t_parts, b_parts, ch_parts = [], [], []
    for ch in sorted(scen.arrivals):
        t, b = arrival_times(scen, streams, ch)
        t_parts.append(t)
        b_parts.append(b)
        ch_parts.append(np.full(len(t), ch, dtype=object))
    if not t_parts:
        return []
    times = np.concatenate(t_parts)
    boost = np.concatenate(b_parts)
    chans = np.concatenate(ch_parts)
    order = np.argsort(times, kind="stable")
    times, boost, chans = times[order], boost[order], chans[order]
    n = len(times)

    g = streams.get("customers")
    seg_ids = list(scen.segment_mix)
    seg_w = np.array([scen.segment_mix[s] for s in seg_ids], dtype=float)
    seg_idx = g.choice(len(seg_ids), size=n, p=seg_w / seg_w.sum())
    goal_u = g.random(n)
    f_z = g.standard_normal(n)
    t_z = g.standard_normal(n)
    need_u = g.random(n)
    need_e = g.standard_exponential(n)
    hist_u = g.random(n)
    hist_n = g.poisson(1.5, n)

    pat = streams.get("patience").standard_exponential(n)
    hz = streams.get("handle").standard_normal(n)
    he = streams.get("handle").standard_exponential(n)
    beh = streams.get("behaviour")
    retry_u, retry_e, cb_u = beh.random(n), beh.standard_exponential(n), beh.random(n)
    survey_z, loyalty_u = beh.standard_normal(n), beh.random(n)
    repeat_u, repeat_e = beh.random(n), beh.standard_exponential(n)
    if scen.mode == "full":
        conv = streams.get("conversation").random((n, CONVERSATION_DRAWS)).tolist()
    else:
        conv = [[] for _ in range(n)]

    out: list[Customer] = []
    for i in range(n):
        seg = scen.segments[seg_ids[seg_idx[i]]]
        goals = seg.goals
        total = sum(w for _, w in goals)
        pick = goal_u[i] * total
        goal_id = goals[-1][0]
        for gid, w in goals:
            if pick < w:
                goal_id = gid
                break
            pick -= w
        goal = scen.goals[goal_id]
        f0 = seg.frustration_mean + goal.frustration_boost + seg.frustration_sd * f_z[i] + boost[i]
        trust = seg.trust_mean + 10.0 * t_z[i]
        need = goal.authority_mean * need_e[i] if need_u[i] < goal.authority_probability else 0.0
        history = int(hist_n[i]) + 1 if hist_u[i] < seg.history_probability else 0
        out.append(Customer(
            customer_id=i, channel=str(chans[i]), arrival=float(times[i]), segment=seg.id,
            goal=goal_id, frustration=float(min(100.0, max(0.0, f0))),
            trust=float(min(100.0, max(0.0, trust))), patience_e=float(pat[i]),
            handle_z=float(hz[i]), handle_e=float(he[i]), need=round(float(need), 2),
            history=history, retry_u=float(retry_u[i]), retry_e=float(retry_e[i]),
            callback_u=float(cb_u[i]), survey_z=float(survey_z[i]), loyalty_u=float(loyalty_u[i]),
            repeat_u=float(repeat_u[i]), repeat_e=float(repeat_e[i]), draws=conv[i],
        ))
    return out
