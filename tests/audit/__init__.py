"""Tests of the audit trail on scripted git histories: diff, history and trend (a package,
so that its test modules keep their own module names)."""
