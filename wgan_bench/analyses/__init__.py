"""Runs without training (`task: analysis`): closed forms and exact optimal transport.

Each analysis is an `analysis` registry entry: a function of an `AnalysisConfig` and a seed that
returns (scalar metrics, artifacts); the runner stores the scalars as history at step 0, like
any other run. No TensorFlow.
"""
