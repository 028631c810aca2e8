"""What ``coverage`` tells a reader about each framework: its status, legal force, source,
amendments, ``verified_on`` and the next legal date that matters for the portfolio; a
historical framework is shown as such, with its successor and without grades; provisional
clauses are marked wherever they are graded; upcoming results have a status of their own.

Every expectation is read from the framework, control and model files of the sample, not
from the tool's own reading of them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.cli import invoke
from support.repos import AS_OF, REPO_ROOT, write_minirepo

FRAMEWORKS = sorted((REPO_ROOT / "policies" / "frameworks").glob("*.yaml"))
GRADES = {"fail", "no evidence", "waived", "upcoming", "manual with evidence", "pass"}


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _files(folder: str) -> dict[str, dict[str, Any]]:
    return {p.stem: _yaml(p) for p in sorted((REPO_ROOT / folder).glob("*.yaml"))}


def _coverage(as_of: dt.date, *args: str) -> str:
    result = invoke("--repo", REPO_ROOT, "coverage", "--as-of", as_of.isoformat(), *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def as_json() -> dict[str, Any]:
    document = json.loads(_coverage(AS_OF, "--format", "json"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def as_text() -> str:
    return _coverage(AS_OF)


def _text_block(text: str, framework_id: str) -> list[str]:
    """The lines of one framework in the coverage text, its heading first."""
    block = next(b for b in text.split("\n\n") if f"({framework_id}, " in b.splitlines()[0])
    return block.splitlines()


def _str(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _portfolio_classes() -> set[str]:
    classes = set()
    for model in _files("inventory/models").values():
        eu = (model.get("risk") or {}).get("eu_ai_act") or {}
        if model.get("lifecycle") != "retired" and eu.get("class"):
            classes.add(eu["class"])
    return classes


def _next_date(framework: dict[str, Any], as_of: dt.date) -> dict[str, Any] | None:
    """The first date after ``as_of`` that is law (not a proposal) and concerns a class of
    the portfolio's models (a date without classes concerns every model)."""
    if framework["status"] in ("superseded", "rescinded"):
        return None
    classes = _portfolio_classes()
    ahead = [
        d
        for d in framework.get("dates") or ()
        if dt.date.fromisoformat(_str(d["date"])) > as_of
        and d["legal_status"] != "proposal"
        and ("classes" not in d or set(d["classes"]) & classes)
    ]
    return min(ahead, key=lambda d: (_str(d["date"]), d["id"])) if ahead else None


# -- JSON ------------------------------------------------------------------------------------


def test_every_framework_carries_its_status_source_and_verified_on(
    as_json: dict[str, Any],
) -> None:
    by_id = {f["id"]: f for f in as_json["frameworks"]}
    assert sorted(by_id) == [p.stem for p in FRAMEWORKS]
    for path in FRAMEWORKS:
        data, row = _yaml(path), by_id[path.stem]
        assert row["status"] == data["status"], path.stem
        assert row["legal_status"] == data["legal_status"], path.stem
        assert row["version"] == data["version"], path.stem
        assert row["verified_on"] == _str(data["verified_on"]), path.stem
        assert row["source"]["url"] == data["source"]["url"], path.stem
        assert row["source"]["reference"] == data["source"]["reference"], path.stem
        note = data["source"].get("note")
        assert row["source"]["note"] == (" ".join(note.split()) if note else None)
        assert [a["id"] for a in row["amendments"]] == [
            a["id"] for a in data.get("amendments") or ()
        ]
        assert row["caveat"] == (" ".join(data["caveat"].split()) if "caveat" in data else None)
    amendment = by_id["eu-ai-act-2024-1689"]["amendments"][0]
    assert amendment["id"] == "Regulation (EU) 2026/1744"
    assert (amendment["legal_status"], amendment["in_force"]) == ("law", "2026-07-27")
    assert amendment["source"]["url"] == "https://eur-lex.europa.eu/eli/reg/2026/1744/oj"
    assert amendment["verified_on"] == "2026-12-01"


