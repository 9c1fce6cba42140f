"""A small checked reader over parsed TOML tables.

Every `get` either returns a value of the expected type and range or records a
`Problem` naming the file, the dotted key and what was expected, so a loader
can report every error in a file at once instead of stopping at the first.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Iterable

from .errors import Problem

MISSING: Any = object()
# No number in a ServiceFloor file needs to be larger than this; anything that is has a range of its
# own (docs/scenarios.md lists them).  It stops 1e300 and 2**63 before they reach the model.
NUMBER_CEILING = 1e9
MAX_FILE_BYTES = 5_000_000  # the largest shipped data file is under 100 kB


def read_toml(path: Path, problems: list[Problem]) -> dict[str, Any]:
    """Parse one TOML file; on failure record a problem naming the file and return {}."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            problems.append(Problem(str(path), "", f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                                                   "a scenario or data file is far smaller"))
            return {}
        return tomllib.loads(raw.decode("utf-8"))
    except RecursionError:
        problems.append(Problem(str(path), "", "is not usable TOML: arrays or tables nested too deep"))
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "file not found"))
    except IsADirectoryError:
        problems.append(Problem(str(path), "", "is a folder, expected a .toml file"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(str(path), "", f"is not valid TOML: {exc}"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), "", f"cannot be read: {exc}"))
    return {}


