"""Which stored runs the experiment file still describes.

A stored run is current when its configuration hash is the one the experiment file resolves to
now for its variant and seed (with the overrides it was stored under). A run stored before a
variant's setting was edited, or of a variant the file no longer has, is stale: claims and
figures leave it out, and `check` refuses a stale baseline.
"""

from __future__ import annotations

from ..config.hashing import config_hash
from ..config.loader import LoadedExperiment, RunSpec
from ..errors import UserError
from .results import ResultStore


def base_profile(stored_profile: str) -> str:
    """The profile a store folder holds: `quick+1a2b3c4d` (runs with --set overrides) is `quick`'s."""
    return stored_profile.split("+", 1)[0]


def stale_run_ids(exp: LoadedExperiment, store: ResultStore, overrides: list[str] | None = None) -> list[str]:
    """The stored runs of `store` that `exp` no longer describes, in run_id order. `overrides`
    defaults to the ones its manifest records. A store from before runs kept their hash has none."""
    runs = store.runs()
    if not len(runs) or "config_hash" not in runs:
        return []
    expected = {rid: config_hash(spec.config.model_dump()) for rid, spec in _resolved(exp, store, overrides).items()}
    return sorted(r.run_id for r in runs.itertuples() if expected.get(r.run_id) != r.config_hash)


def stored_specs(exp: LoadedExperiment, store: ResultStore, overrides: list[str] | None = None) -> list[RunSpec]:
    """The runs `store` reads (a view without its stale runs), as the file resolves them now."""
    resolved = _resolved(exp, store, overrides)
    return [resolved[rid] for rid in store.runs()["run_id"] if rid in resolved] if resolved else []


def _resolved(exp: LoadedExperiment, store: ResultStore, overrides: list[str] | None) -> dict[str, RunSpec]:
    runs = store.runs()
    known = runs[runs["variant"].isin(list(exp.spec.variants))] if len(runs) else runs
    if not len(known):
        return {}
    if overrides is None:
        overrides = store.manifest().get("overrides") or []
    seeds = sorted({int(s) for s in known["seed"]})
    variants = sorted(set(known["variant"]))
    try:
        specs = exp.resolve(base_profile(store.profile), seeds, variants, overrides)
    except UserError:  # the file no longer has this profile, or the stored --set no longer validates
        return {}
    return {spec.run_id: spec for spec in specs}


def rerun_command(exp: LoadedExperiment, store: ResultStore) -> str:
    """The `run` that retrains a store's runs in place (with the --set overrides it was run with)."""
    sets = "".join(f" --set {o}" for o in store.manifest().get("overrides") or [])
    return f"wgan-bench run {exp.path} --profile {base_profile(store.profile)}{sets} --results {store.root}"


def describe_stale(stale: list[str], limit: int = 6) -> str:
    shown = ", ".join(stale[:limit]) + (f" and {len(stale) - limit} more" if len(stale) > limit else "")
    return f"{len(stale)} stored run(s) trained with a configuration the experiment file no longer gives ({shown})"
