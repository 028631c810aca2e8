"""Fixtures of the report tests. Rendering the sample takes over ten seconds, so the
sample repository is committed once per session and every report of it that the tests
read is rendered once, all of them started together (the machine has two cores); the
tests only read them, and tests that change something work on copies."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from support.cli import Render, process_env, start_report
from support.git import commit_all, git
from support.pdf import Report, pdftotext
from support.repos import AS_OF_TEXT as AS_OF
from support.repos import Sample, copy_sample, edit

LATER = "2027-12-02"
"""The EU AI Act's Annex III date, from which RISK-02-fria is a finding."""


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The sample repository (inventory, policies, features, runbooks, evidence, docs and
    compliance-tool.yaml of the project) as a git repository with one dated commit."""
    base = tmp_path_factory.mktemp("report-sample")
    env = process_env(base / "home")
    root = copy_sample(base / "northmoor", features=True, config=True)
    (root / ".gitignore").write_text(".compliance-cache/\n.compliance-keys/\n", encoding="utf-8")
    git(root, "init", "-q", env=env)
    commit = commit_all(root, "Northmoor Bank inventory, 2026-11", env)
    tree = git(root, "rev-parse", "HEAD^{tree}", env=env).strip()
    return Sample(root, commit, tree, env)


@pytest.fixture(scope="session")
def moved_on(sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """A clone of the sample that moved on: a later commit fixes P2 and P7, and the working
    tree fixes P1 without committing it. ``commit`` is its HEAD."""
    base = tmp_path_factory.mktemp("moved-on")
    env = process_env(base / "home", "2026-11-23T15:30:00+00:00")
    clone = base / "northmoor"
    git(base, "clone", "-q", str(sample.root), str(clone), env=env)
    edit(
        clone / "inventory/models/churn-propensity.yaml",
        "data_drift: {metric: psi, warn: 0.15, window: P30D}",
        "data_drift: {metric: psi, warn: 0.15, page: 0.25, window: P30D}",
    )
    edit(
        clone / "inventory/datasets/churn-features.yaml",
        "  lawful_basis: legitimate-interest\n",
        "  lawful_basis: legitimate-interest\n  dpia: evidence/dpia/DPIA-004.md\n",
    )
    git(clone, "commit", "-q", "-a", "--no-gpg-sign", "-m", "Churn: drift pages; DPIA", env=env)
    edit(
        clone / "inventory/models/aml-transaction-monitoring.yaml",
        "  last: 2025-08-14\n  next_due: 2026-08-14\n",
        "  last: 2026-08-14\n  next_due: 2027-08-14\n",
    )
    head = git(clone, "rev-parse", "HEAD", env=env).strip()
    tree = git(clone, "rev-parse", "HEAD^{tree}", env=env).strip()
    return Sample(clone, head, tree, env)


@pytest.fixture(scope="session")
def renders(
    sample: Sample, moved_on: Sample, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Render]]:
    """Every render of the sample, started at once:

    * ``signed``: `report --as-of 2026-11-26`, signed with the development key it creates,
      written to the default place under reports/;
    * ``unsigned`` and, more than a second later, ``again``: `report --unsigned`;
    * ``old``: `report --unsigned --ref <the sample's commit>` in :func:`moved_on`;
    * ``later``: `report --unsigned --as-of 2027-12-02`, the day the EU AI Act's Annex III
      obligations apply.
    """
    out = tmp_path_factory.mktemp("renders")
    stem = f"compliance-report-{AS_OF}-{sample.commit[:12]}"
    started = {
        "signed": start_report(
            sample.env, sample.root, sample.root / "reports" / f"{stem}.pdf", default_output=True
        ),
        "unsigned": start_report(sample.env, sample.root, out / "a" / "report.pdf", "--unsigned"),
    }
    time.sleep(1.1)
    started["again"] = start_report(sample.env, sample.root, out / "b" / "again.pdf", "--unsigned")
    started["old"] = start_report(
        moved_on.env, moved_on.root, out / "c" / "old.pdf", "--unsigned", "--ref", sample.commit
    )
    started["later"] = start_report(
        sample.env, sample.root, out / "d" / "later.pdf", "--unsigned", "--as-of", LATER
    )
    yield started
    for render in started.values():  # renders no selected test waited for
        render.stop()


@pytest.fixture(scope="session")
def signed_report(renders: dict[str, Render]) -> Report:
    """The signed report of the sample, read back with pdftotext -layout."""
    render = renders["signed"]
    stderr = render.wait()
    assert render.pdf.is_file() and render.manifest.is_file()
    return Report(render.pdf, render.manifest, stderr, pdftotext(render.pdf, "-layout"))


@pytest.fixture(scope="session")
def later_report(renders: dict[str, Render]) -> Report:
    """The unsigned report of the sample as of :data:`LATER` (the last --as-of wins)."""
    render = renders["later"]
    stderr = render.wait()
    return Report(render.pdf, render.manifest, stderr, pdftotext(render.pdf, "-layout"))
