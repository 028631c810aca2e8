"""Deciding: validation of every file and reference, facts across records, the rule engine
with its custom Cerberus rules and its cache of rule results, waivers, coverage of
framework clauses, lineage and rule examples.

Imports :mod:`compliance_tool.repository` and nothing above it.
"""
