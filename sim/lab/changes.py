"""Policy changes as managers type them: ``key=value``, relative staffing, sweep ranges.

* ``key=value`` - any policy key, values in TOML syntax (as ``servicefloor run --set``);
* ``staffing+=2`` / ``staffing-=1`` - add to (subtract from) every interval;
* ``staffing[0:4]+=2`` - intervals 0 to 3 only (Python slice of interval numbers);
* ``staffing[09:00-11:00]+=2`` - the intervals starting from 09:00 up to before 11:00;
* sweeps: ``key=LO..HI`` or ``key=LO..HI:STEP`` (numbers), ``key=a,b,c`` (a list of values).

Every change goes through ``with_policies``, so bad keys and values are reported
the same way as everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import Problem, ScenarioError
from ..scenario import POLICY_KEYS, Policies, Scenario, parse_value, with_policies

_RELATIVE = re.compile(r"^staffing(?:\[(?P<sel>[^\]]*)\])?(?P<op>[+-])=(?P<n>-?\d+)$")
_RANGE = re.compile(r"^(?P<lo>-?[\d.]+)\.\.(?P<hi>-?[\d.]+)(?::(?P<step>[\d.]+))?$")
_CLOCK = re.compile(r"^(\d\d):(\d\d)$")
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # a string value that needs no quotes


def _minutes(text: str, source: str) -> int:
    m = _CLOCK.match(text.strip())
    if not m:
        raise ScenarioError([Problem(source, "staffing", f"expected a time as HH:MM, got {text.strip()!r}")])
    return int(m.group(1)) * 60 + int(m.group(2))


def interval_slice(scen: Scenario, sel: str, source: str = "--variant") -> range:
    """Interval numbers picked by ``a:b`` (slice) or ``HH:MM-HH:MM`` (start times in the shift).

    A selection that picks no interval of this shift (past its end, before it starts, backwards,
    empty) is an error naming it and the valid range: a change that changes nothing would be
    reported as "+0.0 [+0.0 to +0.0]" as if it had been measured.
    """
    n = scen.intervals
    if not sel:
        return range(n)
    end_clock = _clock_of(_minutes(scen.start_clock, source) + n * scen.interval_s / 60.0)
    valid = f"intervals 0 to {n - 1} ([0:{n}]), or start times {scen.start_clock}-{end_clock}"
    if "-" in sel and ":" in sel.split("-")[0]:
        first, _, last = sel.partition("-")
        start = _minutes(scen.start_clock, source)
        step = scen.interval_s / 60.0
        a, b = (_minutes(first, source) - start) % 1440, (_minutes(last, source) - start) % 1440
        b = b or 1440  # up to the start clock again: a whole day
        if b <= a or a >= n * step:
            raise ScenarioError([Problem(source, f"staffing[{sel}]", f"picks no interval of this shift "
                                                                     f"(expected {valid})")])
        picked = range(n)[int(-(-a // step)):int(-(-b // step))]
    else:
        try:
            parts = [int(p) if p.strip() else None for p in sel.split(":")]
        except ValueError:
            raise ScenarioError([Problem(source, "staffing", f"expected [a:b] or [HH:MM-HH:MM], got [{sel}]")]) from None
        if len(parts) > 3:
            raise ScenarioError([Problem(source, f"staffing[{sel}]", f"expected [a:b] ({valid})")])
        if len(parts) == 1:
            idx = parts[0] if parts[0] is not None else 0
            if not -n <= idx < n:
                raise ScenarioError([Problem(source, f"staffing[{sel}]", f"is not an interval of this shift "
                                                                         f"(expected {valid})")])
            picked = range(n)[idx:idx + 1]
        else:
            if any(p is not None and not -n <= p <= n for p in parts[:2]):
                raise ScenarioError([Problem(source, f"staffing[{sel}]", f"reaches past the shift "
                                                                         f"(expected {valid})")])
            picked = range(n)[slice(*parts[:3])]
    if len(picked) == 0:
        raise ScenarioError([Problem(source, f"staffing[{sel}]", f"picks no interval (expected {valid})")])
    return picked


def _clock_of(minutes: float) -> str:
    m = int(round(minutes)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def apply_changes(scen: Scenario, items: Sequence[str], source: str = "--variant") -> tuple[Scenario, dict[str, Any]]:
    """The scenario with `items` applied in order, and the resulting policy overrides."""
    overrides: dict[str, Any] = {}
    staffing = list(scen.policies.staffing)
    problems: list[Problem] = []
    for item in items:
        rel = _RELATIVE.match(item.replace(" ", ""))
        if rel:
            sign = 1 if rel.group("op") == "+" else -1
            for i in interval_slice(scen, rel.group("sel") or "", source):
                staffing[i] = max(0, staffing[i] + sign * int(rel.group("n")))
            overrides["staffing"] = list(staffing)
            continue
        if "=" not in item:
            problems.append(Problem(source, item, "expected key=value, or staffing+=N"))
            continue
        key, _, value = item.partition("=")
        parsed = parse_value(value.strip())
        overrides[key.strip()] = parsed
        if key.strip() == "staffing":
            if isinstance(parsed, int) and not isinstance(parsed, bool):
                staffing = [parsed] * scen.intervals
            elif isinstance(parsed, list):
                staffing = list(parsed)
    if problems:
        raise ScenarioError(problems)
    return with_policies(scen, overrides, source) if overrides else scen, overrides


def toml_value(value: Any) -> str:
    """A policy value in the TOML syntax `parse_value` reads back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"not a policy value: {value!r}")


