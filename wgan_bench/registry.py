"""Registries: the one place where every pluggable name lives (DESIGN §3, "Extension points").

A registry maps a name to an `Entry`: its implementation (`target`, an object or a lazily
imported "module:attr" string), the pydantic model of its configuration where it has one, and
facts the rest of the suite reads (`meta`, e.g. a data set's dimension or the metrics a
diagnostic records). The YAML schema takes its allowed names, and its error messages, from
here; the built-in entries are registered in `wgan_bench.builtin`, a user's through
`wgan_bench.register(...)` or a `wgan_bench.plugins` entry point (loaded on first use).

This module must not import TensorFlow: targets are imported only when something runs them.
"""

from __future__ import annotations

import importlib
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Mapping

from pydantic import BaseModel, PlainSerializer, PlainValidator, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

PLUGIN_GROUP = "wgan_bench.plugins"


@dataclass(frozen=True)
class Entry:
    name: str
    target: Any  # the implementation, or "package.module:attr"
    config: type[BaseModel] | None = None
    doc: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def load(self):
        if not isinstance(self.target, str):
            return self.target
        module, _, attr = self.target.partition(":")
        obj = importlib.import_module(module)
        for part in attr.split(".") if attr else []:
            obj = getattr(obj, part)
        return obj


class Registry:
    """Named entries of one kind (`what` is how messages call them, e.g. "data set")."""

    def __init__(self, kind: str, what: str, key: str = "name"):
        self.kind, self.what, self.key = kind, what, key
        self.config_base: type[BaseModel] | None = None  # what entries' config models must subclass
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, target: Any, config: type[BaseModel] | None = None, doc: str = "",
                 replace: bool = False, **meta) -> Entry:
        if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"{self.kind} name {name!r}: use letters, digits, '_' and '-'")
        entry = Entry(name, target, config, doc, dict(meta))
        if self._entries.get(name) == entry:
            return entry  # the same registration again (a plugin's hook run twice)
        if self._entries.get(name) is not None and not replace:
            raise ValueError(f"{self.kind} {name!r} is already registered (pass replace=True to override it)")
        if self.key != "name" or self.config_base is not None:
            if not (isinstance(config, type) and issubclass(config, self.config_base or BaseModel)):
                raise ValueError(f"{self.kind} {name!r} needs a config model (a subclass of "
                                 f"{(self.config_base or BaseModel).__name__})")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def entries(self) -> list[Entry]:
        load_plugins()
        return list(self._entries.values())

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    def __contains__(self, name) -> bool:
        return name in self.names()

    def allowed(self) -> str:
        return ", ".join(self.names())

    def get(self, name: str) -> Entry:
        load_plugins()
        if name not in self._entries:
            raise KeyError(f"unknown {self.what} {name!r}; allowed: {self.allowed()}")
        return self._entries[name]

    def load(self, name: str):
        return self.get(name).load()

    def meta(self, name: str, key: str, default=None):
        return self.get(name).meta.get(key, default)

    def where(self, **meta) -> list[str]:
        """Names whose meta has all these values."""
        return [e.name for e in self.entries() if all(e.meta.get(k) == v for k, v in meta.items())]

    # ------------------------------------------------------------ pydantic glue
    def _unknown(self, name) -> PydanticCustomError:
        return PydanticCustomError("unknown_name", _literal(f"unknown {self.what} {name!r}; allowed: {self.allowed()}"))

    def name_field(self):
        """A `str` field whose value must be one of this registry's names."""

        def check(value):
            if not isinstance(value, str) or value not in self:
                raise self._unknown(value)
            return value

        return Annotated[str, PlainValidator(check, json_schema_input_type=str)]

    def record_field(self, default: str | None = None):
        """A mapping validated by the config model of the entry its `key` names: a tagged union
        whose members come from this registry. Errors name the chosen member's own fields."""

        def validate(value):
            if isinstance(value, BaseModel):
                return value
            if not isinstance(value, dict):
                raise PydanticCustomError("not_a_mapping", "expected a mapping with `{key}`", {"key": self.key})
            name = value.get(self.key, default)
            if name is None:
                raise _error([("missing", (self.key,), value, None)])
            if not isinstance(name, str) or name not in self:
                raise _error([(self._unknown(name), (self.key,), name, None)])
            model = self.get(name).config
            try:
                return model.model_validate(value)
            except ValidationError as err:
                raise _with_allowed_fields(err, model) from None

        return Annotated[Any, PlainValidator(validate, json_schema_input_type=dict),
                         PlainSerializer(lambda v: v.model_dump(), return_type=dict)]


