"""Load an experiment YAML, validate it, and resolve it into concrete runs.

A run's configuration is `defaults` <- variant delta <- profile delta <- `--set` overrides,
merged key by key and then validated as a whole `RunConfig`, so an error in a delta is
reported at the delta's own path (e.g. `variants.clip-0.1.method.clip`).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import UserError, problem
from ..registry import ANALYSES, CRITICS, DIAGNOSTICS, FIGURES, GENERATORS, METHODS, allowed_fields, metric_names
from . import architectures
from .schema import AnalysisConfig, Experiment, RunConfig, sub_checks, validate_run_config

PROFILE_KEYS = {"seeds", "variants", "description", "architectures"}
# Tags of the run-task union, which pydantic adds to error locations.
TAGS = {"train-run", "analysis-run"}
# Sections whose `kind` / `name` picks a registry entry's model: (registry, key, default).
TAGGED_SECTIONS = {"generator": (GENERATORS, "kind", "mlp"), "critic": (CRITICS, "kind", "mlp"),
                   "method": (METHODS, "name", None)}
# Error types whose message already says everything (the input is named in it).
SELF_EXPLAINED = {"unknown_name", "unknown_field"}


@dataclass(frozen=True)
class RunSpec:
    """One concrete training run: a variant of an experiment with one seed."""

    experiment: str
    profile: str
    variant: str
    seed: int
    config: RunConfig | AnalysisConfig
    save_generator: bool = True  # the experiment's choice; not part of the configuration (or its hash)

    @property
    def run_id(self) -> str:
        return f"{self.variant}-s{self.seed}"

    @property
    def key(self) -> str:
        """Unique within an invocation: one sweep may hold several experiments' runs."""
        return f"{self.experiment}/{self.run_id}"


@dataclass(frozen=True)
class LoadedExperiment:
    path: Path
    spec: Experiment
    sha256: str
    raw: bytes = field(default=b"", repr=False, compare=False)  # the bytes `sha256` is of

    @property
    def name(self) -> str:
        return self.spec.name

    def resolve(self, profile: str, seeds: list[int] | None = None,
                variants: list[str] | None = None, overrides: list[str] | None = None) -> list[RunSpec]:
        return resolve_runs(self, profile, seeds, variants, overrides)


