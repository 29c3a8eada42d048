"""pytest-autopack: a rollout gate and test fixtures for Autopack control planes."""

__version__ = "0.1.0"
