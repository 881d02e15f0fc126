"""What one run returns to the driver (picklable; no TensorFlow)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunResult:
    run_id: str
    variant: str
    seed: int
    status: str  # ok | diverged | failed
    steps: int
    wall_s: float
    history: list[dict] = field(default_factory=list)
    artifacts: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # stored as they are (the generator's weights)
    error: str | None = None
    device: str | None = None  # where it trained (a Ray run may train on another machine's GPU)
