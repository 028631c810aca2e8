"""Reading a governance repository: the kinds of record and where each lives, YAML read
with positions, JSON Schemas, file sources (working tree or any git commit), the loaded
:class:`~compliance_tool.repository.loader.Inventory`, the on-disk cache every cache uses,
configuration, scaffolding of new files and the git changes between snapshots.

The bottom layer: it imports only :mod:`compliance_tool.errors` and third-party libraries.
"""
