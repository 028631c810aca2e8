"""The model cards, read back by huggingface_hub's ModelCard offline; their drift from the
records caught by --check; record text kept as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import ModelCard, ModelCardData
from support.cli import invoke
from support.repos import AS_OF, AS_OF_TEXT, REPO_ROOT, copy_sample, edit

from compliance_tool.checks.engine import Status
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cards")
    result = invoke(
        "--repo", REPO_ROOT, "export", "model-cards", "--as-of", AS_OF_TEXT, "--output", folder
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample with its configuration and committed cards, for edits."""
    return copy_sample(tmp_path_factory.mktemp("sample"), config=True)


def test_every_card_loads_with_huggingface_hub(cards: Path) -> None:
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    models = inventory.records(Kind.MODEL)
    assert sorted(p.name for p in cards.iterdir()) == sorted(f"{m.id}.md" for m in models)
    for model in models:
        card = ModelCard.load(cards / f"{model.id}.md")
        assert isinstance(card.data, ModelCardData)
        metadata = card.data.to_dict()
        governance = metadata["governance"]
        assert governance["id"] == model.id
        assert governance["owner"] == model.get("ownership.owner")
        assert governance["operator"] == model.get("ownership.operator")
        assert governance["risk_tier"] == model.get("risk.tier")
        assert governance["lifecycle"] == model.get("lifecycle")
        assert governance["evaluated_on"] == AS_OF_TEXT
        refs = [d["ref"] for d in model.get("inputs.datasets") or []]
        assert metadata.get("datasets", []) == refs
        assert card.data.datasets == (refs or None)
        assert "license" not in metadata  # no record names one
        assert "model-index" not in metadata
        assert f"lifecycle-{model.get('lifecycle')}" in card.data.tags
        assert card.text.startswith("\n# ")


def test_a_card_says_what_the_record_and_the_evaluation_say(cards: Path) -> None:
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    findings = [
        r
        for r in evaluate(inventory, AS_OF).check.results
        if r.subject == "fraud-scoring" and r.kind is Kind.MODEL
        if r.status in (Status.FAIL, Status.WAIVED)
    ]
    card = ModelCard.load(cards / "fraud-scoring.md")
    governance = card.data.to_dict()["governance"]
    assert governance["validation_status"] == "overdue"
    assert governance["personal_data"] is True
    assert governance["open_findings"] == sum(r.status is Status.FAIL for r in findings)
    assert governance["waived_findings"] == sum(r.status is Status.WAIVED for r in findings)
    text = card.text
    said = [
        "| Owner | Giulia Marino (`gmarino`) |",
        "| Operator | Tobias Bauer (`tbauer`) |",
        "- credit decisions or credit limit changes",
        "| **yes**: card\\_token, customer\\_id, device\\_id |",
        "- data drift (`psi`): warns at 0.1, pages at 0.25, over P7D",
        "- performance (`pr_auc`): at least 0.62",
        "Overdue since 2026-10-20",
    ]
    assert [line for line in said if line not in text] == []
    for result in findings:
        assert f"| `{result.rule}` | {result.severity.label} |" in text
    assert "waived by W-2026-014 until 2026-12-31" in text


def test_derived_personal_data_is_marked(cards: Path) -> None:
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    datasets = {d.id: d for d in inventory.records(Kind.DATASET)}
    derived = [
        d
        for d in datasets.values()
        if not d.get("classification.contains_pii")
        and any(datasets[p].get("classification.contains_pii") for p in d.get("parents") or [])
    ]
    assert derived, "the sample has a dataset derived from personal data"
    text = "".join(p.read_text(encoding="utf-8") for p in cards.iterdir())
    assert any(f"(`{d.id}`) |" in text and "**yes**, derived from" in text for d in derived)


