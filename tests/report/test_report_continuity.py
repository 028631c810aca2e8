"""The Continuity section: as a typed value built from the sample (no PDF is made), at the
report's date and at a later one when a contract falls within 90 days, and read back from
the sample's signed report."""

from __future__ import annotations

import datetime as dt

import pytest
from support.pdf import Report
from support.repos import AS_OF, REPO_ROOT

from compliance_tool.checks.pipeline import evaluate
from compliance_tool.report.sections.common import Evaluated
from compliance_tool.report.sections.continuity import (
    ContinuitySection,
    build_continuity,
    largest_supplier,
)
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, open_inventory

LATER = dt.date(2026, 12, 15)
"""90 days on is 2027-03-15: Owen Grant's contract (2027-02-28) ends in the window."""


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return open_inventory(Where(REPO_ROOT, None, use_cache=False))


def section_at(inventory: Inventory, as_of: dt.date) -> ContinuitySection:
    return build_continuity(Evaluated.of(inventory, evaluate(inventory, as_of).check))


@pytest.fixture(scope="module")
def section(inventory: Inventory) -> ContinuitySection:
    return section_at(inventory, AS_OF)


def contracts_ending(inventory: Inventory, start: dt.date, days: int) -> list[str]:
    """The external people of the sample whose contract ends in (start, start + days]."""
    end = start + dt.timedelta(days=days)
    found = []
    for record in inventory.records(Kind.PERSON):
        affiliation = record.data.get("affiliation") or {}
        day = affiliation.get("contract_end")
        external = affiliation.get("type") == "external" and day is not None
        if external and start < dt.date.fromisoformat(str(day)) <= end:
            found.append(record.id)
    return sorted(found)


def test_bus_factors_of_the_production_models(section: ContinuitySection) -> None:
    factors = {r.id: r.bus_factor for r in section.rows}
    assert len(factors) == 11
    assert factors["churn-propensity"] == factors["demand-forecast"] == 1
    assert all(
        f >= 2 for m, f in factors.items() if m not in {"churn-propensity", "demand-forecast"}
    )
    assert [r.id for r in section.rows if r.fragile] == ["churn-propensity", "demand-forecast"]
    churn = next(r for r in section.rows if r.id == "churn-propensity")
    assert (churn.operate, churn.rollback, churn.rotation) == (1, 2, "ml-sre-retail")
    assert section.fragile == ("Retail churn propensity", "ATM cash demand forecast")
    assert all(r.single_external == "" for r in section.rows)


def test_the_chart_shows_every_organisation(section: ContinuitySection) -> None:
    assert section.organisations == (
        "Northmoor Bank",
        "Lattice MLOps Ltd",
        "Quantile Partners GmbH",
    )
    assert section.chart.startswith("data:image/svg+xml;base64,")


def test_no_contract_ends_within_90_days_of_the_report(
    inventory: Inventory,
    section: ContinuitySection,
) -> None:
    # mvoss's contract ended on 2026-10-31, before the report; the next ends 2027-02-28
    assert contracts_ending(inventory, AS_OF, 90) == []
    assert section.contracts == ()
    assert (section.window_end, section.window_days) == ("2027-02-24", 90)


def test_a_contract_in_the_window_says_what_it_takes(inventory: Inventory) -> None:
    later = section_at(inventory, LATER)
    assert contracts_ending(inventory, LATER, 90) == ["ogrant"]
    (row,) = later.contracts
    assert (row.person.id, row.person.organisation, row.ends, row.days_left) == (
        "ogrant",
        "Lattice MLOps Ltd",
        "2027-02-28",
        75,
    )
    assert row.person.active
    # credit and collections keep two people for each capability without him
    assert row.consequences.breaks == () and row.consequences.weakened == ()


def test_the_largest_supplier_and_what_breaks_without_it(section: ContinuitySection) -> None:
    supplier = section.supplier
    assert supplier is not None
    # Lattice: rpatel, ogrant, ecampbell active (mvoss's contract ended); Quantile: shoffmann
    assert supplier.organisation == "Lattice MLOps Ltd"
    assert [p.id for p in supplier.people] == ["ecampbell", "ogrant", "rpatel"]
    assert supplier.models == 9
    (rotation,) = supplier.consequences.breaks
    assert "ml-sre-payments" in rotation and "fewer than two active members" in rotation
    assert "tbauer" in rotation
    weakened = " ".join(supplier.consequences.weakened)
    for name in (
        "AML transaction monitoring",
        "Card fraud scoring",
        "Merchant embeddings",
        "Retail product recommendations",
    ):
        assert f"{name} would be one departure" in weakened
    assert len(supplier.consequences.weakened) == 4


def test_ties_go_to_the_first_supplier_by_name(section: ContinuitySection) -> None:
    from compliance_tool.checks.continuity import Holder, ModelContinuity

    def holder(pid: str, org: str) -> Holder:
        return Holder(pid, pid, org, True, True)

    model = ModelContinuity(
        "m", "M", None, (holder("a", "Zeta"), holder("b", "Alpha")), (), (), 1, None
    )
    assert largest_supplier((model,)) == "Alpha"
    assert largest_supplier(()) is None


def test_the_section_in_the_signed_report(signed_report: Report) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(signed_report.pdf))
    pages = [page.extract_text() or "" for page in reader.pages]
    start = next(i for i, text in enumerate(pages) if "Bus factors" in text)
    text = " ".join(" ".join(pages[start - 1 : start + 2]).split())
    assert "Continuity" in text
    assert "Retail churn propensity churn-propensity ml-sre-retail 1 2 1" in text
    assert "No external contract ends between 2026-11-26 and 2027-02-24." in text
    assert "If Lattice MLOps Ltd left" in text
