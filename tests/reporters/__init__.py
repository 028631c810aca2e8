"""Tests of the check reporters (a package, so that its conftest and helpers keep their own
module names next to the top-level ``tests/conftest.py``)."""
