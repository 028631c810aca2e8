"""Allow ``python -m compliance_tool``."""

from __future__ import annotations

from compliance_tool.cli import main

if __name__ == "__main__":
    main()
