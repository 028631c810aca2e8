"""Adopting the tool: ``init`` makes a governance repository, ``upgrade`` brings its
starter files to the installed release.

``init`` writes the folders, the starter files (the kinds' schemas, the policy catalogue,
the scenarios), a team file for each team that owns a starter control, a commented
``compliance-tool.yaml``, ``.gitignore`` and every file of the package's
``init_templates/`` (CI, pre-commit, CODEOWNERS, README); ``--example`` adds the sample
organisation. It checks every path before it writes any, refuses to replace a file, and
writes all files or none (:func:`~compliance_tool.repository.writing.write_outputs`).

``upgrade`` replaces the starter files the organisation has not edited and lists, with a
diff, those it did (:mod:`~compliance_tool.repository.starter` tells them apart); it
never overwrites an edited file.
"""

from __future__ import annotations

import difflib
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from compliance_tool.errors import InventoryError
from compliance_tool.repository import resources
from compliance_tool.repository.config import CONFIG_FILE
from compliance_tool.repository.config_text import config_text, gitignore_text
from compliance_tool.repository.kinds import FOLDERS, Kind
from compliance_tool.repository.starter import (
    StarterFile,
    State,
    classify,
    read_present,
    starter_version,
    with_starter_version,
)
from compliance_tool.repository.writing import write_outputs

EMPTY_FOLDERS = (*(FOLDERS[k] for k in Kind), "evidence", "runbooks", "docs")
"""Folders every new repository has; an empty one holds a ``.gitkeep`` so git keeps it."""

KEEP = ".gitkeep"


class InitConflict(InventoryError):
    """``init`` would replace files that exist: nothing was written."""


class NotInitialised(InventoryError):
    """``upgrade`` in a repository that records no starter release."""


@dataclass(frozen=True, slots=True)
class InitResult:
    root: Path
    written: tuple[str, ...]
    git_initialised: bool
    git_note: str | None = None
    """Why no git repository was made, when git is missing."""


