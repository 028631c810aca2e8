"""build_report without the CLI: it returns what it wrote and what to tell the user, and
says when uncommitted governance changes are left out of a report of HEAD."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from support.pdf import weasyprint_quiet

from compliance_tool.report.build import ReportRequest, build_report


def test_the_result_names_the_files_and_the_uncommitted_changes(
    gitrepo: Path, tmp_path: Path
) -> None:
    model = gitrepo / "inventory" / "models" / "m1.yaml"
    model.write_text(model.read_text("utf-8").replace("1.2.0", "1.3.0"), encoding="utf-8")
    (gitrepo / "README.md").write_text("# not governance\n", encoding="utf-8")
    request = ReportRequest(
        root=gitrepo, as_of=dt.date(2026, 3, 2), output=tmp_path / "r.pdf", unsigned=True
    )
    with weasyprint_quiet():
        built = build_report(request)
    assert built.pdf == tmp_path / "r.pdf"
    assert built.manifest == tmp_path / "r.manifest.json"
    assert built.size == built.pdf.stat().st_size and built.pdf.read_bytes()[:5] == b"%PDF-"
    assert built.signer is None and not built.development_key
    manifest = json.loads(built.manifest.read_text(encoding="utf-8"))
    assert built.commit == manifest["commit"] and built.as_of.isoformat() == manifest["as_of"]
    assert built.governance_commits == 1
    assert built.notices == (
        "note: the report reads the last commit (HEAD); uncommitted changes to governance "
        "files are not included (inventory/models/m1.yaml)",
    )
