"""Tests of the PDF report: contents, signature and tampering, reproducibility, safety,
pages, and in signing/ the signing and verifying of reports (a package, so that its
conftest keeps its own module name)."""
