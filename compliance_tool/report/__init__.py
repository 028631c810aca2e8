"""The signed PDF report: its sections as typed values (``document``, ``sections/``), the
HTML template and stylesheet, vector charts (``charts``), rendering to PDF/A-3b
(``render``), the attached findings and provenance manifest (``manifest``) and signing
(``signing_config``, ``signing_keys``, ``signing_pdf``).

Imports the result types of every layer below it and the JSON of
:mod:`compliance_tool.reporters`; never Click.
"""
