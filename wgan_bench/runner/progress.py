"""Progress display: one bar per active run (steps, rate, ETA), one for the whole sweep, and a
line per finished run."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

POLL_S = 0.25  # how often a driver whose runs train elsewhere refreshes progress


class RunProgress:
    """`title` names the sweep; a sweep over several experiments labels each run's bar with its
    experiment."""

    def __init__(self, title: str, runs, console: Console | None):
        self.runs = runs
        self.qualified = len({r.experiment for r in runs}) > 1
        self.total = sum(r.config.total_steps for r in runs)
        self.enabled = console is not None and bool(runs)
        self.console = console
        self._tasks: dict[str, int] = {}
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[cyan]{task.fields[rate]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, transient=False, disable=not self.enabled)
        self._overall = self._progress.add_task(f"[bold]{title}[/bold] ({len(runs)} runs)",
                                                total=self.total, rate="")

    def __enter__(self):
        self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        self._progress.__exit__(*exc)

    def start(self, spec) -> None:
        task = self._tasks.get(spec.key)
        if task is not None:  # a retried run starts over on its own bar
            self._progress.advance(self._overall, -self._task(task).completed)
            self._progress.reset(task)
            return
        self._tasks[spec.key] = self._progress.add_task(f"  {self._label(spec)}", total=spec.config.total_steps,
                                                        rate="")

    def _task(self, task_id):
        # Progress.tasks is a list, not indexed by id once finished runs' bars are removed.
        return next(t for t in self._progress.tasks if t.id == task_id)

    def _label(self, spec) -> str:
        return spec.key if self.qualified else spec.run_id

    def note(self, text: str) -> None:
        """A line above the bars (e.g. a retry)."""
        if self.enabled:
            self._progress.console.print(text)

    def advance(self, spec, n: int) -> None:
        task = self._tasks.get(spec.key)
        if task is None:
            self.start(spec)
            task = self._tasks[spec.key]
        self._progress.advance(task, n)
        self._progress.advance(self._overall, n)
        for t in (task, self._overall):
            speed = self._task(t).speed
            self._progress.update(t, rate=f"{speed:6.1f} it/s" if speed else "")

    def finish(self, spec, result) -> None:
        """The run's bar gives way to a line above the bars: a sweep over every experiment holds
        hundreds of runs, and only the active ones keep a bar."""
        task = self._tasks.pop(spec.key, None)
        done = self._task(task).completed if task is not None else 0
        self._progress.advance(self._overall, spec.config.total_steps - done)  # diverged/failed runs stop early
        if task is not None:
            self._progress.remove_task(task)
        colour = {"ok": "green", "diverged": "yellow", "failed": "red"}[result.status]
        self.note(f"  {self._label(spec)} [{colour}]{result.status}[/{colour}] {result.wall_s:.0f}s")
