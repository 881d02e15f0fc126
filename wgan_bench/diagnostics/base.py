"""What a diagnostic is: one module, one `Diagnostic` subclass, one `diagnostic` registry entry.

The entry (wgan_bench.builtin, or a plugin's `register`) names the metrics it records, the
artifacts it keeps, whether it runs only at quality steps and what setup it needs. The class
compiles what it needs once per compiled model (`__init__`); the same instance then serves every
run of that model (seeds, variants differing in values), so the recorder calls `start` at the
beginning of each run (reset per-run state there), `record` at each record step and
`artifacts` at the end.
Diagnostics sample from the model's own diagnostics stream, so recording never changes training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

Values = Mapping[str, float | Sequence[float]]  # a sequence: one value per layer, layer 1 first


@dataclass(frozen=True)
class Context:
    """What the trainer lends diagnostics: a cache folder shared between runs, and a builder of
    a second critic like the run's (architecture, method options)."""

    cache_dir: Path
    build_critic: Callable


class Diagnostic:
    artifact: str | None = None  # the name `latest` is kept under
    persist: tuple[str, ...] = ()  # per-run attributes (set in `start`) a checkpoint keeps, besides `latest`

    def __init__(self, model, cfg, context: Context):
        self.model, self.cfg, self.context, self.latest = model, cfg, context, None

    def start(self, cfg) -> Values:
        """A new run on this compiled model begins (`cfg` is its configuration); returns values
        recorded once, at step 0."""
        self.cfg, self.latest = cfg, None  # `latest`: the arrays of the run's last record step
        return {}

    def record(self, step: int, logs: Mapping[str, float]) -> Values:
        """Values at a record step; `logs` are the training losses of the last interval."""
        raise NotImplementedError

    def persistent_state(self) -> dict:
        """What a checkpoint keeps of this run's state (runner/checkpoint.py)."""
        return {name: getattr(self, name) for name in (*self.persist, "latest")}

    def restore_state(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def artifacts(self) -> dict[str, dict[str, np.ndarray]]:
        """Arrays kept with the run, by artifact name: by default the last record step's arrays
        (`latest`) under the class's `artifact` name."""
        return {self.artifact: self.latest} if self.artifact and self.latest is not None else {}
