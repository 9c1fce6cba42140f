"""Where a user's ServiceFloor files live (saves, results, the workshop database)."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """The user data folder: $SERVICEFLOOR_HOME, else $XDG_DATA_HOME/servicefloor."""
    env = os.environ.get("SERVICEFLOOR_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "servicefloor"
