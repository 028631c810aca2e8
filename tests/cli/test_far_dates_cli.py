"""Far-future dates and huge durations (``9999-12-31`` as "never", ``P9999Y``) are refused
by ``validate`` at the record's line, and ``check`` names that record, never a rule file,
and never an OverflowError."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import invoke
from support.repos import AS_OF_TEXT, copy_sample, edit, position

KLI = "inventory/people/kli.yaml"
RPATEL = "inventory/people/rpatel.yaml"
WAIVER = "inventory/waivers/W-2026-014.yaml"
INCIDENT = "inventory/incidents/INC-2026-0042.yaml"
MODEL = "inventory/models/fraud-scoring.yaml"

DATES = "dates accepted (calendar date YYYY-MM-DD from 1900-01-01 to 2999-12-31"
DURATIONS = "durations accepted (ISO 8601 duration"

FAR = [
    (KLI, "cadence: P90D", "cadence: P9999Y", "Person.access_review.cadence", DURATIONS),
    (KLI, "last: 2026-10-06", "last: 9999-12-31", "Person.access_review.last", DATES),
    (
        RPATEL,
        "contract_end: 2027-04-30",
        "contract_end: 9999-12-31",
        "Person.affiliation.contract_end",
        DATES,
    ),
    (WAIVER, "expires: 2026-12-31", "expires: 9999-12-31", "Waiver.expires", DATES),
    (
        INCIDENT,
        "detected_at: 2026-05-05T10:12:00Z",
        "detected_at: 9999-05-05T10:12:00Z",
        "Incident.detected_at",
        "timestamps accepted",
    ),
    (
        MODEL,
        "cadence: P30D",
        "cadence: P1201M",
        "Model.operations.retraining.cadence",
        DURATIONS,
    ),
]
IDS = ["cadence-P9999Y", "review-9999", "contract-9999", "waiver-9999", "incident-9999", "P1201M"]


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "sample")


@pytest.mark.parametrize(("path", "old", "new", "subject", "message"), FAR, ids=IDS)
def test_validate_refuses_a_far_value_at_its_line(
    sample_copy: Path, path: str, old: str, new: str, subject: str, message: str
) -> None:
    edit(sample_copy / path, old, new)
    line, column = position(sample_copy / path, new)
    value = new.split(": ", 1)[1]
    result = invoke("--repo", sample_copy, "validate", "--no-cache")
    assert result.exit_code == 1, result.output
    at = f"{path}:{line}:{column + len(new) - len(value)}: {subject}: "
    assert f"{at}'{value}' is outside the range of {message}" in result.stdout
    assert len(result.stdout.splitlines()) == 1, result.stdout  # one message, not two


@pytest.mark.parametrize(("path", "old", "new", "subject", "message"), FAR, ids=IDS)
def test_check_names_the_record_not_a_rule(
    sample_copy: Path, path: str, old: str, new: str, subject: str, message: str
) -> None:
    edit(sample_copy / path, old, new)
    line, _ = position(sample_copy / path, new)
    result = invoke("--repo", sample_copy, "check", "--no-cache", "--as-of", AS_OF_TEXT)
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}:" in result.stderr
    assert "policies/rules" not in result.stderr
    assert "OverflowError" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        (KLI, "last: 2026-10-06", "last: 1900-01-01"),
        (RPATEL, "contract_end: 2027-04-30", "contract_end: 2999-12-31"),
        (KLI, "cadence: P90D", "cadence: P100Y"),
        (MODEL, "cadence: P30D", "cadence: P36500D"),
        (MODEL, "cadence: P30D", "cadence: P1200M"),
    ],
    ids=["earliest-date", "latest-date", "P100Y", "P36500D", "P1200M"],
)
def test_the_bounds_themselves_are_accepted(
    sample_copy: Path, path: str, old: str, new: str
) -> None:
    edit(sample_copy / path, old, new)
    result = invoke("--repo", sample_copy, "validate", "--no-cache")
    assert result.exit_code == 0, result.output
    result = invoke("--repo", sample_copy, "check", "--no-cache", "--as-of", AS_OF_TEXT)
    assert result.exit_code in (0, 1), result.output


def test_a_date_before_1900_is_refused(sample_copy: Path) -> None:
    edit(sample_copy / KLI, "last: 2026-10-06", "last: 1899-12-31")
    result = invoke("--repo", sample_copy, "validate", "--no-cache")
    assert result.exit_code == 1
    assert "'1899-12-31' is outside the range of dates accepted" in result.stdout


def test_a_malformed_duration_gets_one_message(sample_copy: Path) -> None:
    edit(sample_copy / KLI, "cadence: P90D", "cadence: 90 days")
    result = invoke("--repo", sample_copy, "validate", "--no-cache")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{KLI}:{position(sample_copy / KLI, '90 days')[0]}:12: Person.access_review.cadence: "
        "'90 days' is not a valid duration (write ISO 8601, e.g. P30D or PT15M)"
    ]
