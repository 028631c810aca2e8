"""A file saved while a command runs: the remembered validation and check describe the
bytes that were checked, never a mix of the old answer and the new content."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from support.cli import Invoke
from support.repos import TIER_RULE

from compliance_tool.checks.pipeline import evaluate, rule_cache
from compliance_tool.checks.validate import validate
from compliance_tool.repository.loader import Inventory, ParseCache
from compliance_tool.repository.schemas import SchemaSet
from compliance_tool.repository.session import Where, cache_folder
from compliance_tool.repository.sources import Entry, WorktreeSource

M1 = "inventory/models/m1.yaml"
AS_OF = dt.date(2026, 11, 26)


class SavedDuringRun(WorktreeSource):
    """The working tree, where an editor saves ``path`` right after the tool first read it."""

    def __init__(self, root: Path, path: str, old: str, new: str) -> None:
        super().__init__(root)
        self.edit = (path, old, new)
        self.saved = False

    def read(self, entry: Entry) -> bytes:
        data = super().read(entry)
        path, old, new = self.edit
        if entry.path == path and not self.saved:
            target = self.root / path
            text = target.read_text(encoding="utf-8")
            assert old in text
            target.write_text(text.replace(old, new), encoding="utf-8")
            self.saved = True
        return data


def _inventory(root: Path, source: WorktreeSource) -> Inventory:
    schemas = SchemaSet()
    return Inventory(source, schemas, ParseCache(cache_folder(Where(root)), schemas.digest))


def _json(run_cli: Invoke, root: Path, *args: str) -> tuple[int, object]:
    result = run_cli("--repo", root, *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout) if result.stdout else None


def test_an_edit_during_validation_is_seen_by_the_next_run(minirepo: Path, run_cli: Invoke) -> None:
    source = SavedDuringRun(minirepo.resolve(), M1, "owner: asmith", "owner: asmth")
    first = validate(_inventory(minirepo, source))
    assert source.saved
    assert first.passed  # the bytes read before the save were valid
    # the file is broken now: the remembered "ok" belongs to the old content only
    assert _json(run_cli, minirepo, "validate") == _json(
        run_cli, minirepo, "validate", "--no-cache"
    )
    code, document = _json(run_cli, minirepo, "validate")
    assert code == 1
    assert isinstance(document, dict)
    assert [p["field"] for p in document["problems"]] == ["ownership.owner"]


def test_a_remembered_validation_covers_the_records_that_are_checked(
    minirepo: Path, run_cli: Invoke
) -> None:
    date = ("--as-of", AS_OF.isoformat())
    (minirepo / "policies/rules/tier-high.yaml").write_text(TIER_RULE, encoding="utf-8")
    assert run_cli("--repo", minirepo, "check", *date).exit_code == 1  # fills every cache
    # an edit that still validates, saved after the remembered validation read m1: the check
    # evaluates the validated bytes, and the next run evaluates the new ones
    source = SavedDuringRun(minirepo.resolve(), M1, "tier: medium", "tier: high")
    inventory = _inventory(minirepo, source)
    evaluation = evaluate(inventory, AS_OF, rule_cache(Where(minirepo)))
    assert source.saved
    model = inventory.load(M1).record
    assert model is not None and model.get("risk.tier") == "medium"
    failing = [(r.rule, r.subject) for r in evaluation.check.failing()]
    assert failing == [("tier-high", "m1")]
    after = _json(run_cli, minirepo, "check", *date)
    assert after == _json(run_cli, minirepo, "check", *date, "--no-cache")
    assert after[0] == 0
