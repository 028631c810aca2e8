"""Governance scenarios written in Gherkin: the in-process pytest-bdd runner and the step
library that scenarios use without writing Python.

Imports :mod:`compliance_tool.checks` and :mod:`compliance_tool.repository`.
"""
