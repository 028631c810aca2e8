"""Answers for auditors from git: the semantic diff of two snapshots, the history of a
record, compliance over time, and the verification of a signed report.

Imports :mod:`compliance_tool.checks` and :mod:`compliance_tool.repository`.
"""