def test_a_broken_card_fails_to_load(tmp_path: Path, cards: Path) -> None:
    good = (cards / "fraud-scoring.md").read_text(encoding="utf-8")
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text(good.replace("tags:\n", "tags: [\n", 1), encoding="utf-8")
    with pytest.raises(Exception, match="flow"):
        ModelCard.load(unclosed)
    listed = tmp_path / "listed.md"
    listed.write_text("---\n- not\n- a mapping\n---\n# card\n", encoding="utf-8")
    with pytest.raises(ValueError, match="should be a dict"):
        ModelCard.load(listed)


def test_record_text_is_data_in_the_card(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "repo", config=True)
    model = root / "inventory/models/fraud-scoring.yaml"
    edit(model, "name: Card fraud scoring", 'name: "Fraud <b>scoring</b> | @everyone #1"')
    edit(
        model,
        '"Score card authorisations for fraud risk before the authorisation decision"',
        '"Score *cards*\\n---\\nlicense: mit\\n[link](https://example.com)"',
    )
    result = invoke("--repo", root, "export", "model-cards")
    assert result.exit_code == 0, result.output
    card = ModelCard.load(root / "docs/model-cards/fraud-scoring.md")
    assert "license" not in card.data.to_dict()
    assert card.data.to_dict()["governance"]["id"] == "fraud-scoring"
    assert "# Fraud \\<b\\>scoring\\</b\\> \\| @&#8203;everyone #&#8203;1" in card.text
    assert (
        "Score \\*cards\\*<br>---<br>license: mit<br>\\[link\\](https://example.com)" in card.text
    )


def test_check_fails_when_a_card_drifts_from_its_record(sample: Path) -> None:
    assert invoke("--repo", sample, "export", "model-cards", "--check").exit_code == 0
    edit(
        sample / "inventory/models/fraud-scoring.yaml",
        "- AML suspicion reporting",
        "- AML suspicion reporting\n    - pricing",
    )
    drifted = invoke("--repo", sample, "export", "model-cards", "--check")
    assert drifted.exit_code == 1
    assert "docs/model-cards/fraud-scoring.md (on disk)" in drifted.output
    assert "+- pricing" in drifted.output
    assert invoke("--repo", sample, "export", "model-cards").exit_code == 0
    assert invoke("--repo", sample, "export", "model-cards", "--check").exit_code == 0


def test_the_evaluation_date_is_pinned_by_the_configuration(sample: Path) -> None:
    """Without --as-of the configured date holds (the committed cards do not go stale
    overnight); an explicit --as-of wins over it."""
    pinned = invoke("--repo", sample, "export", "model-cards", "--check")
    assert pinned.exit_code == 0, pinned.output
    assert "evaluated on 2026-11-26 (export.model-cards.as_of; --as-of overrides it)" in (
        pinned.output
    )
    later = invoke("--repo", sample, "export", "model-cards", "--check", "--as-of", "2027-06-01")
    assert later.exit_code == 1
    assert "+  evaluated_on: '2027-06-01'" in later.output
    config = sample / "compliance-tool.yaml"
    edit(config, "model-cards: {as_of: 2026-11-26}", "model-cards: {as_of: soon}")
    try:
        wrong = invoke("--repo", sample, "export", "model-cards", "--check")
        assert wrong.exit_code == 2
        assert "export.model-cards.as_of in compliance-tool.yaml is not a date" in wrong.output
        edit(config, "model-cards: {as_of: soon}", "model-cards: {}")
        unpinned = invoke(
            "--repo", sample, "export", "model-cards", "--check", "--as-of", "2027-06-01"
        )
        assert unpinned.exit_code == 1
        assert "+  evaluated_on: '2027-06-01'" in unpinned.output
    finally:
        config.write_text((REPO_ROOT / "compliance-tool.yaml").read_text(encoding="utf-8"))


def test_the_committed_cards_are_current() -> None:
    result = invoke("--repo", REPO_ROOT, "export", "model-cards", "--check")
    assert result.exit_code == 0, result.output
