"""Governance as code for machine-learning operations."""

from __future__ import annotations

__version__ = "0.1.0"
