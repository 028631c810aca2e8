"""The verification of a signed report as text (one line per check) and as JSON."""

from __future__ import annotations

import json

from compliance_tool.audit.verify import VerifyReport


def render_text(report: VerifyReport) -> str:
    """``status  name: message`` for each check, in the order they ran."""
    return "".join(f"{c.status:<4}  {c.name}: {c.message}\n" for c in report.checks)


def render_json(report: VerifyReport) -> str:
    """The checks and what each signature covers, as schemas/verify-result.schema.json
    describes them."""
    data = {
        "file": str(report.path),
        "ok": report.ok,
        "checks": [
            {"name": c.name, "ok": c.ok, "status": c.status, "message": c.message}
            for c in report.checks
        ],
        "signatures": [
            {
                "field": s.field,
                "revision": s.revision,
                "revisions": s.revisions,
                "manifest_sha256": s.manifest_sha256,
            }
            for s in report.signatures
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
