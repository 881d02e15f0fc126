"""Metrics without TensorFlow: closed-form divergences, exact optimal transport (POT)."""
