"""The sweep's progress display: bars for active runs only, a line per finished run."""

import io
from types import SimpleNamespace

from rich.console import Console

from wgan_bench.runner.progress import RunProgress
from wgan_bench.runner.result import RunResult


def _spec(experiment, run_id, steps=100):
    return SimpleNamespace(experiment=experiment, run_id=run_id, key=f"{experiment}/{run_id}",
                           config=SimpleNamespace(total_steps=steps))


def test_a_finished_run_leaves_a_line_and_gives_up_its_bar():
    out = io.StringIO()
    runs = [_spec("one", "gp-s0"), _spec("two", "gp-s0"), _spec("two", "clip-s0")]
    with RunProgress("3 experiments", runs, Console(file=out, width=120, force_terminal=False)) as progress:
        for spec in runs[:2]:
            progress.start(spec)
            progress.advance(spec, 40)
        progress.finish(runs[0], RunResult("gp-s0", "gp", 0, "diverged", 40, 12.0))
        progress.advance(runs[1], 10)  # bars keep their ids when one before them goes
        progress.start(runs[2])
        active = [t.description.strip() for t in progress._progress.tasks]
        overall = progress._progress.tasks[0]
        assert active == ["[bold]3 experiments[/bold] (3 runs)", "two/gp-s0", "two/clip-s0"]  # same run ids told apart
        assert overall.completed == 100 + 50  # a run that stopped early counts as done
        assert progress._progress.tasks[1].completed == 50
    assert "one/gp-s0 diverged 12s" in out.getvalue()


def test_a_single_experiment_labels_runs_by_run_id():
    runs = [_spec("one", "gp-s0")]
    progress = RunProgress("one", runs, None)
    assert progress._label(runs[0]) == "gp-s0"