def _kind_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class Reader:
    """Reads keys of one TOML table, collecting problems into a shared list."""

    def __init__(self, file: str, data: Any, prefix: str, problems: list[Problem]) -> None:
        self.file = file
        self.prefix = prefix
        self.problems = problems
        if not isinstance(data, dict):
            self.fail("", f"expected a table, got {_kind_name(data)}")
            data = {}
        self.data: dict[str, Any] = data
        self.seen: set[str] = set()

    # -- reporting -------------------------------------------------------
    def key(self, name: str) -> str:
        if not name:
            return self.prefix
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.key(name), message))

    # -- access ----------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = MISSING) -> Any:
        self.seen.add(name)
        if name in self.data:
            return self.data[name]
        if default is MISSING:
            self.fail(name, "is required but missing")
        return default

    def sub(self, name: str, required: bool = False) -> "Reader":
        self.seen.add(name)
        if name not in self.data:
            if required:
                self.fail(name, "is required but missing (expected a table)")
            return Reader(self.file, {}, self.key(name), self.problems)
        return Reader(self.file, self.data[name], self.key(name), self.problems)

    def number(
        self,
        name: str,
        default: Any = MISSING,
        *,
        lo: float | None = None,
        hi: float | None = None,
        positive: bool = False,
        integer: bool = False,
    ) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if default is MISSING:
                want = "an integer" if integer else "a number"
                self.fail(name, f"is required but missing (expected {want})")
                return 0 if integer else 0.0
            return default
        return self.check_number(name, self.data[name], lo=lo, hi=hi, positive=positive, integer=integer)

    def check_number(
        self,
        name: str,
        value: Any,
        *,
        lo: float | None = None,
        hi: float | None = None,
        positive: bool = False,
        integer: bool = False,
        fallback: float = 0.0,
    ) -> Any:
        want = "an integer" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            integer and not isinstance(value, int)
        ):
            self.fail(name, f"expected {want}, got {_kind_name(value)} {value!r}")
            return int(fallback) if integer else fallback
        if value != value or value in (float("inf"), float("-inf")):
            self.fail(name, f"expected a finite number, got {value!r}")
            return fallback
        if positive and value <= 0:
            self.fail(name, f"expected a number greater than 0, got {value!r}")
            return value
        if hi is None and abs(value) > NUMBER_CEILING:
            self.fail(name, f"expected {want} of at most {NUMBER_CEILING:g}, got {value!r}")
            return int(fallback) if integer else fallback
        if lo is not None and value < lo:
            rng = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
            self.fail(name, f"expected {want} {rng}, got {value!r}")
        elif hi is not None and value > hi:
            rng = f"between {lo:g} and {hi:g}" if lo is not None else f"at most {hi:g}"
            self.fail(name, f"expected {want} {rng}, got {value!r}")
        return int(value) if integer else float(value)

    def probability(self, name: str, default: Any = MISSING) -> float:
        return float(self.number(name, default, lo=0.0, hi=1.0))

    def boolean(self, name: str, default: Any = MISSING) -> bool:
        value = self.raw(name, default)
        if value is MISSING:
            return False
        if not isinstance(value, bool):
            self.fail(name, f"expected true or false, got {_kind_name(value)} {value!r}")
            return False
        return value

    def text(self, name: str, default: Any = MISSING, *, choices: Iterable[str] | None = None) -> str:
        value = self.raw(name, default)
        if value is MISSING:
            return ""
        if not isinstance(value, str):
            self.fail(name, f"expected a string, got {_kind_name(value)} {value!r}")
            return ""
        if choices is not None:
            options = list(choices)
            if value not in options:
                self.fail(name, f"expected one of {', '.join(options)}, got {value!r}")
        return value

    def texts(self, name: str, default: Any = MISSING, *, choices: Iterable[str] | None = None) -> tuple[str, ...]:
        if name not in self.data and default is not MISSING:
            self.seen.add(name)
            return tuple(default)
        value = self.raw(name, default)
        if value is MISSING:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, f"expected a list of strings, got {value!r}")
            return ()
        if choices is not None:
            options = list(choices)
            for v in value:
                if v not in options:
                    self.fail(name, f"expected each item to be one of {', '.join(options)}, got {v!r}")
        return tuple(value)

    def numbers(
        self,
        name: str,
        default: Any = MISSING,
        *,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
        nonempty: bool = True,
        max_items: int | None = None,
    ) -> tuple[Any, ...]:
        if name not in self.data and default is not MISSING:
            self.seen.add(name)
            return tuple(default)
        value = self.raw(name, default)
        if value is MISSING:
            return ()
        want = "integers" if integer else "numbers"
        if not isinstance(value, list):
            self.fail(name, f"expected a list of {want}, got {_kind_name(value)} {value!r}")
            return ()
        if nonempty and not value:
            self.fail(name, f"expected a non-empty list of {want}, got an empty list")
            return ()
        if max_items is not None and len(value) > max_items:
            self.fail(name, f"expected at most {max_items} {want}, got {len(value)}")
            return ()
        out = []
        before = len(self.problems)
        for i, v in enumerate(value):
            out.append(self.check_number(f"{name}[{i}]", v, lo=lo, hi=hi, integer=integer))
        if len(self.problems) - before > 4:  # one list of bad values: the first, and how many more
            first, extra = self.problems[before], len(self.problems) - before - 1
            del self.problems[before:]
            self.problems.append(Problem(first.file, first.key, f"{first.message} (and {extra} more values like it)"))
        return tuple(out)

    def weights(self, name: str, default: Any = MISSING) -> dict[str, float]:
        """A table of name -> non-negative weight, with at least one weight above 0."""
        value = self.raw(name, default)
        if value is MISSING:
            return {}
        if not isinstance(value, dict) or not value:
            self.fail(name, f"expected a non-empty table of name = weight, got {value!r}")
            return {}
        out: dict[str, float] = {}
        for k, v in value.items():
            out[k] = float(self.check_number(f"{name}.{k}", v, lo=0.0, hi=1e6))
        if out and sum(out.values()) <= 0:
            self.fail(name, "expected at least one weight above 0")
        return out

    def done(self) -> None:
        """Report keys that nothing read: they are unknown (often a typo)."""
        unknown = [k for k in self.data if k not in self.seen]
        known = sorted(self.seen)
        for k in unknown:
            hint = f" (known keys: {', '.join(known)})" if known else ""
            self.fail(k, f"unknown key{hint}")
