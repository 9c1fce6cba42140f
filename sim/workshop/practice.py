"""A simulated trainee: plays one agent of a shift turn by turn, as the game does.

Used by the workshop tests and the load benchmark to produce real submissions
(result files whose decisions replay exactly), without a screen.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Answer, Centre, TakeCalls
from ..responders import Interactive, TurnView
from ..runner import Result, result_of
from ..scenario import Scenario

START_S = 0.001  # the game never applies a command at exactly t = 0 (see game.session)
STEP_S = 5.0


def play(scenario: Scenario, seed: int, choose: Callable[[TurnView], str], agent: int = 0,
         until_s: float | None = None) -> Result:
    """Take agent `agent`'s calls and answer each turn with `choose(view)` until `until_s` (default: the end)."""
    centre = Centre(scenario, seed=seed, trainee=Interactive())
    centre.advance_to(START_S)
    centre.apply(TakeCalls(agent))
    end = scenario.horizon_s if until_s is None else min(until_s, scenario.horizon_s)
    t = START_S
    while t < end:
        t = min(end, t + STEP_S)
        centre.advance_to(t)
        for view in centre.snapshot().pending:
            centre.apply(Answer(view.contact_id, choose(view)))
    centre.finish()
    return result_of(centre)


NAMES = ("Ana", "Ben", "Chloe", "Dev", "Ebru", "Femi", "Greta", "Hiro", "Ines", "Jon", "Kemi", "Lars", "Mina",
         "Noor", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vik", "Wen", "Xavi", "Yara", "Zed")


def trainee(style: str, seed: int, wander: float = 0.25) -> Callable[[TurnView], str]:
    """A simulated trainee: mostly answers like the playbook `style`, sometimes picks any option.

    Draws come from a generator of its own seeded with `seed`, so a class of
    simulated trainees is the same every time.
    """
    import numpy as np

    from ..responders import PLAYBOOK_RULES

    rule = PLAYBOOK_RULES[style]
    rng = np.random.default_rng(seed)

    def choose(view: TurnView) -> str:
        if rng.random() < wander:
            return str(view.options[int(rng.integers(len(view.options)))])
        return rule(view)

    return choose


def simulated_class(size: int, seed: int = 0) -> list[tuple[str, Callable[[TurnView], str]]]:
    """`size` named simulated trainees with a mix of styles (half CARP, the rest fast or by the script)."""
    styles = ("carp", "fast_and_friendly", "carp", "by_the_script")
    out = []
    for i in range(size):
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
        out.append((name, trainee(styles[i % len(styles)], seed * 1000 + i)))
    return out
