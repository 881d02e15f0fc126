"""User-facing errors: one line each, naming the file, the field and what is allowed."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user. The CLI prints each problem on one line and exits 2."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def problem(file: str | None, field: str | None, message: str) -> str:
    """Format one problem as `file: field: message` (parts that are unknown are omitted)."""
    return ": ".join(p for p in (file, field, message) if p)