def deep_merge(base: dict, delta: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in delta.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _loc(parts) -> str:
    return ".".join(str(p) for p in parts)


def format_validation_error(err: ValidationError, file: str, prefix: str = "",
                            model: type[BaseModel] | None = None) -> list[str]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        loc = tuple(p for p in loc if p not in TAGS)
        field = ".".join(x for x in (prefix, _loc(loc)) if x)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            allowed = allowed_fields(model, loc) if model else None
            msg = "unknown field" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif e["type"] == "missing":
            msg = "required field is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        explained = e["type"] in ("missing", "extra_forbidden", *SELF_EXPLAINED)
        if not explained and "input" in e and not isinstance(e["input"], dict):
            msg += f" (got {e['input']!r})"
        out.append(problem(file, field, msg))
    return out


def parse_set(assignment: str) -> tuple[list[str], Any]:
    """`train.steps=20` -> (['train', 'steps'], 20); the value is parsed as YAML."""
    if "=" not in assignment:
        raise UserError(problem("--set", assignment, "expected dotted.path=value"))
    path, raw = assignment.split("=", 1)
    keys = [k for k in path.strip().split(".") if k]
    if not keys:
        raise UserError(problem("--set", assignment, "empty field path"))
    return keys, yaml.safe_load(raw)


def _nest(keys: list[str], value: Any) -> dict:
    out: Any = value
    for key in reversed(keys):
        out = {key: out}
    return out


def load_experiment(path: str | Path) -> LoadedExperiment:
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise UserError(problem(file, None, "no such experiment file"))
    raw_bytes = path.read_bytes()
    try:
        data = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise UserError(problem(file, _yaml_where(exc, raw_bytes), f"malformed YAML: {_yaml_why(exc)}")) from None
    if not isinstance(data, dict):
        raise UserError(problem(file, None, "expected a mapping of experiment fields at the top level"))
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as err:
        raise UserError(format_validation_error(err, file, model=Experiment)) from None

    problems: list[str] = []
    if spec.name != path.stem:
        problems.append(problem(file, "name", f"must equal the file name stem {path.stem!r} (got {spec.name!r})"))
    exp = LoadedExperiment(path=path, spec=spec, sha256=hashlib.sha256(raw_bytes).hexdigest(), raw=raw_bytes)

    problems += _validate_defaults(exp)
    for variant in spec.variants:
        problems += _validate_config(exp, variant, None, [], f"variants.{variant}")
    for pname, prof in spec.profiles.items():
        for i, v in enumerate(prof.variants or []):
            if v not in spec.variants:
                problems.append(problem(file, f"profiles.{pname}.variants.{i}",
                                        f"unknown variant {v!r}; allowed: {', '.join(spec.variants)}"))
        for variant in prof.variants or spec.variants:
            if variant in spec.variants:
                problems += _validate_config(exp, variant, pname, [], f"profiles.{pname}")
    problems += _check_architectures(exp)
    problems += _check_references(exp)
    if problems:
        raise UserError(sorted(set(problems), key=problems.index))
    return exp


def _yaml_where(exc: yaml.YAMLError, raw: bytes) -> str | None:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(exc, yaml.reader.ReaderError):  # a byte YAML cannot hold: no mark, a position
        line = raw[:exc.position].count(b"\n") + 1
        return f"line {line}"
    return None


def _yaml_why(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"unacceptable character {exc.character!r} ({exc.reason})"
    return " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line


def _check_references(exp: LoadedExperiment) -> list[str]:
    spec, file, out = exp.spec, str(exp.path), []
    known = list(spec.variants)

    def need(variant: str, field: str):
        if variant not in spec.variants:
            out.append(problem(file, field, f"unknown variant {variant!r}; allowed: {', '.join(known)}"))

    for i, claim in enumerate(spec.claims):
        checks = sub_checks(claim.check)
        for k, c in enumerate(checks):
            base = f"claims.{i}.check" + (f".checks.{k}" if c is not claim.check else "")
            for attr in ("variant", "a", "b"):
                if hasattr(c, attr):
                    need(getattr(c, attr), f"{base}.{attr}")
            for j, v in enumerate(getattr(c, "variants", []) or []):
                need(v, f"{base}.variants.{j}")
    for i, claim in enumerate(spec.claims):
        for j, p in enumerate(claim.profiles or []):
            if p not in spec.profiles:
                out.append(problem(file, f"claims.{i}.profiles.{j}",
                                   f"unknown profile {p!r}; allowed: {', '.join(spec.profiles) or '(none declared)'}"))
    out += _check_metrics(exp)
    out += _check_sweep_params(exp)
    ids = [c.id for c in spec.claims]
    for i, cid in enumerate(ids):
        if ids.index(cid) != i:
            out.append(problem(file, f"claims.{i}.id", f"duplicate claim id {cid!r}"))
    for i, reg in enumerate(spec.regression):
        need(reg.variant, f"regression.{i}.variant")
    for i, fig in enumerate(spec.report.figures):
        for j, v in enumerate(getattr(fig, "variants", []) or []):
            need(v, f"report.figures.{i}.variants.{j}")
        if getattr(fig, "variant", None) is not None:
            need(fig.variant, f"report.figures.{i}.variant")
    return out


def _check_architectures(exp: LoadedExperiment) -> list[str]:
    """Per-variant choices name the variants a space serves, and every choice makes a valid run of
    each of them, under every profile (a profile without a space of its own uses the experiment's)."""
    spec, file, out = exp.spec, str(exp.path), []
    uses = [(None, spec.architectures, "architectures", list(spec.variants))]
    for name, prof in spec.profiles.items():
        uses.append((name, architectures.space_for(spec, name),
                     f"profiles.{name}.architectures" if prof.architectures is not None else "architectures",
                     [v for v in prof.variants or spec.variants if v in spec.variants]))
    for profile, space, where, variants in uses:
        if space is None:
            continue
        found = [problem(file, f"{where}{field[len('architectures'):]}", why)
                 for field, why in architectures.problems(space, variants)]
        out += found
        for variant in [] if found else variants:
            if _invalid(_merged(exp, variant, profile, [])):
                continue  # the variant's own error, reported at its own path
            for i in range(architectures.widest(space)):
                merged = _merged(exp, variant, profile, [], architectures.nth(space, i, variant))
                try:
                    validate_run_config(merged)
                except ValidationError as err:
                    out += format_validation_error(err, file, where, model=_model_for(merged))
    return out


def _invalid(cfg: dict) -> bool:
    try:
        validate_run_config(cfg)
    except ValidationError:
        return True
    return False


def _variant_metrics(exp: LoadedExperiment) -> dict[str, set[str]]:
    """The metrics each (valid) variant records as written, without a profile."""
    out = {}
    for variant in exp.spec.variants:
        try:
            cfg = validate_run_config(_merged(exp, variant, None, []))
        except ValidationError:
            continue  # reported elsewhere
        if cfg.task == "analysis":
            names = [cfg.analysis]
            registry = ANALYSES
        else:
            names, registry = cfg.diagnostics, DIAGNOSTICS
        out[variant] = {m for n in names for m in registry.meta(n, "metrics", {})}
    return out


def _check_sweep_params(exp: LoadedExperiment) -> list[str]:
    """A figure's `param` names a configuration value: a dotted path to a field, not a section."""
    out = []
    for i, fig in enumerate(exp.spec.report.figures):
        if getattr(fig, "param", None) is None:
            continue
        for variant in exp.spec.variants:
            try:
                value = validate_run_config(_merged(exp, variant, None, [])).model_dump()
            except ValidationError:
                continue  # reported elsewhere
            for key in fig.param.split("."):
                value = value.get(key, KeyError) if isinstance(value, dict) else KeyError
            if value is not KeyError and not isinstance(value, dict):
                break
        else:
            out.append(problem(str(exp.path), f"report.figures.{i}.param",
                               f"{fig.param!r} is not a configuration value of any variant (e.g. method.clip)"))
    return out


def _check_metrics(exp: LoadedExperiment) -> list[str]:
    """Every metric a claim, regression entry, figure or table names is one a diagnostic or an
    analysis records (`layer` given exactly for per-layer ones), and one its variant records."""
    spec, file, out = exp.spec, str(exp.path), []
    known, recorded = metric_names(), _variant_metrics(exp)

    def need(metric, layer, field, variants=(), layer_field=True):
        if metric is None:
            return
        facts = known.get(metric)
        if facts is None:
            out.append(problem(file, field, f"unknown metric {metric!r}; allowed: {', '.join(sorted(known))}"))
            return
        if layer_field and facts["per_layer"] and layer is None:
            out.append(problem(file, field, f"metric {metric!r} is recorded per layer: give `layer`"))
        elif layer_field and not facts["per_layer"] and layer is not None:
            out.append(problem(file, field, f"metric {metric!r} is not recorded per layer: drop `layer`"))
        for v in variants:
            if v in recorded and metric not in recorded[v]:
                by = " or ".join(facts["by"])
                out.append(problem(file, field, f"variant {v} does not record {metric!r}; it comes from {by} "
                                                f"(add it to the variant's record.diagnostics)"))

    for i, claim in enumerate(spec.claims):
        checks = sub_checks(claim.check)
        for k, c in enumerate(checks):
            base = f"claims.{i}.check" + (f".checks.{k}" if c is not claim.check else "")
            variants = [getattr(c, a) for a in ("variant", "a", "b") if hasattr(c, a)]
            variants += list(getattr(c, "variants", []))
            need(getattr(c, "metric", None), getattr(c, "layer", None), f"{base}.metric", variants)
            need(getattr(c, "metric_y", None), None, f"{base}.metric_y", variants)
    for i, reg in enumerate(spec.regression):
        need(reg.metric, reg.layer, f"regression.{i}.metric", [reg.variant])
    for i, fig in enumerate(spec.report.figures):
        need(getattr(fig, "metric", None), getattr(fig, "layer", None), f"report.figures.{i}.metric",
             layer_field=not FIGURES.meta(fig.kind, "per_layer_metric"))
        need(getattr(fig, "rho_with", None), None, f"report.figures.{i}.rho_with")
        need(getattr(fig, "x", None), None, f"report.figures.{i}.x")
        for j, metric in enumerate(getattr(fig, "metrics", []) or []):
            need(metric, None, f"report.figures.{i}.metrics.{j}")
        for j, line in enumerate(getattr(fig, "lines", []) or []):
            need(line.metric, None, f"report.figures.{i}.lines.{j}.metric")
    for i, table in enumerate(spec.report.tables):
        for j, row in enumerate(table.rows):
            need(row.metric, row.layer, f"report.tables.{i}.rows.{j}.metric")
    return out


def _kind(section: str, value) -> object:
    """The registry entry a tagged section picks (its default when unsaid); None for a value that
    is not a mapping."""
    _, key, default = TAGGED_SECTIONS[section]
    return value.get(key, default) if isinstance(value, dict) else None


def _task(d: dict) -> str:
    return d.get("task", "train")


def drop_other_kinds(cfg: dict, explicit: dict) -> dict:
    """Drop fields of a tagged section (generator, critic, method) inherited from defaults of
    another kind, or from a profile, that belong only to other entries than the one chosen, e.g.
    `filters` when a variant switches to an MLP or `gp_weight` when it switches to clipping.
    Fields written for this entry (`explicit`) stay, to be reported if wrong."""
    for section, (registry, _, _) in TAGGED_SECTIONS.items():
        value, kind = cfg.get(section), _kind(section, cfg.get(section))
        if isinstance(kind, str) and kind in registry:
            models = [e.config for e in registry.entries() if e.config is not None]
            written = explicit.get(section)
            own = set(registry.get(kind).config.model_fields) | set(written if isinstance(written, dict) else {})
            others = set().union(*(m.model_fields for m in models)) - own
            cfg[section] = {k: v for k, v in value.items() if k not in others}
    return cfg


def _merged(exp: LoadedExperiment, variant: str, profile: str | None, overrides: list[str],
            arch: dict | None = None) -> dict:
    """defaults <- variant <- profile <- `arch` (a drawn architecture) <- --set. A variant of
    another task than the defaults (an analysis among training runs) starts from nothing, and
    profiles apply to the defaults' task."""
    spec = exp.spec
    delta = spec.variants[variant]
    same_task = _task(delta) == _task(spec.defaults) or "task" not in delta
    cfg = deep_merge(spec.defaults, delta) if same_task else copy.deepcopy(delta)
    if profile and profile in spec.profiles and same_task:
        pdelta = {k: v for k, v in spec.profiles[profile].model_dump().items() if k not in PROFILE_KEYS}
        pdelta.update(spec.profiles[profile].model_extra or {})
        cfg = deep_merge(cfg, pdelta)
    explicit = copy.deepcopy(delta)
    if arch and _task(cfg) == "train":  # an analysis has no networks to draw
        cfg, explicit = deep_merge(cfg, arch), deep_merge(explicit, arch)
    for section in TAGGED_SECTIONS:
        base = spec.defaults.get(section)
        if same_task and isinstance(base, dict) and _kind(section, base) == _kind(section, cfg.get(section)):
            explicit = deep_merge({section: base}, explicit)
    for assignment in overrides:
        keys, value = parse_set(assignment)
        if same_task or keys[0] in _model_for(cfg).model_fields:
            cfg = deep_merge(cfg, _nest(keys, value))
            explicit = deep_merge(explicit, _nest(keys, value))
    return drop_other_kinds(cfg, explicit)


def _model_for(cfg: dict) -> type[BaseModel]:
    return AnalysisConfig if _task(cfg) == "analysis" else RunConfig


def _validate_defaults(exp) -> list[str]:
    """`defaults` is one full run configuration (DESIGN §3), valid even where every variant
    overrides its bad field."""
    try:
        validate_run_config(copy.deepcopy(exp.spec.defaults))
    except ValidationError as err:
        return format_validation_error(err, str(exp.path), "defaults", model=_model_for(exp.spec.defaults))
    return []


def _validate_config(exp, variant, profile, overrides, prefix) -> list[str]:
    merged = _merged(exp, variant, profile, overrides)
    try:
        validate_run_config(merged)
    except ValidationError as err:
        return format_validation_error(err, str(exp.path), prefix, model=_model_for(merged))
    return []


def resolve_runs(exp: LoadedExperiment, profile: str, seeds: list[int] | None = None,
                 variants: list[str] | None = None, overrides: list[str] | None = None) -> list[RunSpec]:
    spec, file, overrides = exp.spec, str(exp.path), list(overrides or [])
    if profile != "default" and profile not in spec.profiles:
        allowed = ", ".join(["default", *spec.profiles])
        raise UserError(problem(file, "profiles", f"no profile {profile!r}; allowed: {allowed}"))
    prof = spec.profiles.get(profile)
    chosen = variants or (prof.variants if prof and prof.variants else list(spec.variants))
    unknown = [v for v in chosen if v not in spec.variants]
    if unknown:
        raise UserError(problem(file, "--variant", f"unknown variant(s) {', '.join(unknown)}; "
                                                   f"allowed: {', '.join(spec.variants)}"))
    run_seeds = seeds or (prof.seeds if prof and prof.seeds else spec.seeds)
    runs, problems = [], []
    space = architectures.space_for(spec, profile)
    for variant in chosen:
        for seed in run_seeds if space else run_seeds[:1]:
            merged = _merged(exp, variant, profile, overrides, space and architectures.draw(space, seed, variant))
            try:
                cfg = validate_run_config(merged)
            except ValidationError as err:
                where = "--set" if overrides else f"variants.{variant}" + (f" (seed {seed})" if space else "")
                problems += format_validation_error(err, file if not overrides else f"{file} (with --set)",
                                                    "" if overrides else where, model=_model_for(merged))
                continue
            runs += [RunSpec(spec.name, profile, variant, s, cfg, spec.save_generator)
                     for s in ([seed] if space else run_seeds)]
    if problems:
        raise UserError(sorted(set(problems), key=problems.index))
    return runs


def discover(paths: list[str] | None = None, root: str | Path = "experiments") -> list[LoadedExperiment]:
    """Load the named experiment files, or every `*.yaml` under `root`."""
    if paths:
        files = [Path(p) for p in paths]
    else:
        root = Path(root)
        if not root.is_dir():
            raise UserError(problem(str(root), None, "experiments folder not found (run from the repository root)"))
        files = sorted(root.glob("*.yaml"))
    problems, out = [], []
    for f in files:
        try:
            out.append(load_experiment(f))
        except UserError as err:
            problems += err.problems
    if problems:
        raise UserError(problems)
    return out