def policy_changes(scen: Scenario, policies: Policies) -> tuple[str, ...]:
    """The changes that turn `scen`'s policies into `policies`, as a manager would type them.

    Staffing moved by the same number in every interval reads ``staffing+=N``; every other
    change is ``key=value``.  ``apply_changes(scen, policy_changes(scen, p))`` has policies `p`.
    """
    out: list[str] = []
    for key in POLICY_KEYS:
        old, new = getattr(scen.policies, key), getattr(policies, key)
        if old == new:
            continue
        if key == "staffing" and len(old) == len(new):
            deltas = {b - a for a, b in zip(old, new)}
            if len(deltas) == 1:
                d = deltas.pop()
                out.append(f"staffing{'+' if d > 0 else '-'}={abs(d)}")
                continue
        bare = isinstance(new, str) and _WORD.match(new) and new not in ("true", "false", "inf", "nan")
        out.append(f"{key}={new if bare else toml_value(new)}")
    return tuple(out)


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {text!r}") from None


def sweep_values(spec: str) -> list[Any]:
    """The values of one sweep axis: ``LO..HI[:STEP]`` or ``a,b,c`` or a single value."""
    m = _RANGE.match(spec.strip())
    if m:
        lo, hi = _number(m.group("lo")), _number(m.group("hi"))
        step = _number(m.group("step") or "1")
        if step <= 0 or hi < lo:
            raise ValueError(f"expected LO..HI:STEP with LO <= HI and STEP > 0, got {spec!r}")
        count = int((hi - lo) / step) + 1
        if count > 1000:
            raise ValueError(f"{spec!r} makes {count} values; at most 1000 per axis")
        vals = [lo + k * step for k in range(count)]
        whole = all(v == v.to_integral_value() for v in vals)
        return [int(v) if whole else float(v) for v in vals]
    return [parse_value(p) for p in _split_top(spec)]


def parse_axes(items: Sequence[str], source: str = "sweep") -> dict[str, list[Any]]:
    """``["key=spec", ...]`` to ``{key: [values]}`` in the order given."""
    axes: dict[str, list[Any]] = {}
    problems: list[Problem] = []
    for item in items:
        key, eq, spec = item.partition("=")
        if not eq or not key.strip():
            problems.append(Problem(source, item, "expected key=LO..HI[:STEP] or key=a,b,c"))
            continue
        try:
            axes[key.strip()] = sweep_values(spec)
        except ValueError as exc:
            problems.append(Problem(source, key.strip(), str(exc)))
    if problems:
        raise ScenarioError(problems)
    return axes
