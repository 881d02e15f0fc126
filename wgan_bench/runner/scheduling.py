"""Which runs share a compiled graph, and how a sweep's runs are batched for worker processes.

Free of TensorFlow: a `--jobs` driver plans batches without importing it (~4 s on 2 cores).
"""

from __future__ import annotations

from ..config.loader import RunSpec
from ..config.schema import RunConfig
from ..registry import METHODS


def graph_key(cfg: RunConfig) -> str:
    """What the compiled step depends on. Values assigned per run (a method's `per_run` fields such
    as c, learning rates) and what only sets initial weights (init) or the run length (steps) are
    left out."""
    data = cfg.model_dump()
    data["train"].pop("steps")
    data["record"].pop("checkpoint_every")
    for name in METHODS.meta(cfg.method.name, "per_run", ()):
        data["method"].pop(name)
    for net in ("generator", "critic"):
        data[net].pop("init", None)
    data["generator"].pop("theta", None)
    data["optimizer"].pop("learning_rate")
    data["optimizer"].pop("generator_learning_rate")
    return repr(sorted(data.items()))


def batches_for_workers(todo: list[RunSpec], jobs: int) -> list[list[RunSpec]]:
    """Runs grouped by compiled graph, so each group compiles once in one worker; the largest
    group is halved until there is at least one batch per worker and none holds more than a
    worker's share of the runs (a c sweep is one graph: unsplit, one worker would train it all)."""
    groups: dict[str, list[RunSpec]] = {}
    for spec in todo:
        key = graph_key(spec.config) if spec.config.task != "analysis" else f"analysis:{spec.run_id}"
        groups.setdefault(key, []).append(spec)
    batches = list(groups.values())
    share = -(-len(todo) // jobs)
    while (len(batches) < jobs or max(map(len, batches)) > share) and max(map(len, batches)) > 1:
        big = max(batches, key=len)
        batches.remove(big)
        batches += [big[: len(big) // 2], big[len(big) // 2:]]
    return sorted(batches, key=len, reverse=True)  # longest first: the others fill in around them