def test_sr_11_7_is_historical_with_its_successor_and_no_grade(as_json: dict[str, Any]) -> None:
    by_id = {f["id"]: f for f in as_json["frameworks"]}
    old = by_id["sr-11-7"]
    assert old["historical"] is True
    assert (old["status"], old["rescinded_on"]) == ("rescinded", "2026-04-17")
    assert old["superseded_by"] == "sr-26-2" and "sr-26-2" in by_id
    assert old["next_date"] is None
    assert old["clauses"] and {c["status"] for c in old["clauses"]} == {"historical"}
    assert not GRADES & {c["status"] for c in old["clauses"]}
    # the mapping is still shown (which controls were mapped), only not graded
    assert any(c["controls"] for c in old["clauses"])
    # every current framework is graded, clause by clause
    for row in as_json["frameworks"]:
        if row["id"] != "sr-11-7":
            assert row["historical"] is False, row["id"]
            assert {c["status"] for c in row["clauses"]} <= GRADES | {"not covered"}, row["id"]
    successor = by_id["sr-26-2"]
    assert successor["historical"] is False and successor["superseded_by"] is None


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 12, 2), dt.date(2027, 12, 2)])
def test_the_next_legal_date_that_matters_for_the_portfolio(as_of: dt.date) -> None:
    document = json.loads(_coverage(as_of, "--format", "json"))
    for path, row in zip(FRAMEWORKS, document["frameworks"], strict=True):
        expected = _next_date(_yaml(path), as_of)
        if expected is None:
            assert row["next_date"] is None, (path.stem, as_of)
            continue
        assert row["next_date"] == {
            "id": expected["id"],
            "date": _str(expected["date"]),
            "event": expected["event"],
            "legal_status": expected["legal_status"],
            "set_by": expected.get("set_by"),
            "source": {
                "url": expected["source"]["url"],
                "reference": expected["source"]["reference"],
                "note": " ".join(expected["source"]["note"].split())
                if "note" in expected["source"]
                else None,
            },
            "verified_on": _str(expected["verified_on"]),
        }, (path.stem, as_of)
    eu = document["frameworks"][0]
    expected_id = {
        AS_OF: "new-prohibitions-and-art-50-2",  # the portfolio has a limited-risk model
        dt.date(2026, 12, 2): "annex-iii-high-risk",  # the sandboxes date concerns no model
        dt.date(2027, 12, 2): "annex-i-high-risk",
    }[as_of]
    assert eu["next_date"]["id"] == expected_id


def test_clauses_list_the_rationales_of_their_mappings(as_json: dict[str, Any]) -> None:
    expected: dict[tuple[str, str], list[dict[str, str]]] = {}
    for control_id, control in _files("policies/controls").items():
        for mapping in control["mappings"]:
            if mapping.get("rationale"):
                key = (mapping["framework"], str(mapping["clause"]))
                why = {"control": control_id, "rationale": " ".join(mapping["rationale"].split())}
                expected.setdefault(key, []).append(why)
    assert len(expected) >= 10  # MON-04, MON-03, EXT-01, DEC-01, DAT-01, ...
    for framework in as_json["frameworks"]:
        for clause in framework["clauses"]:
            key = (framework["id"], clause["id"])
            assert clause["rationales"] == sorted(
                expected.get(key, []), key=lambda w: w["control"]
            ), key


def test_a_control_whose_only_gap_is_not_yet_in_force_is_upcoming(
    as_json: dict[str, Any],
) -> None:
    by_id = {c["id"]: c for c in as_json["controls"]}
    risk = by_id["RISK-02"]
    assert risk["status"] == "upcoming"
    assert (risk["failing"], risk["waived"]) == ([], [])
    assert [u["result"] for u in risk["upcoming"]] == ["RISK-02-fria: Model credit-scoring"]
    applies = risk["upcoming"][0]["applies_from"]
    assert applies["date"] == "2027-12-02" and applies["in_force"] is False
    assert applies["reference"] == "eu-ai-act-2024-1689#annex-iii-high-risk"
    assert risk["applies_from"] == applies  # the rule takes the control's date
    # an upcoming control is not a pass, and not a failure
    passing = sum(c["status"] in ("pass", "manual with evidence") for c in as_json["controls"])
    assert as_json["share_passing"] == round(passing / len(as_json["controls"]), 4)
    eu = next(f for f in as_json["frameworks"] if f["id"] == "eu-ai-act-2024-1689")
    art_27 = next(c for c in eu["clauses"] if c["id"] == "Art. 27")
    assert (art_27["controls"], art_27["status"]) == (["RISK-02"], "upcoming")
    assert all(not c["upcoming"] for c in as_json["controls"] if c["id"] != "RISK-02")


