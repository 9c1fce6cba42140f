"""ServiceFloor's simulation core: headless, deterministic for a seed, no pygame."""

from __future__ import annotations

from .errors import Problem, SaveError, ScenarioError
from .model import Answer, Centre, SetPolicy, Snapshot, TakeCalls
from .responders import Decision, Interactive, Playbook, ScriptedResponder, TurnView
from .runner import Result, read_result, replay, run, save_result
from .scenario import Scenario, list_scenarios, load_scenario, with_policies

__all__ = [
    "Answer", "Centre", "Decision", "Interactive", "Playbook", "Problem", "Result", "SaveError",
    "Scenario", "ScenarioError", "ScriptedResponder", "SetPolicy", "Snapshot", "TakeCalls", "TurnView",
    "list_scenarios", "load_scenario", "read_result", "replay", "run", "save_result", "with_policies",
]
