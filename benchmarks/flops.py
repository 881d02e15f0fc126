"""Matmul FLOPs that XLA actually executes: counted from the optimized HLO of a compiled step.

Every `dot` instruction costs 2 · |output| · |contracted dims|; every `convolution`
2 · |output| · (kernel taps × input channels), divided by the input dilation a transposed
convolution's gradient uses (the zeros it inserts are not work). After XLA's own pruning, this is
what runs — so the gradient penalty's wasted double-backward path (all-zero gradients pushed
back through the forward pass, see wgan_bench/nets/activations.py) shows up here and in no
hand count.
"""

from __future__ import annotations

import math
import re

_INSTR = re.compile(r"%([\w.\-]+) = f32\[([\d,]*)\]")
_CONV = re.compile(r"= f32\[([\d,]*)\]\S* convolution\(%[\w.\-]+, %([\w.\-]+)\), window=\{([^}]*)\}, "
                   r"dim_labels=\w+_(\w+)->")
_DOT = re.compile(r"= f32\[([\d,]*)\]\S* dot\(%([\w.\-]+), %([\w.\-]+)\), lhs_contracting_dims=\{([\d,]*)\}")


def _dims(text: str) -> list[int]:
    return [int(x) for x in text.split(",")] if text else []


def _matched(found: list, hlo: str, op: str) -> list:
    """Every `op` instruction must have been parsed: a new dtype or layout would be counted as 0."""
    if len(found) != hlo.count(f" {op}("):
        raise ValueError(f"parsed {len(found)} of {hlo.count(f' {op}(')} {op} instructions (only f32 is handled)")
    return found


def dot_gflop(hlo: str) -> float:
    shapes = {name: _dims(d) for name, d in _INSTR.findall(hlo)}  # names are unique per module
    total = 0
    for out, lhs, _, contracting in _matched(_DOT.findall(hlo), hlo, "dot"):
        k = math.prod(shapes[lhs][int(d)] for d in _dims(contracting))
        total += 2 * math.prod(_dims(out)) * k
    return total / 1e9


def conv_gflop(hlo: str) -> float:
    shapes = {name: _dims(d) for name, d in _INSTR.findall(hlo)}
    total = 0
    for out, rhs, window, rhs_labels in _matched(_CONV.findall(hlo), hlo, "convolution"):
        kernel = shapes[rhs]
        per_output = math.prod(kernel) // kernel[rhs_labels.index("o")]  # taps x input channels
        dilate = re.search(r"lhs_dilate=([\dx]+)", window)
        zeros = math.prod(int(d) for d in dilate.group(1).split("x")) if dilate else 1
        total += 2 * math.prod(_dims(out)) * per_output / zeros
    return total / 1e9


def executed_gflop(fn, *args) -> float:
    """GFLOP of matrix products and convolutions in one call of `fn` (a Python callable) compiled
    by XLA. For a step that trains without XLA (the conv nets), this is XLA's count of the same
    computation."""
    import tensorflow as tf

    compiled = tf.function(fn, jit_compile=True)
    hlo = compiled.experimental_get_compiler_ir(*args)(stage="optimized_hlo")
    return dot_gflop(hlo) + conv_gflop(hlo)
