"""Deciding: validation of every file and reference, facts across records, the rule engine
with its custom Cerberus rules, waivers, coverage of framework clauses, lineage and rule
examples.

Imports :mod:`compliance_tool.repository` and nothing above it.
"""
