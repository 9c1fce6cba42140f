"""Lessons: what the game teaches, read from ``assets/lessons.toml``.

Each lesson names what in the game shows it: response kinds the trainee can
choose, policy levers a manager can pull, scenarios that stage it and the
score keys (``group.key`` into `sim.scores.compute`) that reveal it.  The
loader checks every reference against the catalog and `POLICY_KEYS` and
raises `LessonError`, naming file, key and what was expected.

A lesson may also hold checks (``[[lessons.<id>.checks]]``): a claim that the
lesson makes, staged as a paired experiment on one shipped scenario -- a base
side and a variant side (policy changes, habits of `sim.habits`, a script of
response kinds) and the score that must move, in which direction and by at
least how much.  `sim.ledger` runs them; the loader only checks that each one
can run: the scenario is shipped, the policy changes apply to it, the habits
and response kinds exist and the score key is one `sim.scores.compute` gives.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import Problem, ScenarioError
from .scenario import POLICY_KEYS, Scenario, assets_dir, list_scenarios, load_scenario, with_policies
from .tomlread import Reader, read_toml

METRIC_GROUPS = ("speed", "accuracy", "loyalty", "overall", "money", "team", "trainee")

# Every single-number score `sim.scores.compute` gives, "group.key", with its unit:
# share (0-1), s (seconds), money, count, people (word of mouth), points (0-100 scores, NPS),
# level (0-1 stress).  tests/test_ledger.py checks this list against a real run.
SCORE_KEYS: Mapping[str, str] = MappingProxyType({
    "speed.offered": "count", "speed.answered": "count", "speed.asa_s": "s", "speed.service_level": "share",
    "speed.abandon_rate": "share", "speed.callbacks": "count", "speed.callback_wait_s": "s", "speed.aht_s": "s",
    "speed.time_to_resolution_s": "s", "speed.escalation_time_s": "s", "speed.open_cases": "count", "speed.sunset_compliance": "share",
    "accuracy.first_contact_resolution": "share", "accuracy.correct_info_rate": "share",
    "accuracy.goal_met_rate": "share", "accuracy.repeat_contact_rate": "share", "accuracy.escalation_rate": "share",
    "accuracy.transfer_rate": "share", "accuracy.repeat_correct_info_rate": "share",
    "loyalty.customers": "count", "loyalty.retention": "share", "loyalty.value_retention": "share",
    "loyalty.churned": "count", "loyalty.churn_rate": "share", "loyalty.complaints": "count",
    "loyalty.silent_churn": "count", "loyalty.told_by_lost": "people", "loyalty.told_by_happy": "people",
    "loyalty.good_word_share": "share", "loyalty.recoveries": "count", "loyalty.recovered_retention": "share",
    "loyalty.never_failed_retention": "share", "loyalty.recovery_gap": "share", "loyalty.revenue_at_risk": "money",
    "loyalty.lost_value": "money", "loyalty.rework_cost": "money", "loyalty.cost_of_poor_service": "money",
    "loyalty.frustration_end": "points", "loyalty.trust_end": "points", "loyalty.repeat_frustration": "points",
    "loyalty.money_paid": "money", "loyalty.csat": "share", "loyalty.nps": "points", "loyalty.surface_gap": "share",
    "overall.loyalty_score": "points", "overall.speed_score": "points", "overall.accuracy_score": "points",
    "overall.score": "points", "overall.stars": "count",
    "money.refunds_paid": "money", "money.overpaid": "money", "money.gestures_paid": "money",
    "money.staff_cost": "money", "money.value_kept": "money", "money.net_value": "money",
    "trainee.calls": "count", "trainee.customers": "count",
    "team.stress_mean": "level", "team.stressed_share": "share", "team.stress_peak": "level",
})
EXPECT = ("higher", "lower")
DEFAULT_REPLICATIONS = 20
MAX_REPLICATIONS = 1000
SIDE_KEYS = ("policies", "habits", "script")
MAX_TITLE_CHARS = 60
MAX_PRINCIPLE_CHARS = 40


class LessonError(ScenarioError):
    """The lessons file, or a file that refers to lessons, could not be used."""


@dataclass(frozen=True, kw_only=True)
class Side:
    """One side of a check: changes to the scenario as shipped and to how its agents talk."""

    policies: tuple[tuple[str, Any], ...] = ()  # (policy key, value), lists as tuples, in file order
    habits: tuple[str, ...] = ()  # names in sim.habits.HABITS, edits of the CARP playbook
    script: tuple[str, ...] = ()  # response kinds said in this order in every contact, then CARP

    @property
    def talks(self) -> bool:
        """Whether agents answer with a responder of their own (habits or a script), not the playbook."""
        return bool(self.habits or self.script)

    def overrides(self) -> dict[str, Any]:
        """The policy changes as `sim.scenario.with_policies` takes them (lists, not tuples)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.policies}

    def describe(self) -> str:
        """``playbook=fast_and_friendly habits=quick_fix`` (or "as shipped")."""
        parts = [f"{k}={_value_text(v)}" for k, v in self.policies]
        if self.habits:
            parts.append("habits=" + ",".join(self.habits))
        if self.script:
            parts.append("script=" + ",".join(self.script))
        return " ".join(parts) or "as shipped"


