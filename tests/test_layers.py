"""Layers point one way: data -> nets -> methods -> metrics -> diagnostics/analyses -> runner ->
store -> claims -> report -> commands/cli. A module may import its own layer and lower ones only
(imports inside functions count too)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wgan_bench"
# Below everything: names, errors, configuration, registries, TensorFlow settings, tf-gan loading.
FOUNDATION = {"__init__", "errors", "config", "registry", "builtin", "tf_setup", "compat"}
LAYERS = ["data", "nets", "methods", "metrics", "diagnostics", "analyses", "runner", "store", "claims", "report",
          "commands", "cli", "__main__"]
RANK = {name: 0 for name in FOUNDATION} | {name: i + 1 for i, name in enumerate(LAYERS)}
RANK["analyses"] = RANK["diagnostics"]  # siblings: both read metrics, neither imports the other


def _layer(module: str) -> str:
    return module.split(".")[0]


def _imports(path: Path, source: str | None = None) -> set[str]:
    """wgan_bench-internal modules imported by `path`, relative to the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    out = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:len(here) - node.level])
                out.add(".".join(base + ([node.module] if node.module else [])) or "__init__")
            elif node.module and node.module.startswith("wgan_bench."):
                out.add(node.module.removeprefix("wgan_bench."))
        elif isinstance(node, ast.Import):
            out |= {a.name.removeprefix("wgan_bench.") for a in node.names if a.name.startswith("wgan_bench.")}
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert {_layer(".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in MODULES} <= set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    own = _layer(".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    up = sorted(m for m in _imports(path) if RANK[_layer(m)] > RANK[own])
    assert not up, f"{own} imports higher layers: {up}"


def test_the_check_catches_an_upward_import():
    assert _imports(PACKAGE / "nets" / "x.py", "def f():\n    from ..runner.train import Trainer\n") == {"runner.train"}
