#!/usr/bin/env python3
"""Regenerate compliance_tool/repository/starter-manifest.json: the SHA-256 of every
released version of each starter file (the kinds' schemas, the policy catalogue, the
scenarios, document templates), which 'compliance-tool upgrade' uses to tell a file the organisation has not
touched (its bytes are those of some release) from one it edited.

Run at release time, after setting the new version in compliance_tool/__init__.py and
pyproject.toml:

    .venv/bin/python scripts/starter_manifest.py            # add or refresh this version
    .venv/bin/python scripts/starter_manifest.py --from-tags # also every tag vX.Y.Z
    .venv/bin/python scripts/starter_manifest.py --check     # exit 1 when out of date

The current version's digests come from the working tree, made exactly as the wheel makes
its copies (compliance_tool/repository/bundle.py), and replace any recorded for that
version (until it is released, the tree may still change); those of older releases are
kept from the manifest, or, with --from-tags, made from the tree of each release tag. A
released version's digests are never dropped: repositories made from it rely on them.
Between releases the installed tool takes its own packaged files as the current version,
so a manifest that lags the tree misleads nothing; --check belongs to the release steps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from compliance_tool import __version__  # noqa: E402
from compliance_tool.repository import bundle  # noqa: E402
from compliance_tool.repository.kinds import Kind  # noqa: E402
from compliance_tool.repository.resources import STARTER_FOLDERS  # noqa: E402

MANIFEST = PROJECT / "compliance_tool" / "repository" / "starter-manifest.json"
TAG = re.compile(r"^v(\d+(?:\.\d+)*)$")


def starter_digests(project: Path) -> dict[str, str]:
    """The digest of each starter file of the project tree at ``project``."""
    kinds = {f"schemas/{kind.schema_name}" for kind in Kind}
    digests = {}
    for path in bundle.starter_sources(project):
        if path in kinds or path.startswith(STARTER_FOLDERS):
            digests[path] = hashlib.sha256(bundle.make(project, path)).hexdigest()
    return digests


def tagged_digests() -> dict[str, dict[str, str]]:
    """The starter digests of every release tag vX.Y.Z, by release."""
    tags = subprocess.run(
        ["git", "tag", "--list", "v*"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = {}
    for tag in tags:
        match = TAG.match(tag)
        if not match:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            archive = Path(scratch) / "tree.tar"
            subprocess.run(
                ["git", "archive", "--format=tar", "-o", str(archive), tag],
                cwd=PROJECT,
                check=True,
            )
            with tarfile.open(archive) as tar:
                tar.extractall(Path(scratch) / "tree", filter="data")
            found[match.group(1)] = starter_digests(Path(scratch) / "tree")
    return found


def build(existing: dict, from_tags: bool) -> dict:
    releases: dict[str, dict[str, str]] = {}
    for path, versions in existing.get("files", {}).items():
        for version, digest in versions.items():
            releases.setdefault(version, {})[path] = digest
    if from_tags:
        releases.update(tagged_digests())
    releases[__version__] = starter_digests(PROJECT)
    files: dict[str, dict[str, str]] = {}
    for version in sorted(releases, key=bundle_version_key):
        for path, digest in releases[version].items():
            files.setdefault(path, {})[version] = digest
    return {
        "format": 1,
        "about": "SHA-256 of every released version of each starter file; "
        "regenerate with scripts/starter_manifest.py",
        "releases": sorted(releases, key=bundle_version_key),
        "files": {path: files[path] for path in sorted(files)},
    }


def bundle_version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.+-]", version))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-tags", action="store_true", help="add every tag vX.Y.Z")
    parser.add_argument("--check", action="store_true", help="exit 1 when out of date")
    args = parser.parse_args()
    existing = json.loads(MANIFEST.read_text("utf-8")) if MANIFEST.is_file() else {}
    manifest = build(existing, args.from_tags)
    text = json.dumps(manifest, indent=1) + "\n"
    if args.check:
        current = MANIFEST.read_text("utf-8") if MANIFEST.is_file() else ""
        if current != text:
            print(
                f"{MANIFEST.relative_to(PROJECT)} is out of date: run {__file__}", file=sys.stderr
            )
            return 1
        return 0
    MANIFEST.write_text(text, "utf-8")
    print(
        f"wrote {MANIFEST.relative_to(PROJECT)}: {len(manifest['files'])} starter files, "
        f"releases {', '.join(manifest['releases'])}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
