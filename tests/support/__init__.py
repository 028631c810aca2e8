"""What the tests share: repositories to test on, git, the CLI, PDFs and signing keys.

One implementation of each helper, imported as ``support.<module>`` (``tests/`` is on the
import path through its top-level conftest); the test folders hold tests and fixtures only.
"""
