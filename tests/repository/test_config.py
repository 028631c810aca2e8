"""compliance-tool.yaml is read as strictly as a record: a duplicate key is refused at its
line instead of one of the two sections being dropped without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_tool.errors import InventoryError
from compliance_tool.repository.config import load_config


def test_a_duplicate_section_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "compliance-tool.yaml").write_text(
        "organisation: Northmoor Bank\n"
        "export:\n"
        "  model-cards: {as_of: 2026-11-26}\n"
        "export:\n"
        "  alertmanager: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(InventoryError) as raised:
        load_config(tmp_path)
    assert raised.value.where == "compliance-tool.yaml:4:1"
    assert "duplicate key 'export' (first at line 2)" in raised.value.message


def test_one_section_of_each_is_read(tmp_path: Path) -> None:
    (tmp_path / "compliance-tool.yaml").write_text(
        "organisation: Northmoor Bank\nexport:\n  model-cards: {as_of: 2026-11-26}\n",
        encoding="utf-8",
    )
    assert load_config(tmp_path)["export"] == {"model-cards": {"as_of": "2026-11-26"}}
