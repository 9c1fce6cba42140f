"""Shared helpers for the workshop tests: a server app, a class of simulated trainees, their results."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from typing import Any

from sim import load_scenario
from sim.runner import result_document
from sim.workshop.practice import play, simulated_class

warnings.filterwarnings("ignore", message=".*httpx.*")


@lru_cache(maxsize=None)
def class_results(scenario: str, seed: int, size: int) -> tuple[tuple[str, str], ...]:
    """(name, result document as JSON text) for `size` simulated trainees (cached: each play is a real shift)."""
    scen = load_scenario(scenario)
    out = []
    for name, choose in simulated_class(size):
        out.append((name, json.dumps(result_document(play(scen, seed, choose)), default=float)))
    return tuple(out)


def result_doc(scenario: str, seed: int, i: int = 0, size: int = 4) -> dict[str, Any]:
    return dict(json.loads(class_results(scenario, seed, size)[i][1]))