def _value_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return ",".join(_value_text(x) for x in v)
    return str(v)


@dataclass(frozen=True, kw_only=True)
class Check:
    """A claim of one lesson, staged as a paired experiment: variant vs base on the same seeds."""

    lesson: str
    index: int  # position among the lesson's checks
    claim: str
    scenario: str  # a shipped scenario id
    metric: str  # a key of SCORE_KEYS
    expect: str  # "higher" or "lower": the variant's metric against the base's
    min_effect: float  # the smallest mean paired difference that counts, in the metric's units
    replications: int  # paired seeds 1..replications
    base: Side
    variant: Side
    # a claim about the size of a change ("training pays back faster with people who learn easily"):
    # the effect base -> variant is compared with the effect than_base -> than_variant, seed by seed
    than_base: Side | None = None
    than_variant: Side | None = None

    @property
    def sides(self) -> tuple[Side, ...]:
        """Every side the check runs: base and variant, and the pair it is compared with."""
        extra = () if self.than_base is None or self.than_variant is None else (self.than_base, self.than_variant)
        return (self.base, self.variant, *extra)

    def staging(self) -> str:
        """'base -> variant', and for a comparison of effects 'than: base -> variant' after it."""
        text = f"{self.base.describe()} \u2192 {self.variant.describe()}"
        if self.than_base is not None and self.than_variant is not None:
            text += f", more than {self.than_base.describe()} \u2192 {self.than_variant.describe()}"
        return text

    @property
    def id(self) -> str:
        return f"{self.lesson}[{self.index}]"

    @property
    def unit(self) -> str:
        return SCORE_KEYS[self.metric]

    @property
    def sign(self) -> int:
        return 1 if self.expect == "higher" else -1


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
    checks: tuple[Check, ...] = ()  # claims of this lesson as paired experiments (sim.ledger runs them)


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
        elif v not in SCORE_KEYS:
            r.fail("metrics", f"expected a score key of sim.scores.compute ({', '.join(SCORE_KEYS)}), got {v!r}")
    return values


@functools.lru_cache(maxsize=64)
def _shipped(sid: str, folder: str) -> Scenario | None:
    """A shipped scenario by id (cached); None when no such file is shipped."""
    del folder  # part of the cache key: SERVICEFLOOR_ASSETS may point elsewhere
    for p in list_scenarios():
        if p.stem == sid:
            try:
                return load_scenario(p)
            except ScenarioError as exc:
                raise LessonError(exc.problems) from None
    return None


def shipped_scenario(sid: str) -> Scenario | None:
    return _shipped(sid, str(assets_dir()))


