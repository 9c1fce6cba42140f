"""The policy lab: a manager compares two or three policy variants of a scenario.

Setup: choose a scenario, set the base and up to two more variants with the
policy panel's lever widgets, choose how many replications.  Run: ``sim.lab``
runs every variant on the same seeds in background worker processes while the
chart fills in; Cancel keeps the finished replications.  Results: each KPI's
mean and confidence interval per variant and the paired difference to the base.
The scene never changes a scenario: every variant is a new one
(``apply_changes``), and every statistic is ``Comparison.rows()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame

from sim import ScenarioError
from sim.lab import KpiRow, Variant
from sim.lab.changes import apply_changes, policy_changes
from sim.scenario import Scenario, with_policies

from . import manager_pages as pages
from . import manager_view as results_view
from .lab_job import LabJob
from .lever_rows import LeverRows
from .levers import changed, difference_text, lever_click, unlocked, value_text
from .picker import load_all
from .scene import Pop, Scene, Transition
from .theme import ACCENT, BAD, GOOD, MUTED
from .ui import Action

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

NAMES = ("base", "A", "B")
TABS = ("Base", "Variant A", "Variant B")
REPLICATIONS = (5, 10, 20, 50)
BASE_SEED = 1


class ManagerScene(Scene):
    """Set up variants, run them in the background, read the comparison."""

    workers: int | None = None  # worker processes (None: lab_job.default_workers())
    TABS = TABS

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.items = load_all(ctx.start_scenario)
        usable = self.usable()
        names = [stem for stem, _, _ in self.items]
        want = Path(ctx.settings.last_scenario).stem
        self.index = names.index(want) if want in names and names.index(want) in usable else (usable or [0])[0]
        self.replications = 10
        self.base_seed = BASE_SEED
        self.mode = "setup"  # setup, results
        self.view = "chart"  # chart, table
        self.job: LabJob | None = None
        self.rows: list[KpiRow] = []  # what the results show: Comparison.rows() of the job
        self.level = 0.95
        self.run_words: list[list[str]] = []  # each variant of the job's run, in words
        self._rows_at = -1
        self.message = ("", "neutral")
        self._choose(self.index)

    # -- state ---------------------------------------------------------------------------------------------
    def usable(self) -> list[int]:
        """The scenarios that load and have levers to compare."""
        return [i for i, (_, scen, _) in enumerate(self.items) if scen is not None and unlocked(scen)]

    @property
    def scenario(self) -> Scenario | None:
        return self.items[self.index][1] if self.items else None

    def _choose(self, index: int) -> None:
        self.index = index
        scen = self.scenario
        self.variants: list[Scenario] = [scen, scen] if scen is not None else []
        self.tab = 1
        self.levers = unlocked(scen) if scen is not None else ()
        self.lever_rows = LeverRows(self.ui, scen, self.levers) if scen is not None else None
        self.message = ("Change a lever of variant A, then run the comparison.", "neutral")

    def problems(self) -> list[str]:
        """Why the comparison cannot run yet (empty when it can)."""
        if self.scenario is None:
            return ["This scenario file cannot be loaded: choose another."]
        if not self.levers:
            return ["This scenario has no policy levers to compare: choose another."]
        out = []
        pols = [s.policies for s in self.variants]
        for v in range(1, len(pols)):
            same = next((u for u in range(v) if pols[u] == pols[v]), None)
            if same is not None:
                other = "the base" if same == 0 else f"variant {NAMES[same]}"
                out.append(f"Variant {NAMES[v]} is the same as {other}: change at least one lever.")
        return out

    def lab_variants(self) -> list[Variant]:
        """The variants as ``sim.lab`` runs them: each the scenario with its changes applied."""
        scen = self.scenario
        assert scen is not None
        out = []
        for name, s in zip(NAMES, self.variants):
            changes = policy_changes(scen, s.policies)
            out.append(Variant(name, changes, apply_changes(scen, changes, f"variant {name}")[0]))
        return out

    def differences(self, v: int) -> list[str]:
        """How variant `v` differs from the base (the base: from the scenario as written), in words."""
        scen = self.scenario
        assert scen is not None
        ref = scen.policies if v == 0 else self.variants[0].policies
        words = [d for lv in self.levers if (d := difference_text(lv, ref, self.variants[v].policies))]
        return words or ["the scenario as written" if v == 0 else "the same as the base"]

    # -- layout ----------------------------------------------------------------------------------------------
    def layout(self) -> dict[str, pygame.Rect]:
        ui = self.ui
        w, h = ui.size
        top, bottom = ui.px(120), h - ui.px(96)
        left = pygame.Rect(ui.px(28), top, ui.px(250), bottom - top)
        right = pygame.Rect(w - ui.px(28) - ui.px(320), top, ui.px(320), bottom - top)
        mid = pygame.Rect(left.right + ui.px(24), top, right.left - ui.px(24) - left.right - ui.px(24), bottom - top)
        tabs = pygame.Rect(mid.left, mid.top, mid.width, ui.px(36))
        levers = pygame.Rect(mid.left, tabs.bottom + ui.px(10), mid.width, mid.bottom - tabs.bottom - ui.px(10))
        reps = pygame.Rect(right.left, right.bottom - ui.px(150), right.width, ui.px(82))
        message = pygame.Rect(right.left, reps.bottom + ui.px(8), right.width, right.bottom - reps.bottom - ui.px(8))
        summary = pygame.Rect(right.left, right.top, right.width, reps.top - ui.px(12) - right.top)
        footer = pygame.Rect(ui.px(28), h - ui.px(72), w - ui.px(56), ui.px(48))
        return {"left": left, "mid": mid, "right": right, "tabs": tabs, "levers": levers,
                "lever_area": levers.inflate(-ui.px(24), -ui.px(24)), "reps": reps, "message": message,
                "summary": summary, "footer": footer}

    def summary_blocks(self, r: pygame.Rect) -> list[tuple[int, pygame.Rect, list[str]]]:
        """Each variant's block in the summary: (variant, rectangle, lines of its differences)."""
        ui, f = self.ui, self.ui.fonts
        lh = f.line_height(13)
        y = r.top + ui.px(28)
        per = max(lh, (r.bottom - y) // max(1, len(self.variants)) - ui.px(30))
        out = []
        for v in range(len(self.variants)):
            lines = [ln for d in self.differences(v) for ln in f.wrap(d, r.width - ui.px(10), 13)]
            lines = lines[:max(1, per // lh)]
            h = ui.px(28) + len(lines) * lh
            out.append((v, pygame.Rect(r.left, y, r.width, h), lines))
            y += h + ui.px(6)
        return out

    def list_window(self, r: pygame.Rect) -> tuple[int, int, int]:
        """(first row shown, rows shown, row height) of the scenario list."""
        ui = self.ui
        n = max(1, len(self.items))
        room = r.height - ui.px(28) - self.ui.fonts.line_height(12)  # the last line: a note on greyed rows
        bh = max(ui.px(30), min(ui.px(42), room // n - ui.px(5)))
        count = min(n, max(1, room // (bh + ui.px(5))))
        first = min(max(0, self.index - count // 2), n - count)
        return first, count, bh

    def enter(self) -> None:
        self.w = self.ui.group()
        (self._enter_setup if self.mode == "setup" else self._enter_results)()

    def _enter_setup(self) -> None:
        ui, lay, w = self.ui, self.layout(), self.w
        left = lay["left"]
        first, count, bh = self.list_window(left)
        usable = self.usable()
        y = left.top + ui.px(28)
        for i in range(first, first + count):
            stem, scen, problem = self.items[i]
            ok = i in usable
            label = scen.name if scen else f"{stem} (cannot be loaded)"
            w.button(pygame.Rect(left.left, y, left.width, bh), ui.fonts.fit(label, left.width - ui.px(12), 15),
                     Action("select", i), cls="@row", selected=i == self.index, enabled=ok,
                     tip=problem or (None if ok else "no levers to compare"))
            y += bh + ui.px(5)
        tabs = lay["tabs"]
        n = len(TABS) + 1
        tw = (tabs.width - (n - 1) * ui.px(6)) // n
        for v in range(len(self.variants)):
            w.button(pygame.Rect(tabs.left + v * (tw + ui.px(6)), tabs.top, tw, tabs.height), TABS[v],
                     Action("variant", v), cls="@tab", selected=v == self.tab)
        if len(self.variants) < len(NAMES) and self.scenario is not None:
            x = tabs.left + len(self.variants) * (tw + ui.px(6))
            w.button(pygame.Rect(x, tabs.top, tw, tabs.height), "+ Add variant", Action("add_variant"), cls="@small",
                     tip=f"A copy of {TABS[self.tab]} to change")
        if self.lever_rows is not None and self.variants:
            self.lever_rows.build(w, lay["lever_area"], self.variants[self.tab].policies)
        for v, block, _ in self.summary_blocks(lay["summary"]):
            if v > 0:
                w.button(pygame.Rect(block.right - ui.px(80), block.top, ui.px(80), ui.px(24)), "Remove",
                         Action("remove_variant", v), cls="@small", enabled=len(self.variants) > 2,
                         tip=None if len(self.variants) > 2 else "A comparison needs at least one variant")
        reps = lay["reps"]
        rw = (reps.width - 3 * ui.px(6)) // 4
        for i, n_reps in enumerate(REPLICATIONS):
            w.button(pygame.Rect(reps.left + i * (rw + ui.px(6)), reps.top + ui.px(24), rw, ui.px(34)), str(n_reps),
                     Action("replications", n_reps), selected=n_reps == self.replications,
                     tip="Replications per variant: more give narrower intervals and take longer")
        foot = lay["footer"]
        w.button(pygame.Rect(foot.left, foot.top, ui.px(160), foot.height), "Back  (Esc)", Action("back"))
        w.button(pygame.Rect(foot.right - ui.px(300), foot.top, ui.px(300), foot.height), "Run comparison  (Enter)",
                 Action("run"), cls="@primary", enabled=not self.problems())
        if self.job is not None and self.job.finished:
            w.button(pygame.Rect(foot.right - ui.px(520), foot.top, ui.px(200), foot.height), "Last results",
                     Action("results"))

    def _enter_results(self) -> None:
        ui, w = self.ui, self.w
        width, h = ui.size
        foot = pygame.Rect(ui.px(28), h - ui.px(72), width - ui.px(56), ui.px(48))
        w.button(pygame.Rect(foot.left, foot.top, ui.px(230), foot.height), "Change variants", Action("edit"),
                 tip="Back to the setup (stops a run that is still going)")
        for i, key in enumerate(("chart", "table")):
            w.button(pygame.Rect(foot.centerx - ui.px(150) + i * ui.px(156), foot.top + ui.px(6), ui.px(144),
                                 ui.px(36)), key.capitalize(), Action("view", key), cls="@tab", selected=self.view == key)
        if self.job is not None and not self.job.finished:
            w.button(pygame.Rect(foot.right - ui.px(200), foot.top, ui.px(200), foot.height), "Cancel run",
                     Action("cancel"), cls="@danger", enabled=not self.job.stopping)

    def exit(self) -> None:
        self.w.clear()

    def _rebuild(self) -> None:
        self.exit()
        self.enter()

    # -- actions -------------------------------------------------------------------------------------------
    def handle(self, action: Action) -> Transition | None:
        name, arg = action.name, action.arg
        if self.mode == "results":
            return self._handle_results(name, arg)
        if name == "back":
            if self.job is not None and not self.job.finished:
                self.job.cancel()  # its thread ends on its own once the running replications finish
            return Pop()
        if name == "select" and int(arg) != self.index and int(arg) in self.usable():
            self._choose(int(arg))
        elif name in ("up", "down") and self.items:
            step = -1 if name == "up" else 1
            usable = self.usable()
            if usable:
                pos = usable.index(self.index) if self.index in usable else 0
                self._choose(usable[(pos + step) % len(usable)])
        elif name == "variant":
            self.tab = int(arg)
        elif name == "next_tab" and self.variants:
            self.tab = (self.tab + 1) % len(self.variants)
        elif name == "add_variant" and len(self.variants) < len(NAMES):
            self.variants.append(self.variants[self.tab])
            self.tab = len(self.variants) - 1
            self.message = (f"Variant {NAMES[self.tab]} starts as a copy: change a lever.", "neutral")
        elif name == "remove_variant" and 0 < int(arg) < len(self.variants) and len(self.variants) > 2:
            del self.variants[int(arg)]
            self.tab = min(self.tab, len(self.variants) - 1)
        elif name == "remove_variant":
            self.message = ("A comparison needs the base and at least one variant.", "bad")
        elif name == "replications":
            self.replications = int(arg)
        elif name == "lever":
            self._lever(arg)
        elif name in ("run", "confirm"):
            self._run()
        elif name == "results" and self.job is not None:
            self.mode = "results"
        else:
            return None
        self._rebuild()
        return None

    def _lever(self, arg: Any) -> None:
        key, direction, item = lever_click(arg)
        lever = next((lv for lv in self.levers if lv.key == key), None)
        if lever is None or not self.variants:
            return
        scen, who = self.variants[self.tab], TABS[self.tab]
        new = changed(lever, scen.policies, scen, direction, 0, item)
        if new is None:
            self.message = (f"{who}: {lever.title} cannot go further.", "bad")
            return
        try:
            self.variants[self.tab] = with_policies(scen, {key: new}, who)
        except ScenarioError as exc:
            self.message = (f"{who}: {exc.problems[0].message if exc.problems else exc}", "bad")
            return
        self.message = (f"{who}: {lever.title} {value_text(lever, self.variants[self.tab].policies, None)}.", "good")

    def _run(self) -> None:
        problems = self.problems()
        if problems:
            self.message = (problems[0], "bad")
            return
        if self.job is not None and not self.job.finished:
            self.job.cancel()  # one run at a time
            self.job.wait(30.0)
        self.job = LabJob(self.lab_variants(), self.replications, self.base_seed, self.workers)
        self.run_words = [self.differences(v) for v in range(len(self.variants))]
        self.job.start()
        self.rows, self._rows_at = [], -1
        self.mode, self.view = "results", "chart"
        s = self.ctx.settings
        s.last_scenario = self.items[self.index][0]

    def _handle_results(self, name: str, arg: Any) -> Transition | None:
        job = self.job
        running = job is not None and not job.finished
        if name in ("cancel", "back") and job is not None and running:
            job.cancel()  # Esc while running stops the run; the screen stays
        elif name in ("back", "edit"):
            if job is not None and running:
                job.cancel()
            self.mode = "setup"
        elif name == "view":
            self.view = str(arg)
        elif name == "next_tab":
            self.view = "table" if self.view == "chart" else "chart"
        else:
            return None
        self._rebuild()
        return None

    def update(self, dt: float) -> Transition | None:
        job = self.job
        if job is None:
            return None
        seen = job.done + (1_000_000 if job.finished else 0)
        if seen != self._rows_at:  # new replications (or the end): the lab's statistics once more
            finished = job.finished
            current = job.current()
            self.rows, self.level, self._rows_at = current.rows(), current.level, seen
            if finished and self.mode == "results":
                self._rebuild()  # the Cancel button goes
        return None

    def on_quit(self) -> None:
        if self.job is not None and not self.job.finished:
            self.job.cancel()
            self.job.wait(30.0)

    # -- drawing ---------------------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        (pages.draw_setup if self.mode == "setup" else pages.draw_results)(self, surface)

    def status(self) -> tuple[str, float, tuple[int, int, int]]:
        """The progress line, how full the bar is, and its colour."""
        job = self.job
        if job is None:
            return "", 0.0, MUTED
        share = job.done / job.total if job.total else 1.0
        complete = len(job.current().complete)
        per = f"{complete} of {job.replications} replications of every variant"
        if job.error:
            return f"The run failed: {job.error}", share, BAD
        if job.finished and job.comparison is not None and job.comparison.interrupted:
            return f"Stopped: {per} finished; the figures use those only", share, (150, 160, 172)
        if job.finished:
            return f"Done: {per} ({job.total} runs) in {results_view.clock(job.elapsed())}", 1.0, GOOD
        if job.stopping:
            return f"Stopping: the running replications finish first ({per} so far)", share, (150, 160, 172)
        left = job.elapsed() / job.done * (job.total - job.done) if job.done else None
        eta = "" if left is None else f"  ·  about {results_view.clock(left)} left"
        return f"Running: {job.done} of {job.total} runs  ·  {per}{eta}", share, ACCENT

    def shown(self) -> list[results_view.Cell]:
        """The texts the results show (tests compare them with ``sim.lab.compare``)."""
        return results_view.cells(self.rows)

