"""The workshop API's request and response models (they are also its OpenAPI schema), and the
functions that turn stored results into them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..dialogue import PLAYS
from .client import ENTRY_FORMAT  # the offline result file the game writes
from .grading import SubmissionError
from .store import MAX_NAME, Session, StoredResult

__all__ = ["ENTRY_FORMAT"]  # re-exported for the server and the CLI

# ---------------------------------------------------------------------------
# Request and response models (they are also the OpenAPI schema)
# ---------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class SessionIn(_Model):
    title: str = Field("", max_length=80)
    scenario: str = Field(..., max_length=64)
    seed: int = Field(1, ge=0, le=2**31 - 1)
    levers_locked: bool = True
    time_limit_min: int = Field(0, ge=0, le=600, description="0: no limit")


LEVER_CHOICES = ("locked", "open")


def session_in(*, title: str, scenario: str, seed: Any, levers: str, time_limit_min: Any) -> SessionIn:
    """A new session's settings as typed in the dashboard's form or on the command line, checked by the
    same rules as the API's (`SessionIn`); raises SubmissionError naming the field and its range."""
    if levers not in LEVER_CHOICES:
        raise SubmissionError("levers", f"expected one of {', '.join(LEVER_CHOICES)}, got {levers!r}")
    numbers = {}
    for name, value in (("seed", seed), ("time_limit_min", time_limit_min)):
        try:
            numbers[name] = int(str(value).strip())
        except ValueError:
            raise SubmissionError(name, f"expected a whole number, got {str(value)[:40]!r}") from None
    try:
        return SessionIn(title=title.strip(), scenario=scenario, levers_locked=levers == "locked", **numbers)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = str(e["loc"][0]) if e.get("loc") else "session"
        limits = SessionIn.model_fields[field].metadata if field in SessionIn.model_fields else []
        lo = next((m.ge for m in limits if hasattr(m, "ge")), None)
        hi = next((m.le for m in limits if hasattr(m, "le")), None)
        if lo is not None and hi is not None:
            raise SubmissionError(field, f"expected a whole number from {lo} to {hi}, got {numbers.get(field)}") from None
        raise SubmissionError(field, str(e.get("msg", "not valid"))) from None


class SessionOut(_Model):
    code: str
    title: str
    scenario: str
    scenario_name: str
    seed: int
    levers_locked: bool
    time_limit_min: int
    created: float
    closed: bool = Field(False, description="closed by the instructor: no more joins or results")
    seconds_left: float | None = Field(None, description="seconds left in the class round by the server's clock; "
                                                         "null when no countdown runs")


class JoinIn(_Model):
    name: str = Field(..., min_length=1, max_length=MAX_NAME)


class ProgressIn(_Model):
    """What the game reports while a trainee plays (every few seconds): the facilitator's live view."""

    shift_s: float = Field(..., ge=0, le=10_000_000, description="simulated seconds into the shift")
    calls: int = Field(0, ge=0, le=100_000, description="contacts the trainee has answered so far")
    state: str = Field("playing", pattern="^(playing|paused|finished)$")


class ProgressOut(_Model):
    seconds_left: float | None = Field(None, description="the class countdown by the server's clock (null: none)")
    ended: bool = Field(False, description="the instructor ended the round: send the result now")


class JoinOut(_Model):
    participant_id: int
    name: str
    token: str
    session: SessionOut


class ScenarioRef(_Model):
    id: str = Field(..., max_length=64)
    source: str = Field("", max_length=1000)
    digest: str = Field("", max_length=64)


class DecisionIn(_Model):
    contact_id: int = Field(..., ge=0, le=10**9)
    turn: int = Field(..., ge=0, le=10**6)
    kind: str = Field(..., max_length=64)
    time: float | None = Field(None, ge=0, le=10**7)


