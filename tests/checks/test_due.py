"""What falls due: one obligation per dated check of the rules, with its people and place,
on a small inventory checked by the sample's rules; and the command on the sample."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import icalendar
import pytest
from support.cli import invoke
from support.repos import REPO_ROOT, edit, position, write_minirepo
from support.schemas import load_schema, validator_for

from compliance_tool.checks.due import Due, Obligation, due, due_date, obligations
from compliance_tool.errors import InventoryError
from compliance_tool.reporters.due import calendar, render_ics, render_json
from compliance_tool.repository.session import Where, open_inventory

AS_OF = dt.date(2026, 12, 1)

RULE_FROM_A_DATE = """\
apiVersion: governance/v1
kind: Rule
id: OWN-01-model-card
title: Production models have a model card
severity: low
controls: [RUN-01]
applies_to: Model
applies_from: 2027-01-15
when:
  lifecycle: {required: true, allowed: [production]}
require:
  documentation: {required: true}
"""

INCIDENT = """\
apiVersion: governance/v1
kind: Incident
id: {id}
title: Wrong scores
models: [m1]
severity: sev1
detected_at: 2026-11-29T08:00:00Z
commander: asmith
serious_incident:
  assessed: true
  is_serious: true
{case}"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal repository with the sample's rules and one record of every dated
    obligation (see each test)."""
    root = write_minirepo(tmp_path_factory.mktemp("due") / "repo")
    shutil.rmtree(root / "policies")
    shutil.copytree(REPO_ROOT / "policies", root / "policies")
    make(root)
    return root


@pytest.fixture(scope="module")
def result(repo: Path) -> dict[str, Obligation]:
    return {o.id: o for o in obligations(open_inventory(Where(repo, use_cache=False)), AS_OF)}


def _people(obligation: Obligation) -> dict[str, tuple[str, ...]]:
    return {p.id: p.roles for p in obligation.responsible}


def test_validation_is_due_at_the_earlier_of_next_due_and_the_tier_window(
    repo: Path, result: dict[str, Obligation]
) -> None:
    found = result["validation:Model/m1"]
    assert found.date == dt.date(2027, 1, 15)  # next_due, before 2025-06-01 + 730 days
    assert (found.rule, found.kind, found.field) == (
        "VAL-01-validation-current",
        "validation",
        "validation.next_due",
    )
    assert _people(found) == {"asmith": ("validator",), "bkumar": ("operator",)}
    assert (found.path, found.line) == (
        "inventory/models/m1.yaml",
        position(repo / "inventory/models/m1.yaml", "next_due")[0],
    )


def test_validation_without_next_due_takes_the_window_of_the_tier() -> None:
    data = {"risk": {"tier": "medium"}, "validation": {"last": "2025-06-01"}}
    window = {"by": "risk.tier", "days": {"high": 365, "medium": 730}}
    assert due_date(data, ("validation", "last"), "within_days", window) == dt.date(2027, 6, 1)
    data["risk"]["tier"] = "low"  # a tier the rule does not list has no window
    assert due_date(data, ("validation", "last"), "within_days", window) is None


def test_retraining_is_due_a_cadence_after_the_last_training(
    result: dict[str, Obligation],
) -> None:
    found = result["retraining:Model/m1"]
    assert (found.date, found.days_left, found.overdue) == (dt.date(2026, 12, 10), 9, False)
    assert found.rule == "RET-01-retraining-cadence"
    assert _people(found) == {"bkumar": ("operator",)}
    assert found.teams == ("ml-platform",)


def test_an_expired_waiver_is_listed_as_overdue_with_approver_and_requester(
    result: dict[str, Obligation],
) -> None:
    found = result["waiver-expiry:Waiver/m1-runbook"]
    assert (found.date, found.days_left, found.overdue) == (dt.date(2026, 5, 1), -214, True)
    assert _people(found) == {"asmith": ("approver",), "bkumar": ("requester",)}
    assert found.rule == "WAV-01-waiver-unexpired"


def test_the_contract_end_of_a_specialist_on_a_rotation(result: dict[str, Obligation]) -> None:
    found = result["contract-end:Person/cvendor"]
    assert found.date == dt.date(2027, 6, 30)
    assert _people(found) == {"cvendor": ("person",), "asmith": ("rotation owner",)}
    assert "ml-oncall" in found.title


def test_access_reviews_and_training_of_rotation_members_only(
    result: dict[str, Obligation],
) -> None:
    review = result["access-review:Person/bkumar"]
    assert (review.date, review.rule) == (dt.date(2026, 12, 30), "EXT-01-access-review")
    assert _people(review) == {"bkumar": ("person",), "asmith": ("team lead",)}
    training = result["training:Person/cvendor"]
    assert (training.date, training.rule) == (dt.date(2027, 3, 1), "TRN-01-ai-literacy")
    assert "access-review:Person/asmith" not in result  # on no rotation: the rule skips her


def test_a_resolved_incident_without_review_is_due_ten_days_after(
    result: dict[str, Obligation],
) -> None:
    found = result["post-incident-review:Incident/inc-001"]
    assert (found.date, found.rule) == (dt.date(2026, 12, 8), "INC-02-post-incident-review")
    assert _people(found) == {"bkumar": ("commander", "operator")}
    assert "post-incident-review:Incident/inc-done" not in result  # reviewed: nothing due


@pytest.mark.parametrize(
    ("incident", "days", "rule"),
    [
        ("inc-death", 10, "INC-01-serious-incident-reported-10-days"),
        ("inc-wide", 2, "INC-01-serious-incident-reported-2-days"),
        ("inc-standard", 15, "INC-01-serious-incident-reported"),
        ("inc-no-case", 15, "INC-01-serious-incident-reported"),
    ],
)
def test_art73_reports_are_due_by_the_limit_of_their_case(
    result: dict[str, Obligation], incident: str, days: int, rule: str
) -> None:
    found = result[f"art73-report:Incident/{incident}"]
    assert (found.date, found.rule) == (dt.date(2026, 11, 29) + dt.timedelta(days=days), rule)
    assert _people(found) == {"asmith": ("commander",), "bkumar": ("operator",)}
    assert "art73-report:Incident/inc-reported" not in result


def test_a_failure_of_a_rule_that_applies_later_falls_due_on_its_date(
    result: dict[str, Obligation],
) -> None:
    found = result["rule-applies:Model/m1:OWN-01-model-card"]
    assert (found.date, found.rule) == (dt.date(2027, 1, 15), "OWN-01-model-card")
    assert _people(found) == {"asmith": ("owner",), "bkumar": ("operator",)}


def test_obligations_are_sorted_by_date_then_id(result: dict[str, Obligation]) -> None:
    listed = list(result.values())
    assert listed == sorted(listed, key=lambda o: (o.date, o.id))


def _due(repo: Path, **filters: Any) -> Due:
    return due(open_inventory(Where(repo, use_cache=False)), AS_OF, **filters)


def test_within_keeps_the_overdue_and_what_falls_due_in_the_period(repo: Path) -> None:
    found = _due(repo, within=dt.timedelta(days=9), within_text="P9D")
    assert {o.id for o in found.obligations} == {
        "waiver-expiry:Waiver/m1-runbook",  # overdue
        "post-incident-review:Incident/inc-001",
        "art73-report:Incident/inc-wide",
        "art73-report:Incident/inc-death",
        "retraining:Model/m1",  # on the last day
    }
    assert found.until == dt.date(2026, 12, 10) and not found.passed


def test_person_and_team_filters(repo: Path) -> None:
    mine = _due(repo, person="cvendor").obligations
    assert {o.id for o in mine} == {"contract-end:Person/cvendor", "training:Person/cvendor"}
    team = _due(repo, team="ml-platform").obligations
    assert "retraining:Model/m1" in {o.id for o in team}
    assert "training:Person/cvendor" not in {o.id for o in team}  # no member concerned


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"person": "bkumr"}, "--person 'bkumr' names no person (did you mean 'bkumar'?)"),
        ({"team": "ml-platfrm"}, "--team 'ml-platfrm' names no team (did you mean 'ml-platform'?)"),
        ({"person": "bkumar", "team": "ml-platform"}, "give --person or --team, not both"),
    ],
)
def test_bad_filters(repo: Path, filters: dict[str, str], message: str) -> None:
    with pytest.raises(InventoryError) as raised:
        _due(repo, **filters)
    assert raised.value.diagnostics().replace(" of the inventory", "") == message


def test_the_calendar_has_one_event_per_obligation_and_takes_extra_events(repo: Path) -> None:
    found = _due(repo)
    extra = icalendar.Event()
    extra.add("uid", "handover:ml-oncall:1@compliance-tool")
    parsed = icalendar.Calendar.from_ical(calendar(found, [extra]).to_ical())
    events = parsed.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        *(f"{o.id}@compliance-tool" for o in found.obligations),
        "handover:ml-oncall:1@compliance-tool",
    ]
    pir = next(e for e in events if "post-incident-review" in str(e["UID"]))
    assert pir["DTSTART"].dt == dt.date(2026, 12, 8) and pir["DTSTART"].params["VALUE"] == "DATE"
    assert pir["DTSTAMP"].dt == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert str(pir["ATTENDEE"]) == "urn:x-compliance-tool:person:bkumar"  # no e-mail address
    assert pir["ATTENDEE"].params["CN"] == "Bala Kumar"
    assert pir["CATEGORIES"].cats == ["post-incident-review"]
    assert "inventory/incidents/inc-001.yaml:" in str(pir["DESCRIPTION"])
    assert pir.walk("VALARM")[0]["TRIGGER"].dt == -dt.timedelta(days=7)
    assert str(parsed["VERSION"]) == "2.0" and "compliance-tool" in str(parsed["PRODID"])


# -- the command on the sample ----------------------------------------------------------------

SAMPLE_CALL = ("--repo", REPO_ROOT, "due", "--as-of", "2026-12-01", "--within", "P30D")


@pytest.fixture(scope="module")
def sample_json() -> tuple[int, dict[str, Any]]:
    result = invoke(*SAMPLE_CALL, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def test_the_sample_lists_the_waiver_that_expires_at_the_end_of_the_year(
    sample_json: tuple[int, dict[str, Any]],
) -> None:
    code, document = sample_json
    assert code == 1  # some validations are overdue
    waiver = next(
        o for o in document["obligations"] if o["id"] == "waiver-expiry:Waiver/W-2026-014"
    )
    assert (waiver["date"], waiver["days_left"], waiver["overdue"]) == ("2026-12-31", 30, False)
    assert waiver["file"] == "inventory/waivers/W-2026-014.yaml"
    assert waiver["line"] == position(REPO_ROOT / waiver["file"], "expires:")[0]
    approver = next(p for p in waiver["responsible"] if p["roles"] == ["approver"])
    assert approver["id"] == "okarimi"
    assert document["summary"]["total"] == len(document["obligations"])


def test_the_sample_json_follows_its_schema(sample_json: tuple[int, dict[str, Any]]) -> None:
    validator = validator_for(load_schema(REPO_ROOT / "schemas" / "due-result.schema.json"))
    assert list(validator.iter_errors(sample_json[1])) == []


def test_the_sample_calendar_matches_the_json_and_is_the_same_twice(
    sample_json: tuple[int, dict[str, Any]], tmp_path: Path
) -> None:
    first = invoke(*SAMPLE_CALL, "--format", "ics", "--output", tmp_path / "due.ics")
    assert first.exit_code == 1 and first.stdout == ""
    second = invoke(*SAMPLE_CALL, "--format", "ics")
    text = (tmp_path / "due.ics").read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")  # RFC 5545 line ends
    assert second.stdout.replace("\r\n", "\n") == text.replace("\r\n", "\n")
    calendar = icalendar.Calendar.from_ical(text)
    events = calendar.walk("VEVENT")
    document = sample_json[1]
    entries = [*document["obligations"], *document["handovers"]]
    assert [(str(e["UID"]), e["DTSTART"].dt.isoformat()) for e in events] == [
        (entry["uid"], entry.get("date") or entry["at"]) for entry in entries
    ]
    assert [o["uid"] for o in document["obligations"]] == [
        f"{o['id']}@compliance-tool" for o in document["obligations"]
    ]
    # every entry links to its record on the code host (links.files of compliance-tool.yaml)
    assert [str(e["URL"]) for e in events] == [
        f"https://github.com/northmoor-bank/governance/blob/main/{entry['file']}#L{entry['line']}"
        for entry in entries
    ]


def test_the_hand_overs_of_the_period_are_in_the_feed(
    sample_json: tuple[int, dict[str, Any]],
) -> None:
    """ml-sre-payments hands its week over on Monday 7 December at 09:00 Berlin time,
    then London takes the night at 18:00; times keep the rotation's zone."""
    document = sample_json[1]
    assert document["summary"]["handovers"] == len(document["handovers"])
    payments = [h for h in document["handovers"] if h["rotation"] == "ml-sre-payments"]
    assert [(h["at"], h["from"], h["to"]) for h in payments[:2]] == [
        ("2026-12-07T09:00:00+01:00", "mvoss", "tbauer"),
        ("2026-12-07T18:00:00+01:00", "tbauer", "rpatel"),
    ]
    assert all(h["time_zone"] == "Europe/Berlin" for h in payments)
    mine = invoke(
        "--repo",
        REPO_ROOT,
        "due",
        "--as-of",
        "2026-12-01",
        "--within",
        "P30D",
        "--person",
        "rpatel",
        "--format",
        "json",
    )
    theirs = json.loads(mine.stdout)["handovers"]
    assert theirs and all("rpatel" in (h["from"], h["to"]) for h in theirs)


