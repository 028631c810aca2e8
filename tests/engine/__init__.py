"""Tests of the rule engine and the commands built on it, on the sample inventory and on
copies of it (a package, so that its conftest and helpers keep their own module names)."""
