"""Adapters for third-party packages that need care to import."""
