"""What the training loop itself reports at each record step.

losses: the critic loss, the penalty and the generator loss of each record interval (their means
over it), and for a Wasserstein critic its W estimate, −d_loss. Recorded in every run.
train_clock: the seconds spent in training steps so far, recording excluded (opt-in: a time is
not reproducible, so it stays out of the histories that must be).
"""

from __future__ import annotations

from .base import Diagnostic


class Losses(Diagnostic):
    def record(self, step, logs):
        out = {name: logs[name] for name in ("d_loss", "penalty", "g_loss") if name in logs}
        if self.model.method.wasserstein and "d_loss" in logs:
            out["w_estimate"] = -logs["d_loss"]
        return out


class TrainClock(Diagnostic):
    def record(self, step, logs):
        return {"train_seconds": logs.get("train_seconds", 0.0)}