def test_from_the_annex_iii_date_the_gap_is_a_failure() -> None:
    document = json.loads(_coverage(dt.date(2027, 12, 2), "--format", "json"))
    risk = next(c for c in document["controls"] if c["id"] == "RISK-02")
    assert risk["status"] == "fail"
    assert risk["failing"] == ["RISK-02-fria: Model credit-scoring"] and risk["upcoming"] == []
    assert risk["applies_from"]["in_force"] is True


# -- text ------------------------------------------------------------------------------------


def test_text_shows_each_framework_s_provenance(as_text: str) -> None:
    for path in FRAMEWORKS:
        data = _yaml(path)
        lines = _text_block(as_text, data["id"])
        head = lines[: next(i for i, line in enumerate(lines) if line.startswith("  clauses"))]
        text = "\n".join(head)
        assert f"  version:     {data['version']}\n" in text, data["id"]
        assert f"  legal force: {data['legal_status']}; issued by {data['issuer']}" in text
        assert f"  source:      {data['source']['reference']}\n" in text, data["id"]
        assert f"\n               {data['source']['url']}" in text, data["id"]
        assert f"  verified on: {_str(data['verified_on'])}" in text, data["id"]
        for amendment in data.get("amendments") or ():
            assert (
                f"  amended by:  {amendment['id']} ({amendment['legal_status']}, in force" in text
            )
        if "caveat" in data:
            assert f"  caveat:      {' '.join(data['caveat'].split())}" in text
        expected = _next_date(data, AS_OF)
        if data["status"] in ("superseded", "rescinded"):
            assert "next date" not in text
        elif expected is None:
            assert "  next date:   none ahead that concerns this portfolio" in text
        else:
            assert f"  next date:   {_str(expected['date'])} {expected['event']} (law; " in text


def test_text_shows_sr_11_7_as_historical_without_grades(as_text: str) -> None:
    lines = _text_block(as_text, "sr-11-7")
    assert lines[1] == (
        "  historical:  rescinded on 2026-04-17, superseded by sr-26-2; "
        "not graded as a current obligation"
    )
    start = lines.index("  clauses (not graded):")
    clauses = [line for line in lines[start + 1 :] if not line.startswith("      why ")]
    assert len(clauses) == len(_yaml(REPO_ROOT / "policies/frameworks/sr-11-7.yaml")["clauses"])
    for line in clauses:
        assert line.split()[1] == "historical", line
        assert not {"pass", "fail", "waived", "upcoming", "manual"} & set(line.split()[:3])


def test_text_shows_an_upcoming_control_with_its_date(as_text: str) -> None:
    block = as_text.split("\n  RISK-02 ", 1)[1].split("\n  RUN-01 ", 1)[0]
    assert block.split()[0] == "upcoming"
    assert (
        "           applies from 2027-12-02 (eu-ai-act-2024-1689#annex-iii-high-risk: "
        "High-risk obligations apply to Annex III systems)"
    ) in block
    assert (
        "           upcoming: RISK-02-fria: Model credit-scoring (a finding from 2027-12-02)"
        in block
    )


def test_text_gives_the_rationale_under_its_clause(as_text: str) -> None:
    lines = _text_block(as_text, "eu-ai-act-2024-1689")
    at = next(i for i, line in enumerate(lines) if line.startswith("    Art. 9 "))
    assert lines[at + 1].startswith("      why MON-04: The risk management system must address")


