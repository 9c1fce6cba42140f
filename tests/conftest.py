"""Shared fixtures.  Tests run headless: SDL's dummy drivers, no window, no sound."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from sim import load_scenario  # noqa: E402


@pytest.fixture(scope="session")
def calm():
    return load_scenario("calm_weekday")


@pytest.fixture(scope="session")
def outage():
    return load_scenario("monday_outage")
