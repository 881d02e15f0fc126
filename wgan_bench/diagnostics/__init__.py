"""Diagnostics computed on record steps only, outside the hot loop."""