def test_text_states_once_what_a_covered_clause_means(as_text: str) -> None:
    statement = "A clause shown as covered reflects the organisation's own mapping of its controls"
    assert as_text.count(statement) == 1
    assert "not a regulator's or an auditor's judgement" in as_text


# -- the framework files themselves ---------------------------------------------------------


@pytest.mark.parametrize("path", FRAMEWORKS, ids=[p.stem for p in FRAMEWORKS])
def test_every_framework_file_says_where_it_comes_from(path: Path) -> None:
    """The framework, each amendment and each date name their source (a URL and a
    reference) and the day they were last checked."""
    data = _yaml(path)
    dated = [("framework", data)]
    dated += [(f"amendment {a['id']}", a) for a in data.get("amendments") or ()]
    dated += [(f"date {d.get('id')}", d) for d in data.get("dates") or ()]
    assert len(dated) > 1, "a framework without dates has nothing to say when it applies"
    for what, item in dated:
        source = item.get("source") or {}
        assert str(source.get("url", "")).startswith("https://"), (path.stem, what)
        assert str(source.get("reference", "")).strip(), (path.stem, what)
        assert isinstance(item.get("verified_on"), dt.date | str), (path.stem, what)
        dt.date.fromisoformat(_str(item["verified_on"]))
        if what.startswith("date"):
            assert item.get("id") and item.get("legal_status"), (path.stem, what)


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("source", "Framework.dates[0]: missing required field 'source'"),
        ("verified_on", "Framework.dates[0]: missing required field 'verified_on'"),
    ],
)
def test_validate_names_a_date_without_source_or_verified_on(
    tmp_path: Path, drop: str, message: str
) -> None:
    root = write_minirepo(tmp_path / "repo")
    date = {
        "id": "publication",
        "event": "Published",
        "date": "2026-01-01",
        "legal_status": "standard",
        "source": {"url": "https://example.com/framework", "reference": "Example 1.0"},
        "verified_on": "2026-01-15",
    }
    del date[drop]
    path = root / "policies" / "frameworks" / "fw.yaml"
    text = path.read_text(encoding="utf-8")
    dates = yaml.safe_dump({"dates": [date]}, sort_keys=False)
    path.write_text(text.replace("clauses:\n", dates + "clauses:\n"), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index("dates:") + 2
    result = invoke("--repo", root, "validate")
    assert result.exit_code == 1, result.stdout
    assert f"policies/frameworks/fw.yaml:{line}:" in result.stdout
    assert message in result.stdout


@pytest.mark.parametrize("drop", ["source", "verified_on"])
def test_validate_names_a_framework_without_source_or_verified_on(
    tmp_path: Path, drop: str
) -> None:
    root = write_minirepo(tmp_path / "repo")
    path = root / "policies" / "frameworks" / "fw.yaml"
    data = _yaml(path)
    del data[drop]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = invoke("--repo", root, "validate")
    assert result.exit_code == 1, result.stdout
    assert f"policies/frameworks/fw.yaml:1:1: Framework: missing required field '{drop}'" in (
        result.stdout
    )


def _provisional() -> list[tuple[str, str]]:
    found = [
        (path.stem, str(clause["id"]))
        for path in FRAMEWORKS
        for clause in _yaml(path)["clauses"]
        if clause.get("provisional") is True
    ]
    assert len(found) >= 6  # every SR 26-2 clause
    return found


def test_every_provisional_clause_is_marked_in_json_and_text(
    as_json: dict[str, Any], as_text: str
) -> None:
    flagged = set(_provisional())
    for framework in as_json["frameworks"]:
        lines = _text_block(as_text, framework["id"])
        for clause in framework["clauses"]:
            key = (framework["id"], clause["id"])
            assert clause["provisional"] is (key in flagged), key
            line = next(x for x in lines if x.startswith(f"    {clause['id']}  "))
            rest = line[4 + len(clause["id"]) :].strip()
            marked = rest.startswith(f"{clause['status']} (provisional) ")
            assert marked is (key in flagged), line