def _team_name(team_id: str) -> str:
    acronyms = {"ml": "ML", "sre": "SRE", "ai": "AI", "mlops": "MLOps"}
    words = [acronyms.get(w, w) for w in team_id.split("-")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def starter_teams(policies: dict[str, bytes]) -> dict[str, bytes]:
    """A team file for each team that owns a starter control, with no lead yet, so that the
    catalogue's references resolve from the first ``validate``."""
    from compliance_tool.repository.yamlio import parse_document

    owned: dict[str, list[str]] = {}
    for path, data in sorted(policies.items()):
        if not path.startswith(f"{FOLDERS[Kind.CONTROL]}/"):
            continue
        record = parse_document(data).data
        if isinstance(record, dict) and isinstance(record.get("owner"), str):
            owned.setdefault(record["owner"], []).append(str(record.get("id")))
    files = {}
    for team, controls in sorted(owned.items()):
        text = (
            f"# yaml-language-server: $schema=../../schemas/{Kind.TEAM.schema_name}\n"
            "apiVersion: governance/v1\n"
            "kind: Team\n"
            f"id: {team}\n"
            f"name: {_team_name(team)}\n"
            "description: >-\n"
            f"  Owns the starter controls {', '.join(controls)}. Name its lead and members\n"
            "  (Person ids), or make another team the owner of these controls.\n"
        )
        files[f"{FOLDERS[Kind.TEAM]}/{team}.yaml"] = text.encode("utf-8")
    return files


def init_files(example: bool) -> dict[str, bytes]:
    """Every file ``init`` writes, by its path in the new repository."""
    files = resources.starter_files()
    sample: dict[str, bytes] = resources.example_files() if example else {}
    sample_config = sample.pop(CONFIG_FILE, None)
    files.update(sample if example else starter_teams(resources.packaged_policies()))
    files[CONFIG_FILE] = config_text(sample_config).encode("utf-8")
    files[".gitignore"] = gitignore_text().encode("utf-8")
    files.update(resources.init_templates())
    for folder in EMPTY_FOLDERS:
        if not any(p.startswith(f"{folder}/") for p in files):
            files[f"{folder}/{KEEP}"] = b""
    return dict(sorted(files.items()))


def _writable_ancestor(path: Path) -> Path:
    """The nearest folder that exists at or above ``path``."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _check_target(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise InventoryError(
            f"{root} is a file, not a folder",
            hint="give a new or existing folder for the governance repository",
        )
    ancestor = _writable_ancestor(root)
    if not ancestor.is_dir():
        raise InventoryError(f"{ancestor} is a file, not a folder", hint="choose another path")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InventoryError(
            f"no permission to write in {ancestor}",
            hint="choose a folder you may write in, or ask for write access",
        )


def conflicts(root: Path, paths: list[str]) -> list[str]:
    """The paths (and parents of paths) that already exist where a file would go."""
    found: set[str] = set()
    for path in paths:
        target = root / path
        if os.path.lexists(target):
            found.add(path)
        for parent in Path(path).parents:
            if str(parent) != "." and (root / parent).exists() and not (root / parent).is_dir():
                found.add(parent.as_posix())
    return sorted(found)


def init_repository(root: Path, example: bool) -> InitResult:
    """Make a governance repository at ``root``; InitConflict (nothing written) when a
    file would be replaced, InventoryError when ``root`` cannot be written."""
    root = root.absolute()
    _check_target(root)
    files = init_files(example)
    clash = conflicts(root, list(files))
    if clash:
        raise InitConflict(
            f"{len(clash)} file(s) already exist in {root}: nothing was written",
            hint="init writes into a new or empty folder; move these files away first",
            details=[f"  {path}" for path in clash],
        )
    made = _missing_folders(root, files)
    try:
        write_outputs({root / path: data for path, data in files.items()})
    except BaseException:
        for folder in reversed(made):  # the folders this call made, deepest first
            _remove_if_empty(folder)
        raise
    initialised, note = _git_init(root)
    return InitResult(root, tuple(files), initialised, note)


def _missing_folders(root: Path, files: dict[str, bytes]) -> list[Path]:
    folders = {root, *((root / p).parent for p in files)}
    for folder in list(folders):
        folders.update(p for p in folder.parents if str(p).startswith(str(root)))
    return sorted((f for f in folders if not f.exists()), key=lambda f: len(f.parts))


def _remove_if_empty(folder: Path) -> None:
    with suppress(OSError):
        folder.rmdir()


def _git_init(root: Path) -> tuple[bool, str | None]:
    """``git init`` at ``root`` unless it is inside a git work tree already."""
    try:
        import git
    except ImportError:  # GitPython finds no git executable
        return False, "git was not found: run 'git init' in the new repository yourself"
    try:
        git.Repo(root, search_parent_directories=True)
        return False, None
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        pass
    try:
        git.Repo.init(root).close()
    except git.GitCommandError as error:
        return False, f"git init failed ({error.stderr.strip()}): run it yourself"
    return True, None


# -- upgrade ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    made_from: str
    version: str
    files: tuple[StarterFile, ...]
    written: tuple[str, ...]
    """The paths written (none on a dry run)."""

    def of(self, state: State) -> list[StarterFile]:
        return [f for f in self.files if f.state is state]

    @property
    def edited(self) -> list[StarterFile]:
        return self.of(State.EDITED)


def unified_diff(item: StarterFile, version: str) -> str:
    """The change from the repository's file to this release's, as ``diff -u`` shows it."""
    old = (item.present or b"").decode("utf-8", "replace").splitlines(keepends=True)
    new = item.packaged.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(
        old, new, f"a/{item.path} (this repository)", f"b/{item.path} (compliance-tool {version})"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def upgrade_repository(
    root: Path,
    dry_run: bool = False,
    packaged: dict[str, bytes] | None = None,
    manifest: dict[str, object] | None = None,
) -> UpgradeResult:
    """Bring the starter files of the repository at ``root`` to this release's
    (``packaged`` and ``manifest`` default to the installed tool's): replace the untouched,
    add the new, leave the edited and the removed. NotInitialised when the repository
    records no starter release."""
    config = root / CONFIG_FILE
    text = config.read_text("utf-8") if config.is_file() else ""
    made_from = starter_version(text)
    if made_from is None:
        raise NotInitialised(
            f"{root} records no starter release ('{CONFIG_FILE}' has no starter_version)",
            hint="upgrade updates repositories made by 'compliance-tool init'; for one made "
            'by hand, add starter_version: "<release its starter files came from>" '
            f"to {CONFIG_FILE}",
        )
    packaged = resources.starter_files() if packaged is None else packaged
    manifest = resources.starter_manifest() if manifest is None else manifest
    version = resources.tool_version()
    states = classify(packaged, read_present(root, list(packaged)), dict(manifest), made_from)
    writes = {root / s.path: s.packaged for s in states if s.state in (State.OLDER, State.NEW)}
    if made_from != version:
        writes[config] = with_starter_version(text, version).encode("utf-8")
    if not dry_run and writes:
        write_outputs(writes)
    written = () if dry_run else tuple(p.relative_to(root).as_posix() for p in writes)
    return UpgradeResult(made_from, version, tuple(states), written)