def test_the_renderers_are_deterministic(repo: Path) -> None:
    found = _due(repo)
    assert render_ics(found) == render_ics(_due(repo))
    assert render_json(found) == render_json(_due(repo))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--within", "30 days"), "'30 days' is not an ISO 8601 duration"),
        (("--person", "okarimi", "--team", "model-risk"), "give --person or --team, not both"),
        (("--team", "fraud-analytic"), "did you mean 'fraud-analytics'"),
    ],
)
def test_bad_input_exits_2(args: tuple[str, ...], message: str) -> None:
    result = invoke("--repo", REPO_ROOT, "due", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def _write(root: Path, relative: str, text: str) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def make(root: Path) -> None:
    """The records of the small inventory (see each test above)."""
    model = root / "inventory/models/m1.yaml"
    edit(
        model,
        "  oncall: ml-oncall\n",
        "  oncall: ml-oncall\n  retraining: {cadence: P30D, last_trained: 2026-11-10}\n"
        "validation: {last: 2025-06-01, next_due: 2027-01-15, validator: asmith}\n",
    )
    edit(
        root / "inventory/people/bkumar.yaml",
        "teams:\n",
        "access_review: {last: 2026-10-01, cadence: P90D}\nteams:\n",
    )
    edit(
        root / "inventory/people/cvendor.yaml",
        "roles:\n",
        "training: {ai_literacy: 2026-03-01}\nroles:\n",
    )
    edit(
        root / "inventory/incidents/inc-001.yaml",
        "commander:",
        "resolved_at: 2026-11-28T10:00:00Z\ncommander:",
    )
    done = (root / "inventory/incidents/inc-001.yaml").read_text(encoding="utf-8")
    done = done.replace("id: inc-001", "id: inc-done") + (
        "postmortem: runbooks/m1.md\npostmortem_completed: 2026-11-30\n"
    )
    _write(root, "inventory/incidents/inc-done.yaml", done)
    cases = {
        "inc-death": "  case: death\n",
        "inc-wide": "  case: widespread-or-critical-infrastructure\n",
        "inc-standard": "  case: standard\n",
        "inc-no-case": "",
        "inc-reported": "  case: standard\n  reported_at: 2026-11-30T09:00:00Z\n  authority: BaFin\n",
    }
    for incident, case in cases.items():
        text = INCIDENT.replace("{id}", incident).replace("{case}", case)
        _write(root, f"inventory/incidents/{incident}.yaml", text)
    _write(root, "policies/rules/OWN-01-model-card.yaml", RULE_FROM_A_DATE)
