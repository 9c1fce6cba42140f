"""The team: agents hired under a hiring profile, shaped by training and procedures.

Friendliness, trainability and competence are 0-1 traits.  Training raises
competence in proportion to trainability and never raises friendliness.
Written procedures raise the accuracy of agents with short tenure.  Stress
builds with hard contacts, decays over time, slows agents and costs accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .rng import Streams
from .scenario import Policies, Team

FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Ema", "Farid", "Gus", "Hana", "Ivo", "Jun", "Kira", "Leo",
    "Maya", "Nils", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wen", "Xan",
    "Yara", "Zeno",
)
CANDIDATES_PER_HIRE = 4
# the balanced screen weighs the traits in the order they matter: friendliness cannot be
# trained, trainability sets how far training goes, competence is what training adds
BALANCED_WEIGHTS = np.array([3.0, 2.0, 1.0]) / 6.0
LEARNING_RATE = 0.03  # share of the gap to full competence one training hour closes, times trainability
PROCEDURES_BONUS = 0.12  # accuracy bonus for a brand-new hire with written procedures


@dataclass(slots=True)
class Agent:
    id: int
    name: str
    friendliness: float
    trainability: float
    competence: float  # after training
    skills: dict[str, float]  # per knowledge area, 0-1
    tenure_weeks: float
    state: str = "off"  # off, idle, talking, wrap_up, training, sick, followup
    idle_since: float = 0.0
    stress: float = 0.0
    stress_at: float = 0.0
    contact_id: int = -1
    handled: int = 0
    busy_time: float = 0.0
    on_shift: bool = False
    extra: dict[str, float] = field(default_factory=dict)

    def stress_now(self, now: float, recovery_s: float) -> float:
        """Stress decays exponentially with time (recovery_s is its time constant)."""
        if now > self.stress_at:
            self.stress *= math.exp(-(now - self.stress_at) / recovery_s)
            self.stress_at = now
        return self.stress

    def procedures_bonus(self, written: bool) -> float:
        return PROCEDURES_BONUS * math.exp(-self.tenure_weeks / 26.0) if written else 0.0


STRESSED = 0.6  # above this an agent counts as stressed (the floor marks them; scores count their contacts)


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def trained(competence: float, trainability: float, hours: float) -> float:
    """Competence after `hours` of training: each hour closes a share of the gap to full skill.

    The share is proportional to trainability, so a trainable hire catches up on one hired
    for competence; with no training competence stays where it was at hiring.
    """
    return _clip01(1.0 - (1.0 - competence) * math.exp(-LEARNING_RATE * trainability * hours))


def hire(team: Team, policies: Policies, streams: Streams, count: int) -> list[Agent]:
    """`count` agents, drawn in a fixed order so the first n never depend on count."""
    g = streams.fresh("agents")
    means = np.array([team.friendliness_mean, team.trainability_mean, team.competence_mean])
    screen = {"friendly": 0, "trainable": 1, "competent": 2}.get(policies.hiring_profile)
    hours = policies.training_hours_per_week * team.weeks_on_policy  # training each agent has had
    agents = []
    for i in range(count):
        cands = np.clip(means + team.trait_sd * g.standard_normal((CANDIDATES_PER_HIRE, 3)), 0.02, 0.98)
        skill_noise = g.standard_normal(len(team.knowledge))
        tenure = float(g.exponential(team.tenure_weeks_mean)) if team.tenure_weeks_mean > 0 else 0.0
        if screen is None:  # balanced: friendly first, then trainable, then competent
            best = int(np.argmax(cands @ BALANCED_WEIGHTS))
        else:
            best = int(np.argmax(cands[:, screen]))
        fr, tr, co = (float(x) for x in cands[best])
        competence = trained(co, tr, hours)
        skills = {area: _clip01(competence + 0.15 * float(z)) for area, z in zip(team.knowledge, skill_noise)}
        name = FIRST_NAMES[i % len(FIRST_NAMES)] + ("" if i < len(FIRST_NAMES) else f" {i // len(FIRST_NAMES) + 1}")
        agents.append(Agent(id=i, name=name, friendliness=fr, trainability=tr, competence=competence,
                            skills=skills, tenure_weeks=tenure))
    return agents


def training_share(policies: Policies, shift_hours_per_week: float = 40.0) -> float:
    """Share of each agent's time spent in training off the floor."""
    return min(0.5, policies.training_hours_per_week / shift_hours_per_week)
