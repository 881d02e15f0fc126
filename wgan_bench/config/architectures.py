"""Random architectures (WGAN-GP Sec. 5.1, Table 1): a seed draws one generator and one critic.

Each field's choice is a hash of (seed, field), so a seed names the same architecture on any
machine and with any library version, independently of every other field, and every variant
(the GAN, WGAN-GP) trains the same one. Imports no TensorFlow.
"""

from __future__ import annotations

import hashlib

SECTIONS = ("generator", "critic")


def space_for(spec, profile: str | None):
    """The space a profile's runs draw from: its own, else the experiment's (None: fixed architectures)."""
    prof = spec.profiles.get(profile) if profile else None
    return prof.architectures if prof is not None and prof.architectures is not None else spec.architectures


def draw(space, seed: int, variant: str) -> dict:
    """The config delta {section: {field: value}} that `seed` draws for `variant`."""
    return _choose(space, variant, lambda field, n: position(seed, field, n))


def nth(space, i: int, variant: str) -> dict:
    """Every field at its i-th choice (cycling): with i over `widest`, each choice appears once."""
    return _choose(space, variant, lambda field, n: i % n)


def widest(space) -> int:
    return max((len(_options(c, None)) for section in SECTIONS for c in getattr(space, section).values()), default=0)


def _options(choices, variant: str | None) -> list:
    if not isinstance(choices, dict):
        return choices
    return choices[variant] if variant is not None else next(iter(choices.values()))


def _choose(space, variant: str, pick) -> dict:
    out: dict = {}
    for section in SECTIONS:
        for field, choices in getattr(space, section).items():
            options = _options(choices, variant)
            out.setdefault(section, {})[field] = options[pick(f"{section}.{field}", len(options))]
    return out


def position(seed: int, field: str, n: int) -> int:
    digest = hashlib.sha256(f"{seed}:{field}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


def problems(space, variants: list[str]) -> list[tuple[str, str]]:
    """(field path, message) for per-variant choices that miss one of `variants` (those the space
    serves) or name a variant not among them."""
    out = []
    for section in SECTIONS:
        for field, choices in getattr(space, section).items():
            if not isinstance(choices, dict):
                continue
            where = f"architectures.{section}.{field}"
            unknown = [v for v in choices if v not in variants]
            missing = [v for v in variants if v not in choices]
            if unknown:
                out.append((where, f"unknown variant(s) {', '.join(unknown)}; allowed: {', '.join(variants)}"))
            if missing:
                out.append((where, f"no choices for variant(s) {', '.join(missing)}"))
    return out
