"""A run configuration's identity: the hash that says whether a stored run is the run the
experiment file describes now (resume, stale-result checks, checkpoint folders)."""

from __future__ import annotations

import hashlib
import json

# How a run is kept, not what it computes: a resumed run equals an uninterrupted one.
NOT_HASHED = (("record", "checkpoint_every"),)
# Fields added after baselines were stored count only when set away from their default, so the
# stored runs of configurations that do not use them keep their hash (and are not rerun).
HASHED_WHEN_SET = {("dataset", "synthetic"): None, ("record", "inception_network"): "file",
                   ("method", "instance_noise"): 0.0, ("record", "retrain", "points"): 20}


def _copied(config: dict) -> dict:
    return {k: _copied(v) if isinstance(v, dict) else v for k, v in config.items()}


def _parent(config: dict, path: tuple) -> dict:
    for block in path[:-1]:
        config = config.get(block) or {}
    return config


def config_hash(config: dict) -> str:
    config = _copied(config)
    for path in NOT_HASHED:
        _parent(config, path).pop(path[-1], None)
    for path, default in HASHED_WHEN_SET.items():
        parent = _parent(config, path)
        if parent.get(path[-1], default) == default:
            parent.pop(path[-1], None)
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
