"""Tests of the PDF report: contents, signature and tampering, reproducibility, safety and
pages (a package, so that its conftest and helpers keep their own module names)."""
