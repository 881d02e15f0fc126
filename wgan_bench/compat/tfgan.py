"""Load tensorflow-gan's `losses` and `eval` modules without its top-level package `__init__`.

`import tensorflow_gan` fails on TensorFlow >= 2.16: the package `__init__` imports its
estimator module, which needs the removed `tf.estimator`. The loss and evaluation modules
themselves work, so we register empty parent packages pointing at the installed folders and
import only the submodules we need.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path


def _stub_package(name: str, path: Path) -> None:
    if name in sys.modules:
        return
    module = types.ModuleType(name)
    module.__path__ = [str(path)]
    module.__package__ = name
    sys.modules[name] = module


def _install_stubs() -> None:
    spec = importlib.util.find_spec("tensorflow_gan") if "tensorflow_gan" not in sys.modules else None
    if spec is None and "tensorflow_gan" not in sys.modules:
        raise ImportError("tensorflow-gan is not installed (pip install tensorflow-gan==2.1.0)")
    root = Path(spec.submodule_search_locations[0]) if spec else Path(sys.modules["tensorflow_gan"].__path__[0])
    _stub_package("tensorflow_gan", root)
    _stub_package("tensorflow_gan.python", root / "python")


def losses():
    """tensorflow_gan.python.losses.losses_impl (minimax, modified, wasserstein losses, GP)."""
    _install_stubs()
    return importlib.import_module("tensorflow_gan.python.losses.losses_impl")


def classifier_metrics():
    """tensorflow_gan.python.eval.classifier_metrics (Fréchet / kernel classifier distances)."""
    _install_stubs()
    return importlib.import_module("tensorflow_gan.python.eval.classifier_metrics")
