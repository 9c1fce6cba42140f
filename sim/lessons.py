"""Lessons: what the game teaches, read from ``assets/lessons.toml``.

Each lesson names what in the game shows it: response kinds the trainee can
choose, policy levers a manager can pull, scenarios that stage it and the
score keys (``group.key`` into `sim.scores.compute`) that reveal it.  The
loader checks every reference against the catalog and `POLICY_KEYS` and
raises `LessonError`, naming file, key and what was expected.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import Problem, ScenarioError
from .scenario import POLICY_KEYS, assets_dir
from .tomlread import Reader, read_toml

METRIC_GROUPS = ("speed", "accuracy", "loyalty", "overall", "team")
MAX_TITLE_CHARS = 60
MAX_PRINCIPLE_CHARS = 40


class LessonError(ScenarioError):
    """The lessons file, or a file that refers to lessons, could not be used."""


@dataclass(frozen=True, kw_only=True)
class Lesson:
    """One thing the game teaches and where a player can discover it."""

    id: str
    title: str
    principle: str  # the short name of the principle it belongs to, shown with feedback
    text: str  # two to four plain sentences
    responses: tuple[str, ...]  # response kind ids that show it
    levers: tuple[str, ...]  # policy keys that show it
    scenarios: tuple[str, ...]  # scenario ids that stage it
    metrics: tuple[str, ...]  # score keys, "group.key"


@dataclass(frozen=True, kw_only=True)
class CatalogNames:
    """The ids the catalog defines, for cross-reference checks."""

    segments: tuple[str, ...]
    goals: tuple[str, ...]
    responses: Mapping[str, str]  # response kind id -> its lesson id




def catalog_names(folder: str | Path | None = None) -> CatalogNames:
    """Segment, goal and response ids from ``assets/catalog/*.toml`` (cached)."""
    return _catalog(str(Path(folder) if folder else assets_dir() / "catalog"))


@functools.lru_cache(maxsize=4)
def _catalog(folder: str) -> CatalogNames:
    base = Path(folder)
    problems: list[Problem] = []
    segments: dict[str, Any] = {}
    goals: dict[str, Any] = {}
    responses: dict[str, Any] = {}
    for path in sorted(base.glob("*.toml")):
        data = read_toml(path, problems)
        segments.update(data.get("segments", {}))
        goals.update(data.get("goals", {}))
        responses.update(data.get("responses", {}))
    if problems:
        raise LessonError(problems)
    lessons = {k: str(v.get("lesson", "")) if isinstance(v, dict) else "" for k, v in responses.items()}
    return CatalogNames(segments=tuple(segments), goals=tuple(goals), responses=MappingProxyType(lessons))


def _ids(r: Reader, name: str, known: tuple[str, ...] | None, what: str) -> tuple[str, ...]:
    values = r.texts(name, ())
    if known is not None:
        for v in values:
            if v not in known:
                r.fail(name, f"refers to {what} {v!r} that is not defined (defined: {', '.join(known)})")
    return values


def _metrics(r: Reader) -> tuple[str, ...]:
    values = r.texts("metrics", ())
    for v in values:
        group, dot, key = v.partition(".")
        if not dot or group not in METRIC_GROUPS or not key:
            groups = ", ".join(METRIC_GROUPS)
            r.fail("metrics", f"expected score keys like loyalty.retention (groups: {groups}), got {v!r}")
    return values


def _lesson(r: Reader, lid: str, names: CatalogNames) -> Lesson:
    title = r.text("title")
    principle = r.text("principle")
    text = " ".join(r.text("text").split())
    for name, value, limit in (("title", title, MAX_TITLE_CHARS), ("principle", principle, MAX_PRINCIPLE_CHARS)):
        if len(value) > limit:
            r.fail(name, f"expected at most {limit} characters, got {len(value)}")
    if r.has("text") and not text:
        r.fail("text", "expected a non-empty explanation")
    lesson = Lesson(
        id=lid, title=title, principle=principle, text=text,
        responses=_ids(r, "responses", tuple(names.responses), "a response kind"),
        levers=_ids(r, "levers", POLICY_KEYS, "a policy"),
        scenarios=_ids(r, "scenarios", None, "a scenario"),
        metrics=_metrics(r),
    )
    if not lesson.responses and not lesson.levers:
        r.fail("", "expected at least one response kind (responses) or policy (levers) that shows it")
    if not lesson.scenarios:
        r.fail("scenarios", "expected at least one scenario id")
    r.seen.add("checks")  # the ledger's [[lessons.<id>.checks]]: read and validated by sim.ledger (ledger branch)
    r.done()
    return lesson


def parse_lessons(data: Any, source: str, names: CatalogNames) -> tuple[Lesson, ...]:
    """Validate parsed TOML into lessons; raises LessonError with every problem."""
    problems: list[Problem] = []
    top = Reader(source, data, "", problems)
    table = top.sub("lessons", required=True)
    out = []
    for lid in table.data:
        table.seen.add(lid)
        out.append(_lesson(table.sub(lid), lid, names))
    top.done()
    if problems:
        raise LessonError(problems)
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple[Lesson, ...]:
    problems: list[Problem] = []
    data = read_toml(Path(path), problems)
    if problems:
        raise LessonError(problems)
    return parse_lessons(data, path, catalog_names())


def load_lessons(path: str | Path | None = None) -> tuple[Lesson, ...]:
    """Every lesson in file order (cached); `path` defaults to ``assets/lessons.toml``."""
    return _load(str(Path(path) if path else assets_dir() / "lessons.toml"))


__all__ = ["CatalogNames", "Lesson", "LessonError", "catalog_names", "load_lessons", "parse_lessons", "read_toml"]
