"""Tests of the check reporters (a package, so that its test modules keep their own module
names next to those of the other folders)."""
