"""Named random streams derived from one seed.

Every random draw in the model comes from a stream named after what it is
for ("arrivals.phone", "customers", "agents" ...).  A stream's generator
depends only on the seed and its name, never on which other streams exist or
in what order they are asked for, so changing one policy does not reshuffle
unrelated draws (common random numbers across variants).
"""

from __future__ import annotations

import zlib

import numpy as np


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """A factory of independent, reproducible numpy Generators keyed by name."""

    def __init__(self, seed: int) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = seed
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """The generator for stream `name` (the same object on every call)."""
        gen = self._cache.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(_name_key(name),))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._cache[name] = gen
        return gen

    def fresh(self, name: str) -> np.random.Generator:
        """A new generator for `name`, starting from the stream's beginning."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(_name_key(name),))
        return np.random.Generator(np.random.PCG64(seq))
