"""Framework provenance as the tool reads it, and the dates rules apply from."""

from __future__ import annotations

import datetime as dt

import pytest
from support.repos import REPO_ROOT

from compliance_tool.checks.frameworks import (
    AppliesFrom,
    effective_applies_from,
    frameworks,
    portfolio_classes,
    resolve_applies_from,
)
from compliance_tool.repository.session import Where, open_inventory

EU = "eu-ai-act-2024-1689"


@pytest.fixture(scope="module")
def known() -> dict:
    return frameworks(open_inventory(Where(REPO_ROOT, use_cache=False)))


def test_the_eu_file_reads_as_amended(known: dict) -> None:
    eu = known[EU]
    assert (eu.status, eu.legal_status, eu.historical) == ("active", "law", False)
    assert [a.id for a in eu.amendments] == ["Regulation (EU) 2026/1744"]
    assert eu.amendments[0].in_force == "2026-07-27"
    annex_iii = eu.date("annex-iii-high-risk")
    assert annex_iii is not None
    assert (annex_iii.date, annex_iii.legal_status) == (dt.date(2027, 12, 2), "law")
    assert "2026/1744" in annex_iii.source.reference
    assert all(d.legal_status != "proposal" for d in eu.dates)


def test_sr_11_7_is_historical_and_sr_26_2_provisional(known: dict) -> None:
    assert known["sr-11-7"].historical
    assert known["sr-11-7"].superseded_by == "sr-26-2"
    sr26 = known["sr-26-2"]
    assert not sr26.historical
    assert sr26.provisional == {
        "governance",
        "development-and-use",
        "validation",
        "monitoring",
        "inventory",
        "third-party-models",
    }
    assert sr26.caveat


def test_the_next_date_that_matters_for_the_portfolio(known: dict) -> None:
    inventory = open_inventory(Where(REPO_ROOT, use_cache=False))
    classes = portfolio_classes(inventory)
    assert "high-risk" in classes and "limited-risk" in classes
    eu = known[EU]
    first = eu.next_date(dt.date(2026, 12, 1), classes)
    assert first is not None and first.id == "new-prohibitions-and-art-50-2"
    # the sandbox date concerns no model (classes: []); the Annex III date comes next
    after = eu.next_date(dt.date(2026, 12, 2), classes)
    assert after is not None and after.id == "annex-iii-high-risk"
    # a portfolio of minimal-risk models only has no next EU date before Annex I
    assert eu.next_date(dt.date(2026, 12, 2), ["minimal-risk"]) is None
    assert known["nist-ai-rmf-1.0"].next_date(dt.date(2026, 12, 1), classes) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"framework": "nope", "date": "x"}, "unknown framework 'nope'"),
        ({"framework": EU, "date": "annex-iii"}, f"framework '{EU}' has no date 'annex-iii'"),
        ("soon", "'soon' is neither a date nor a framework date"),
    ],
)
def test_a_reference_that_names_nothing_is_a_problem(
    known: dict, value: object, problem: str
) -> None:
    result, _, message, hint = resolve_applies_from(value, known)
    assert result is None
    assert message == problem
    assert hint


def test_a_framework_date_resolves_with_its_event(known: dict) -> None:
    result, _, message, _ = resolve_applies_from(
        {"framework": EU, "date": "annex-iii-high-risk"}, known
    )
    assert message == ""
    assert result == AppliesFrom(
        dt.date(2027, 12, 2),
        EU,
        "annex-iii-high-risk",
        "High-risk obligations apply to Annex III systems",
        "law",
    )
    assert result.reference == f"{EU}#annex-iii-high-risk"
    assert not result.in_force(dt.date(2027, 12, 1))
    assert result.in_force(dt.date(2027, 12, 2))


def test_a_proposed_date_is_never_in_force() -> None:
    proposed = AppliesFrom(dt.date(2020, 1, 1), EU, "x", "", "proposal")
    assert not proposed.in_force(dt.date(2030, 1, 1))


def test_a_rule_takes_its_own_date_or_else_its_controls() -> None:
    early, late = AppliesFrom(dt.date(2027, 1, 1)), AppliesFrom(dt.date(2028, 1, 1))
    assert effective_applies_from(late, [early]) == late
    assert effective_applies_from(None, [late, early]) == early
    assert effective_applies_from(None, [late, None]) is None
    assert effective_applies_from(None, []) is None
