"""Shared fixtures.  Tests run headless: SDL's dummy drivers, no window, no sound."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
# the game's tests start any scenario; the trainee's path (each scenario opens with a star in the one
# before) is tested on its own in tests/test_game_flow.py with this unset
os.environ.setdefault("SERVICEFLOOR_UNLOCK_ALL", "1")

import pytest  # noqa: E402

from sim import load_scenario  # noqa: E402


@pytest.fixture(scope="session")
def calm():
    return load_scenario("calm_weekday")


@pytest.fixture(scope="session")
def outage():
    return load_scenario("monday_outage")