class CommandIn(_Model):
    time: float = Field(..., ge=0, le=10**7)
    type: str = Field(..., max_length=32)
    key: str | None = Field(None, max_length=64)
    value: Any = None
    agent_id: int | None = Field(None, ge=0, le=10**6)


class ResultIn(_Model):
    format: str = Field(..., max_length=64)
    player: str = Field("", max_length=200)
    scenario: ScenarioRef
    policies: dict[str, Any] | None = None
    seed: int = Field(..., ge=0, le=2**63 - 1)
    play: int = Field(0, ge=0, le=PLAYS - 1)  # which play of the scenario and seed: it picks the words only
    decisions: list[DecisionIn] = Field(..., max_length=20_000)
    commands: list[CommandIn] = Field(default_factory=list, max_length=2_000)
    scores: dict[str, Any] | None = None


class EntryIn(_Model):
    format: str = Field(..., max_length=64)
    code: str = Field(..., max_length=16)
    name: str = Field(..., min_length=1, max_length=MAX_NAME)
    result: ResultIn


class _Scored(_Model):
    """A trainee's scores as the server computed them (0-100 each, overall with 0-3 stars)."""

    name: str
    score: float
    stars: int
    loyalty: float
    speed: float
    accuracy: float
    own_calls: int = Field(0, description="contacts the trainee answered themselves")
    own_score: float | None = Field(None, description="the trainee's own calls, scored (null: they took none)")
    own_stars: int | None = None


class Standing(_Scored):
    rank: int
    participant_id: int
    objectives_met: int
    objectives: int
    flagged: bool


class ResultOut(_Scored):
    result_id: int
    stored: bool = Field(..., description="false when the same result had already been stored")
    flags: list[str]


def _scored(r: StoredResult) -> dict[str, Any]:
    o = dict(r.scores.get("overall", {}))
    mine = dict(r.scores.get("trainee") or {})
    own = dict(mine.get("overall") or {})
    return {"name": r.participant.name, "score": float(o.get("score", 0.0)), "stars": int(o.get("stars", 0)),
            "loyalty": float(o.get("loyalty_score", 0.0)), "speed": float(o.get("speed_score", 0.0)),
            "accuracy": float(o.get("accuracy_score", 0.0)), "own_calls": int(mine.get("calls", 0)),
            "own_score": None if not own else float(own.get("score", 0.0)),
            "own_stars": None if not own else int(own.get("stars", 0))}


def _rank_key(r: StoredResult) -> tuple[float, float, float]:
    """The trainee's own calls first (a result without any ranks last), then the team's shift, then time."""
    own = (r.scores.get("trainee") or {}).get("overall")
    team = float(r.scores.get("overall", {}).get("score", 0.0))
    return (-(float(own["score"]) if own else -1.0), -team, r.received)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def session_out(s: Session, names: dict[str, str]) -> SessionOut:
    return SessionOut(code=s.code, title=s.title, scenario=s.scenario, scenario_name=names.get(s.scenario, s.scenario),
                      seed=s.seed, levers_locked=s.levers_locked, time_limit_min=s.time_limit_min, created=s.created,
                      closed=s.closed, seconds_left=s.seconds_left())


def moments_by(scen: Any) -> str:
    """'customer' when every trainee meets the same customers in the same order (scripted only), else 'mood'."""
    random = any(rate > 0 for rates in scen.arrivals.values() for rate in rates)
    return "mood" if random or not scen.scripted else "customer"


def standings(results: list[StoredResult]) -> list[Standing]:
    rows = sorted(results, key=_rank_key)
    return [Standing(rank=i + 1, participant_id=r.participant.id, **_scored(r),
                     objectives_met=sum(1 for ob in r.objectives if ob.get("met")), objectives=len(r.objectives),
                     flagged=bool(r.flags)) for i, r in enumerate(rows)]


def result_out(r: StoredResult, stored: bool) -> ResultOut:
    return ResultOut(result_id=r.id, stored=stored, flags=list(r.flags), **_scored(r))
