"""The signed PDF report: its sections, the HTML template and stylesheet, vector charts,
rendering to PDF/A-3b, the provenance manifest and signing.

Imports the result types of every layer below it and the JSON of
:mod:`compliance_tool.reporters`; never Click.
"""
