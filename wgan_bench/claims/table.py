"""Print an experiment's claim outcomes as a terminal table."""

from __future__ import annotations

import math

from rich.markup import escape
from rich.table import Table

STYLE = {"PASS": "bold green", "FAIL": "bold red", "INCONCLUSIVE": "bold yellow"}


def fmt_number(x) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.0f}" if x == int(x) and abs(x) < 1e6 else f"{x:.3g}"


def fmt_pair(measured, threshold) -> tuple[str, str]:
    """Format a measured value and its threshold with enough digits to tell them apart."""
    try:
        m, t = float(measured), float(threshold)
    except (TypeError, ValueError):
        return fmt_number(measured), fmt_number(threshold)
    if math.isfinite(m) and math.isfinite(t) and m != t:
        for digits in range(3, 12):
            if f"{m:.{digits}g}" != f"{t:.{digits}g}":
                return f"{m:.{digits}g}", f"{t:.{digits}g}"
    return fmt_number(m), fmt_number(t)


def print_claims(console, spec, outcomes, where: str) -> None:
    table = Table(title=f"{spec.name}: {spec.title}\n[dim]{where}[/dim]", title_justify="left")
    for col in ("claim", "status", "measured", "threshold", "detail"):
        table.add_column(col, overflow="fold")
    for o in outcomes:
        measured, threshold = fmt_pair(o.measured, o.threshold)
        table.add_row(o.claim_id, f"[{STYLE[o.status]}]{o.status}[/]", measured, f"{o.op} {threshold}",
                      escape(o.detail))
    console.print(table)
    counts = {s: sum(o.status == s for o in outcomes) for s in STYLE}
    console.print(" ".join(f"[{STYLE[s]}]{n} {s}[/]" for s, n in counts.items() if n) or "no claims")
