"""Reading and checking the dialogue files, ``assets/dialogue/*.toml``, into a `Dialogue`.

Every file in the folder is read (file names are free; the top-level tables
decide what a file holds) and every problem is collected before anything is
used: each names the file, the key and what was expected, and all of them are
raised together as one `DialogueError`.  Ids are checked against the catalog
(goals, segments, response kinds), `sim.scenario.POLICY_KEYS` and
``assets/lessons.toml``.  The format is ``assets/dialogue/README.md``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable

from .dialogue import (_PLACEHOLDER, CUES, MAX_COACH_CHARS, MAX_FEEDBACK_CHARS, MAX_LINE_CHARS, MAX_RESPONSE_CHARS,
                       MOODS, PLACEHOLDERS, Dialogue, DialogueError, KindFeedback, Variant)
from .errors import Problem
from .lessons import CatalogNames, Lesson, catalog_names, load_lessons, read_toml
from .scenario import CARP_STEPS, ESCALATION_PATHS, HIRING_PROFILES, PLAYBOOKS, POLICY_KEYS
from .tomlread import MISSING, Reader

SECTIONS = ("placeholders", "openings", "reactions", "goal_reactions", "responses", "feedback", "levers",
            "topics", "goal_wordings", "goal_lines", "coach", "coach_after")
COACH_STEPS = tuple(s for s in CARP_STEPS if s)
GOAL_WORDINGS_KEYS = ("kinds", "at_least")
MAX_TOPIC_WORD_CHARS = 40
LEVER_CHANGES = ("on", "off", "up", "down") + ESCALATION_PATHS + HIRING_PROFILES + PLAYBOOKS
_HEATS = ("hot", "cool")


def read_folder(folder: str) -> Dialogue:
    """Load and check every ``*.toml`` file in `folder`; raises DialogueError with every problem."""
    lessons = load_lessons()
    loader = _Loader(catalog_names(), lessons)
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        loader.problems.append(Problem(folder, "", "expected a folder of dialogue .toml files, found none"))
    for path in files:
        loader.file(path)
    return loader.build(folder, lessons)


class _Loader:
    def __init__(self, names: CatalogNames, lessons: tuple[Lesson, ...]) -> None:
        self.names = names
        self.lesson_ids = tuple(lesson.id for lesson in lessons)
        self.problems: list[Problem] = []
        self.owner: dict[str, str] = {}
        self.placeholders: dict[str, str] = {}
        self.openings: dict[Any, tuple[str, ...]] = {}
        self.reactions: dict[Any, tuple[str, ...]] = {}
        self.goal_reactions: dict[Any, tuple[str, ...]] = {}
        self.responses: dict[Any, tuple[str, ...]] = {}
        self.goal_responses: dict[Any, tuple[str, ...]] = {}
        self.feedbacks: dict[str, KindFeedback] = {}
        self.levers: dict[Any, tuple[str, str]] = {}
        self.topics: dict[str, tuple[str, ...]] = {}
        self.goal_keyed: tuple[str, ...] = ()
        self.at_least = 0
        self.goal_lines: dict[str, int] = {}  # cue -> lines each goal needs of its own
        self.where: dict[Any, tuple[str, str]] = {}  # table key -> (file, dotted key), for later checks
        self.coach_titles: dict[str, str] = {}
        self.coach_summaries: dict[str, str] = {}
        self.coach: dict[tuple[str, str], tuple[str, ...]] = {}
        self.coach_after: dict[str, tuple[str, ...]] = {}

    # -- helpers -------------------------------------------------------------
    def known(self, r: Reader, name: str, options: Iterable[str], what: str) -> bool:
        options = tuple(options)
        r.seen.add(name)
        if name not in options:
            r.fail(name, f"is not a defined {what} (expected one of {', '.join(options)})")
            return False
        return True

    def text(self, r: Reader, name: str, value: Any, limit: int) -> str:
        if not isinstance(value, str) or not value.strip():
            r.fail(name, f"expected a non-empty string, got {value!r}")
            return ""
        value = " ".join(value.split())
        if len(value) > limit:
            r.fail(name, f"expected at most {limit} characters to fit the panel, got {len(value)}: {value[:40]!r}...")
        for ph in _PLACEHOLDER.findall(value):
            if ph not in PLACEHOLDERS:
                allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                r.fail(name, f"unknown placeholder {{{ph}}} (allowed: {allowed})")
        if "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
            r.fail(name, f"expected braces only around a placeholder, got {value[:60]!r}")
        return value

    def lines(self, r: Reader, name: str, limit: int = MAX_LINE_CHARS) -> tuple[str, ...]:
        r.seen.add(name)
        raw = r.data.get(name)
        if not isinstance(raw, list) or not raw:
            r.fail(name, f"expected a non-empty list of lines, got {raw!r}")
            return ()
        out = []
        for i, item in enumerate(raw):
            line = self.text(r, f"{name}[{i}]", item, limit)
            if line and line in out:
                r.fail(f"{name}[{i}]", "repeats an earlier line in the same list")
            elif line:
                out.append(line)
        return tuple(out)

    def moods(self, r: Reader, into: dict[Any, tuple[str, ...]], head: tuple[str, ...], table: str) -> None:
        """A table of segment -> mood -> lines; `table` names it for the checks after loading."""
        for seg in r.data:
            if not self.known(r, seg, self.names.segments, "segment"):
                continue
            sr = r.sub(seg)
            for mood in sr.data:
                if self.known(sr, mood, MOODS, "mood band"):
                    into[head + (seg, mood)] = lines = self.lines(sr, mood)
                    self.where[(table,) + head + (seg, mood)] = (sr.file, sr.key(mood))
                    for i, line in enumerate(lines):
                        if "{amount}" in line:
                            sr.fail(f"{mood}[{i}]", "uses {amount}, the money the fix needs, which the agent learns "
                                    "only by asking: a customer's line shows before that (it would read 'the full "
                                    "amount'), so say it without the sum")

    def lesson_id(self, r: Reader, name: str, default: str) -> str:
        value = r.text(name, default)
        if value and value not in self.lesson_ids:
            r.fail(name, f"refers to a lesson that is not defined in lessons.toml, got {value!r}")
        return value

    def choices(self, r: Reader, name: str, options: tuple[str, ...], what: str) -> tuple[str, ...]:
        values = r.texts(name, ())
        for v in values:
            if v not in options:
                r.fail(name, f"is not a defined {what}: {v!r} (expected one of {', '.join(options)})")
        return values

    # -- sections ------------------------------------------------------------
    def file(self, path: Path) -> None:
        data = read_toml(path, self.problems)
        top = Reader(str(path), data, "", self.problems)
        for section in top.data:
            if not self.known(top, section, SECTIONS, "section"):
                continue
            sec = top.sub(section)
            for name in sec.data:
                where = f"{section}.{name}"
                if where in self.owner:
                    sec.fail(name, f"is defined twice (also in {self.owner[where]})")
                    sec.seen.add(name)
                    continue
                self.owner[where] = str(path)
                getattr(self, f"_{section}")(sec, name)

    def _placeholders(self, sec: Reader, name: str) -> None:
        if self.known(sec, name, PLACEHOLDERS, "placeholder"):
            self.placeholders[name] = self.text(sec, name, sec.data[name], 60)

    def _openings(self, sec: Reader, goal: str) -> None:
        if self.known(sec, goal, self.names.goals, "goal"):
            self.moods(sec.sub(goal), self.openings, (goal,), "openings")

    def _reactions(self, sec: Reader, cue: str) -> None:
        if self.known(sec, cue, CUES[1:], "reaction cue (openings go under [openings])"):
            self.moods(sec.sub(cue), self.reactions, (cue,), "reactions")

    def _goal_reactions(self, sec: Reader, goal: str) -> None:
        if not self.known(sec, goal, self.names.goals, "goal"):
            return
        gr = sec.sub(goal)
        for cue in gr.data:
            if self.known(gr, cue, CUES[1:], "reaction cue"):
                self.moods(gr.sub(cue), self.goal_reactions, (goal, cue), "goal_reactions")

    def _responses(self, sec: Reader, kind: str) -> None:
        if not self.known(sec, kind, tuple(self.names.responses), "response kind"):
            return
        kr = sec.sub(kind)
        for seg in kr.data:
            if seg == "by_goal":
                kr.seen.add(seg)
                gt = kr.sub(seg)
                for goal in gt.data:
                    if self.known(gt, goal, self.names.goals, "goal"):
                        gr = gt.sub(goal)
                        for s in gr.data:
                            if self.known(gr, s, self.names.segments + ("any",), "segment (or any)"):
                                self.goal_responses[(kind, goal, s)] = self.lines(gr, s, MAX_RESPONSE_CHARS)
                                self.where[(kind, goal, s)] = (gr.file, gr.key(s))
            elif self.known(kr, seg, self.names.segments, "segment (or by_goal)"):
                self.responses[(kind, seg)] = self.lines(kr, seg, MAX_RESPONSE_CHARS)
                self.where[(kind, seg)] = (kr.file, kr.key(seg))

    def _topics(self, sec: Reader, goal: str) -> None:
        if not self.known(sec, goal, self.names.goals, "goal"):
            return
        words = sec.texts(goal)
        for i, word in enumerate(words):
            if not word.strip() or word != " ".join(word.split()) or len(word) > MAX_TOPIC_WORD_CHARS:
                sec.fail(f"{goal}[{i}]", f"expected a word or short phrase without extra spaces, got {word!r}")
        lowered = [w.lower() for w in words]
        if len(set(lowered)) != len(lowered):
            sec.fail(goal, "repeats a word")
        self.topics[goal] = words

    def _goal_wordings(self, sec: Reader, name: str) -> None:
        if not self.known(sec, name, GOAL_WORDINGS_KEYS, "key"):
            return
        if name == "kinds":
            self.goal_keyed = self.choices(sec, "kinds", tuple(self.names.responses), "response kind")
        else:
            self.at_least = int(sec.number("at_least", lo=1, hi=50, integer=True) or 0)

    def _goal_lines(self, sec: Reader, cue: str) -> None:
        if self.known(sec, cue, CUES, "cue"):
            self.goal_lines[cue] = int(sec.number(cue, lo=1, hi=50, integer=True) or 0)

    def _coach(self, sec: Reader, step: str) -> None:
        if not self.known(sec, step, COACH_STEPS, "CARP step"):
            return
        r = sec.sub(step)
        self.coach_titles[step] = self.text(r, "title", r.raw("title"), 30)
        self.coach_summaries[step] = self.text(r, "summary", r.raw("summary"), 80)
        for heat in _HEATS:
            if heat in r.data:
                self.coach[(step, heat)] = self.lines(r, heat, MAX_COACH_CHARS)
        if not any(heat in r.data for heat in _HEATS):
            r.fail("", "expected lines for hot customers, cool ones or both")
        r.done()

    def _coach_after(self, sec: Reader, cue: str) -> None:
        if self.known(sec, cue, CUES[1:], "reaction cue"):
            r = sec.sub(cue)
            self.coach_after[cue] = self.lines(r, "lines", MAX_COACH_CHARS)
            r.done()

    def _shared(self, dialogue: Dialogue, where: tuple[str, str], lines: tuple[str, ...], rule: str,
                move_to: str) -> None:
        """Lines every goal shares: report each that uses a goal's topic word, and where it belongs."""
        file, key = where
        for i, line in enumerate(lines):
            found = dialogue.topics_of(line)
            if found:
                goal, word = next(iter(found.items()))
                self.problems.append(Problem(file, f"{key}[{i}]", (
                    f"uses {word!r}, a word of the goal {goal} (see [topics]): {rule}; "
                    f"move it under {move_to.format(goal=goal)}")))

    def check_topics(self, dialogue: Dialogue) -> None:
        """Shared wordings use no goal's words; a goal's wordings are not another goal's; coverage."""
        for (kind, seg), lines in self.responses.items():
            self._shared(dialogue, self.where[(kind, seg)], lines, "a wording shared by every goal must not tie "
                         "itself to one", f"responses.{kind}.by_goal.{{goal}}")
        for (kind, goal, seg), lines in self.goal_responses.items():
            file, key = self.where[(kind, goal, seg)]
            for i, line in enumerate(lines):
                found = dialogue.topics_of(line)
                if found and goal not in found:
                    other, word = next(iter(found.items()))
                    self.problems.append(Problem(file, f"{key}[{i}]", (
                        f"uses {word!r}, a word of the goal {other}, and none of {goal}'s: "
                        f"expected it under by_goal.{other}, or words of {goal}")))
        for kind in self.goal_keyed:
            for goal in self.names.goals:
                for seg in self.names.segments:
                    n = len(dialogue.goal_wordings(kind, seg, goal))
                    if n < self.at_least:
                        file = self.owner.get(f"responses.{kind}") or self.owner.get("goal_wordings.kinds", "")
                        self.problems.append(Problem(file, f"responses.{kind}.by_goal.{goal}.{seg}", (
                            f"expected at least {self.at_least} wordings for this goal and segment "
                            f"(goal_wordings.at_least; {seg} plus any), got {n}")))

    def check_customer_topics(self, dialogue: Dialogue) -> None:
        """What customers say: shared reactions use no goal's words; a goal's lines are not another goal's.

        Then coverage: each cue in [goal_lines] has that many lines of each goal's own for every
        segment and mood band (counted as they are picked: the band written, or a neighbour).
        """
        for (cue, seg, mood), lines in self.reactions.items():
            self._shared(dialogue, self.where[("reactions", cue, seg, mood)], lines, "a reaction every customer "
                         "may say must not tie itself to one goal", f"goal_reactions.{{goal}}.{cue}.{seg}")
        tables: tuple[tuple[str, dict[Any, tuple[str, ...]]], ...] = (
            ("openings", self.openings), ("goal_reactions", self.goal_reactions))
        for name, table in tables:
            for head, lines in table.items():
                goal = head[0]
                file, key = self.where[(name,) + head]
                for i, line in enumerate(lines):
                    found = dialogue.topics_of(line)
                    if found and goal not in found:
                        other, word = next(iter(found.items()))
                        where = ".".join((name, other) + head[1:-1])
                        self.problems.append(Problem(file, f"{key}[{i}]", (
                            f"uses {word!r}, a word of the goal {other}, and none of {goal}'s: "
                            f"expected it under {where}, or words of {goal}")))
        for cue, at_least in self.goal_lines.items():
            section = "openings" if cue == "opening" else "goal_reactions"
            for goal in self.names.goals:
                for seg in self.names.segments:
                    for mood in MOODS:
                        n = len(set(dialogue.own_customer_lines(goal, seg, mood, cue, borrow=False)))
                        if n >= at_least:
                            continue
                        head = (goal, seg) if cue == "opening" else (goal, cue, seg)
                        file = self.owner.get(f"{section}.{goal}") or self.owner.get(f"goal_lines.{cue}", "")
                        noun = "line" if at_least == 1 else "lines"
                        counted = ("the nearest mood band written" if cue == "opening"
                                   else "a mood band written or one next to it")
                        self.problems.append(Problem(file, ".".join((section,) + head + (mood,)), (
                            f"expected at least {at_least} {noun} of this goal's own for this segment and mood "
                            f"(goal_lines.{cue}, from {counted}), got {n}")))

    def _feedback(self, sec: Reader, kind: str) -> None:
        if not self.known(sec, kind, tuple(self.names.responses), "response kind"):
            return
        r = sec.sub(kind)
        text = self.text(r, "text", r.raw("text"), MAX_FEEDBACK_CHARS)
        lesson = self.lesson_id(r, "lesson", self.names.responses.get(kind, ""))
        if not lesson:
            r.fail("lesson", "is required: the response catalog names no lesson for this kind")
        variants = []
        raw = r.raw("variants", [])
        if not isinstance(raw, list):
            r.fail("variants", f"expected an array of tables ([[feedback.{kind}.variants]]), got {raw!r}")
            raw = []
        for i, item in enumerate(raw):
            v = Reader(r.file, item, r.key(f"variants[{i}]"), self.problems)
            heat = v.text("heat", "", choices=("",) + _HEATS)
            variants.append(Variant(
                text=self.text(v, "text", v.raw("text"), MAX_FEEDBACK_CHARS),
                lesson=self.lesson_id(v, "lesson", ""),
                heat=heat,
                segments=self.choices(v, "segments", self.names.segments, "segment"),
                goals=self.choices(v, "goals", self.names.goals, "goal"),
                cues=self.choices(v, "cues", CUES, "cue"),
                moods=self.choices(v, "moods", MOODS, "mood band"),
            ))
            if v.data and variants[-1].specificity[2] == 0:
                v.fail("", "expected at least one condition (heat, segments, goals, cues or moods)")
            v.done()
        r.done()
        self.feedbacks[kind] = KindFeedback(kind=kind, text=text, lesson=lesson, variants=tuple(variants))

    def _levers(self, sec: Reader, lever: str) -> None:
        if not self.known(sec, lever, POLICY_KEYS, "policy"):
            return
        lr = sec.sub(lever)
        for change in lr.data:
            if self.known(lr, change, LEVER_CHANGES, "change"):
                cr = lr.sub(change)
                text = self.text(cr, "text", cr.raw("text"), MAX_FEEDBACK_CHARS)
                lesson = self.lesson_id(cr, "lesson", MISSING)
                cr.done()
                self.levers[(lever, change)] = (text, lesson)

    def build(self, source: str, lessons: tuple[Lesson, ...]) -> Dialogue:
        ro = MappingProxyType
        for ph in PLACEHOLDERS:
            if ph not in self.placeholders:
                self.problems.append(Problem(source, f"placeholders.{ph}", "is required but missing (a default value)"))
        if self.goal_keyed and not self.at_least:
            file = self.owner.get("goal_wordings.kinds", source)
            self.problems.append(Problem(file, "goal_wordings.at_least", "is required with goal_wordings.kinds"))
        dialogue = Dialogue(source=source, placeholders=ro(self.placeholders), openings=ro(self.openings),
                            reactions=ro(self.reactions), goal_reactions=ro(self.goal_reactions),
                            responses=ro(self.responses), goal_responses=ro(self.goal_responses),
                            feedbacks=ro(self.feedbacks), levers=ro(self.levers), lessons=lessons,
                            topics=ro(self.topics), goal_keyed=self.goal_keyed, goal_lines=ro(self.goal_lines),
                            coach_titles=ro(self.coach_titles),
                            coach_summaries=ro(self.coach_summaries),
                            coach=ro(self.coach), coach_after=ro(self.coach_after))
        self.check_topics(dialogue)
        self.check_customer_topics(dialogue)
        if self.problems:
            raise DialogueError(self.problems)
        return dialogue