def _policy_value(v: Any) -> Any:
    """A TOML value as a hashable one: lists as tuples (tables cannot be policy values; with_policies says so)."""
    if isinstance(v, list):
        return tuple(_policy_value(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((str(k), _policy_value(x)) for k, x in v.items()))
    return v


def _effective(scen: Scenario | None, side: Side) -> Any:
    """What a side really runs: the policies it ends up with and how its agents talk (None if unknown)."""
    if scen is None:
        return None
    try:
        policies = with_policies(scen, side.overrides()).policies if side.policies else scen.policies
    except ScenarioError:
        return None
    return (policies, side.habits, side.script)


def _side(r: Reader, scen: Scenario | None) -> Side:
    from .habits import HABITS

    pol = r.sub("policies")
    policies = tuple((k, _policy_value(v)) for k, v in pol.data.items())
    pol.seen.update(pol.data)
    if scen is not None and policies:
        try:
            with_policies(scen, Side(policies=policies).overrides())
        except ScenarioError as exc:
            for p in exc.problems:
                pol.fail(p.key, f"cannot be applied to scenario {scen.id!r}: {p.message}")
    habits = r.texts("habits", ())
    for i, h in enumerate(habits):
        if h not in HABITS:
            r.fail(f"habits[{i}]", f"expected a habit of sim/habits.py ({', '.join(HABITS)}), got {h!r}")
    script = r.texts("script", ())
    if scen is not None:
        for i, k in enumerate(script):
            if k not in scen.responses:
                r.fail(f"script[{i}]", f"expected a response kind of scenario {scen.id!r} "
                       f"({', '.join(scen.responses)}), got {k!r}")
    side = Side(policies=policies, habits=habits, script=script)
    playbook = dict(policies).get("playbook")
    if side.talks and playbook not in (None, "carp"):
        r.fail("policies.playbook", f"habits and scripts edit the CARP playbook: expected no playbook change "
               f"or playbook = \"carp\" beside them, got {playbook!r}")
    r.done()
    return side


def _check(r: Reader, lid: str, index: int) -> Check:
    claim = " ".join(r.text("claim").split())
    if r.has("claim") and not claim:
        r.fail("claim", "expected a non-empty sentence saying what the lesson claims")
    sid = r.text("scenario")
    shipped = [p.stem for p in list_scenarios()]
    scen = None
    if sid:
        scen = shipped_scenario(sid)
        if scen is None:
            r.fail("scenario", f"expected a shipped scenario id ({', '.join(shipped)}), got {sid!r}")
    metric = r.text("metric")
    if metric and metric not in SCORE_KEYS:
        r.fail("metric", f"expected a score key of sim.scores.compute ({', '.join(SCORE_KEYS)}), got {metric!r}")
    expect = r.text("expect")
    if expect and expect not in EXPECT:
        r.fail("expect", f"expected \"higher\" or \"lower\" (the variant against the base), got {expect!r}")
    min_effect = r.number("min_effect", positive=True)  # in the metric's units
    reps = r.number("replications", DEFAULT_REPLICATIONS, lo=2, hi=MAX_REPLICATIONS, integer=True)
    base = _side(r.sub("base"), scen)
    variant = _side(r.sub("variant"), scen)
    same = base == variant or (_effective(scen, base) is not None and _effective(scen, base) == _effective(scen, variant))
    if same and not any(p.key.startswith(r.prefix) for p in r.problems):
        r.fail("variant", "expected a variant that differs from the base (as run: the same policies, habits "
               "and script)")
    than_base = than_variant = None
    if r.has("than"):  # "the change base -> variant does more than the change than.base -> than.variant"
        t = r.sub("than")
        than_base, than_variant = _side(t.sub("base"), scen), _side(t.sub("variant"), scen)
        if than_base == than_variant:
            t.fail("variant", "expected a change to compare with (than.base and than.variant differ)")
        t.done()
    r.done()
    return Check(lesson=lid, index=index, claim=claim, scenario=sid, metric=metric, expect=expect,
                 min_effect=float(min_effect), replications=int(reps), base=base, variant=variant,
                 than_base=than_base, than_variant=than_variant)


def _checks(r: Reader, lid: str) -> tuple[Check, ...]:
    raw = r.raw("checks", [])
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        r.fail("checks", f"expected an array of tables ([[lessons.{lid}.checks]]), got {raw!r}")
        return ()
    return tuple(_check(Reader(r.file, item, r.key(f"checks[{i}]"), r.problems), lid, i)
                 for i, item in enumerate(raw))


def _lesson(r: Reader, lid: str, names: CatalogNames) -> Lesson:
    title = r.text("title")
    principle = r.text("principle")
    text = " ".join(r.text("text").split())
    for name, value, limit in (("title", title, MAX_TITLE_CHARS), ("principle", principle, MAX_PRINCIPLE_CHARS)):
        if len(value) > limit:
            r.fail(name, f"expected at most {limit} characters, got {len(value)}")
    if r.has("text") and not text:
        r.fail("text", "expected a non-empty explanation")
    r.raw("checks", [])  # paired-experiment checks: run by the lessons ledger, not part of a Lesson here
    lesson = Lesson(
        id=lid, title=title, principle=principle, text=text,
        responses=_ids(r, "responses", tuple(names.responses), "a response kind"),
        levers=_ids(r, "levers", POLICY_KEYS, "a policy"),
        scenarios=_ids(r, "scenarios", None, "a scenario"),
        metrics=_metrics(r),
        checks=_checks(r, lid),
    )
    if not lesson.responses and not lesson.levers:
        r.fail("", "expected at least one response kind (responses) or policy (levers) that shows it")
    if not lesson.scenarios:
        r.fail("scenarios", "expected at least one scenario id")
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
        entry = table.data[lid]
        if isinstance(entry, dict) and entry and set(entry) == {"checks"}:
            known = [k for k, v in table.data.items() if isinstance(v, dict) and set(v) != {"checks"}]
            table.fail(f"{lid}.checks", f"checks for a lesson that does not exist: expected a lesson id defined "
                       f"in this file ({', '.join(known)}), got {lid!r}")
            continue
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


__all__ = ["Check", "CatalogNames", "EXPECT", "Lesson", "LessonError", "SCORE_KEYS", "Side", "catalog_names",
           "load_lessons", "parse_lessons", "read_toml", "shipped_scenario"]