def _error(items) -> ValidationError:
    details = [InitErrorDetails(type=t, loc=loc, input=inp) if ctx is None else
               InitErrorDetails(type=t, loc=loc, input=inp, ctx=ctx) for t, loc, inp, ctx in items]
    return ValidationError.from_exception_data("record", details)


def _with_allowed_fields(err: ValidationError, model: type[BaseModel]) -> ValidationError:
    """`err` with each 'extra field' error saying which fields the chosen model allows."""
    items = []
    for e in err.errors():
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden":
            allowed = allowed_fields(model, loc)
            msg = "unknown field" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
            items.append((PydanticCustomError("unknown_field", _literal(msg)), loc, e.get("input"), None))
        elif e["type"] in ("missing",):
            items.append(("missing", loc, e.get("input"), None))
        else:
            msg = e["msg"][len("Value error, "):] if e["msg"].startswith("Value error, ") else e["msg"]
            items.append((PydanticCustomError(e["type"], _literal(msg)), loc, e.get("input"), None))
    return _error(items)


def _literal(message: str) -> str:
    """`message` as a pydantic error template that formats to itself."""
    return message.replace("{", "{{").replace("}", "}}")


def allowed_fields(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names allowed at the parent of `loc` inside `model` (None where it cannot tell)."""
    current: Any = model
    parts, i = list(loc[:-1]), 0
    while i < len(parts):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        spec = current.model_fields.get(str(parts[i]))
        if spec is None:
            return None
        if typing.get_origin(spec.annotation) in (dict, list):
            i += 1  # the next part is a key or an index
        current = _unwrap(spec.annotation)
        i += 1
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return None


def _unwrap(annotation):
    """The model class inside Optional / list / dict annotations, when there is exactly one."""
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if len(models) == 1:
        return models[0]
    for a in args:
        inner = _unwrap(a)
        if inner is not None:
            return inner
    return None


# ---------------------------------------------------------------- the registries
DATASETS = Registry("dataset", "data set")
GENERATORS = Registry("generator", "generator kind", key="kind")
CRITICS = Registry("critic", "critic kind", key="kind")
ACTIVATIONS = Registry("activation", "activation")
NORMS = Registry("norm", "normalisation layer")
LOSSES = Registry("loss", "loss")
METHODS = Registry("method", "method")
DIAGNOSTICS = Registry("diagnostic", "diagnostic")
ANALYSES = Registry("analysis", "analysis")
REDUCERS = Registry("reducer", "reducer")
AGGREGATES = Registry("aggregate", "aggregate")
CHECKS = Registry("check", "check kind", key="kind")
FIGURES = Registry("figure", "figure kind", key="kind")

REGISTRIES: dict[str, Registry] = {r.kind: r for r in (DATASETS, GENERATORS, CRITICS, ACTIVATIONS, NORMS, LOSSES,
                                                       METHODS, DIAGNOSTICS, ANALYSES, REDUCERS, AGGREGATES,
                                                       CHECKS, FIGURES)}
_state = {"builtin": False, "plugins": False}


def load_plugins() -> None:
    """Register the built-in entries, then every `wgan_bench.plugins` entry point (once)."""
    if not _state["builtin"]:
        _state["builtin"] = True
        importlib.import_module("wgan_bench.builtin")
    if _state["plugins"]:
        return
    _state["plugins"] = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=PLUGIN_GROUP):
        hook = ep.load()
        if callable(hook):
            hook()


def register(kind: str, name: str, target: Any, config: type[BaseModel] | None = None, doc: str = "",
             replace: bool = False, **meta) -> Entry:
    """Add a loss, method, network, data set, diagnostic, ... to the suite (see README,
    "Add your method"). `kind` is one of `REGISTRIES`."""
    if kind not in REGISTRIES:
        raise ValueError(f"unknown registry {kind!r}; allowed: {', '.join(REGISTRIES)}")
    load_plugins()
    return REGISTRIES[kind].register(name, target, config, doc, replace, **meta)


def metric_names() -> dict[str, dict]:
    """Every metric any diagnostic, analysis or the training losses record: name -> facts
    (`per_layer`, and the diagnostic or analysis that records it)."""
    out: dict[str, dict] = {}
    for reg in (DIAGNOSTICS, ANALYSES):
        for e in reg.entries():
            for metric, facts in e.meta.get("metrics", {}).items():
                out.setdefault(metric, {**facts, "by": []})["by"].append(e.name)
    return out

