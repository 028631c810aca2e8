"""Validation of a governance repository: every problem, each with file, line and a fix.

Per file: YAML safety and syntax, apiVersion/kind/id, and the JSON Schema (done by the
loader, cached by content). Across files: duplicate ids, references that resolve,
lineage without cycles, on-call schedules that can be computed (members of the
rotation, known time zone, times of day, overrides that do not overlap), repository files (runbooks, DPIAs, reviews) that exist
inside the repository, rule files whose ``when``/``require`` schemas compile, and text that
reads as written (bidi controls, lookalike letters: :mod:`~compliance_tool.checks.text_safety`).
Validation of a subset (the files of a pull request) checks those
files against the whole repository without parsing the rest.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from compliance_tool.checks.rule_schemas import rule_schema_problems
from compliance_tool.checks.schedule import schedule_problems
from compliance_tool.checks.text_safety import text_problems
from compliance_tool.repository.cache import CacheFile, Many, fits
from compliance_tool.repository.kinds import (
    FILE_FIELDS,
    FOLDERS,
    REFERENCES,
    Kind,
    dotted,
    linked_files,
    walk,
)
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.problems import Problem

FILE_LABELS = {
    "runbook": "runbook",
    "dpia": "DPIA",
    "postmortem": "post-incident review",
    "report": "validation report",
    "model_card": "model card",
    "contract": "data contract",
    "file": "evidence file",
}


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Problems found, sorted by file and line, and how many files were checked."""

    problems: tuple[Problem, ...]
    files_checked: int
    source_label: str
    git_prefix: str = ""
    """Where the governance root sits in its git repository (``""`` or ``"sub/"``), for
    the formats whose paths start at the top of the repository (GitHub annotations)."""

    @property
    def passed(self) -> bool:
        return not self.problems


def validate(inventory: Inventory, targets: Iterable[str] | None = None) -> ValidationResult:
    """Validate ``targets`` (default: every governance file) against the whole repository.

    A whole-repository validation is remembered in the cache folder, keyed by the content
    of every governance file and the state of every file they link to: an unchanged
    repository is answered from it after reading and hashing the files. The key is taken
    from the very bytes that are then parsed, so an edit during the run cannot leave an
    old answer under new content."""
    memo = _memo(inventory) if targets is None else None
    if memo is None:
        return _validate(inventory, targets)[0]
    files_key = _files_key(inventory)
    stored = memo.load(files_key)
    remembered = _remembered(inventory, files_key, stored) if stored is not None else None
    if remembered is not None:
        return remembered
    result, records = _validate(inventory, None)
    linked = sorted({path for record in records for path in linked_files(record.kind, record.data)})
    linked_key = files_state_key(inventory, linked)
    inventory.content_key = _content_key(files_key, linked_key)
    problems = [_fields(p) for p in result.problems]
    memo.save(files_key, (linked, linked_key, problems, result.files_checked))
    return result


MEMO_FORMAT = 5
"""3: rule files' Cerberus schemas are compiled too; 4: text safety (bidi, lookalikes);
5: rotation schedules."""


def _memo(inventory: Inventory) -> CacheFile | None:
    """The remembered validation of a working tree, beside the parse cache."""
    cache = inventory.cache
    if cache is None or cache.folder is None or inventory.source.commit is not None:
        return None
    return CacheFile(cache.folder, "validation", MEMO_FORMAT)


PROBLEM_SHAPE = (str, int, int, str, str, str, str, str)
"""A problem as the memo keeps it (:func:`_fields`)."""

MEMO_SHAPE = (Many(str), str, Many(PROBLEM_SHAPE), int)
"""The memo: linked files, their state key, the problems, the number of files checked."""


def _remembered(inventory: Inventory, files_key: str, stored: Any) -> ValidationResult | None:
    """The remembered result, when it has the memo's shape and the files it linked to are
    as they were then."""
    if not fits(stored, MEMO_SHAPE):
        return None
    linked, linked_key, problems, files_checked = stored
    if files_checked < 0 or linked_key != files_state_key(inventory, linked):
        return None
    found = tuple(Problem(*p) for p in problems)
    inventory.content_key = _content_key(files_key, linked_key)
    return ValidationResult(found, files_checked, inventory.source.label)


def _fields(problem: Problem) -> tuple[Any, ...]:
    return (
        problem.path,
        problem.line,
        problem.column,
        problem.kind,
        problem.field,
        problem.message,
        problem.hint,
        problem.code,
    )


def _files_key(inventory: Inventory) -> str:
    """Digest of the schemas and of every governance file, by the bytes that are parsed."""
    digest = hashlib.sha256(f"{inventory.schemas.digest}\n".encode())
    entries, content_id = inventory.entries, inventory.content_id
    for path in inventory.yaml_paths():
        digest.update(f"{path}\0{entries[path].link}\0{content_id(path)}\n".encode())
    return digest.hexdigest()


def files_state_key(inventory: Inventory, paths: list[str]) -> str:
    """Digest of the state (exists, a regular file inside the repository...) of each of
    ``paths``: the files records link to (runbooks, DPIAs...), which memos depend on."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path}\0{inventory.source.file_problem(path)}\n".encode())
    return digest.hexdigest()


def _content_key(files_key: str, linked_key: str) -> str:
    """The key of everything a whole validation depends on, which the check memo uses."""
    return hashlib.sha256(f"{files_key}\0{linked_key}".encode()).hexdigest()


def _validate(
    inventory: Inventory, targets: Iterable[str] | None
) -> tuple[ValidationResult, list[Record]]:
    paths = inventory.yaml_paths() if targets is None else sorted(set(targets))
    paths = [p for p in paths if p in inventory.entries]
    problems: list[Problem] = []
    loaded = inventory.load_all(None if targets is None else paths)
    stray = set(inventory.stray)
    for item in loaded:
        problems.extend(item.problems)
        if item.path in stray and not any(p.code == "wrong-folder" for p in item.problems):
            problems.append(
                Problem(
                    item.path,
                    1,
                    1,
                    "file",
                    "",
                    "file is not in a kind folder",
                    "move it into one of: " + ", ".join(f"{f}/" for f in FOLDERS.values()),
                    "wrong-folder",
                )
            )
    records = [item.record for item in loaded if item.record is not None]
    marked = {item.path for item in loaded if item.placeholders}
    problems.extend(_duplicate_ids(inventory, paths))
    for record in records:
        if record.path in marked:
            problems.extend(_placeholders(record))
        problems.extend(reference_problems(inventory, record))
        problems.extend(_file_problems(inventory, record))
        if record.kind is Kind.ROTATION:
            problems.extend(
                record_problem(record, path, message, hint, "schedule")
                for path, message, hint in schedule_problems(record.data)
            )
    problems.extend(_lineage_cycles(inventory, [r for r in records if r.kind is Kind.DATASET]))
    problems.extend(rule_schema_problems(records))
    problems.extend(text_problems(inventory, records))
    result = ValidationResult(tuple(sorted(set(problems))), len(paths), inventory.source.label)
    return result, records


def _duplicate_ids(inventory: Inventory, paths: list[str]) -> list[Problem]:
    wanted = set(paths)
    found = []
    for kind, ids in inventory.ids.items():
        for record_id, holders in ids.items():
            if len(holders) < 2:
                continue
            for later in holders[1:]:
                if later in wanted:
                    record = inventory.load(later).record
                    line, column = record.position(("id",)) if record else (1, 1)
                    found.append(
                        Problem(
                            later,
                            line,
                            column,
                            kind.value,
                            "id",
                            f"duplicate {kind.value} id '{record_id}' (also {holders[0]})",
                            "ids are unique per kind: rename or remove one file",
                            "duplicate-id",
                        )
                    )
    return found


def _suggest(inventory: Inventory, kind: Kind, value: str) -> str:
    close = difflib.get_close_matches(value, list(inventory.ids[kind]), n=1, cutoff=0.6)
    where = f"no file {FOLDERS[kind]}/{value}.yaml"
    return f"did you mean '{close[0]}'? ({where})" if close else where


def record_problem(
    record: Record, path: tuple[str | int, ...], message: str, hint: str, code: str
) -> Problem:
    """A problem at the value ``path`` of ``record``."""
    line, column = record.position(path)
    return Problem(record.path, line, column, record.kind.value, dotted(path), message, hint, code)


def reference_problems(inventory: Inventory, record: Record) -> list[Problem]:
    """Every reference of ``record`` that names nothing, at the line of the reference."""
    found: list[Problem] = []
    data = record.data

    def dangling(path: tuple[str | int, ...], message: str, hint: str) -> None:
        found.append(record_problem(record, path, message, hint, "reference"))

    for ref in REFERENCES[record.kind]:
        for path, value in walk(data, ref.pattern):
            if not isinstance(value, str) or value in ref.allow:
                continue
            target = ref.target
            if target is Kind.ROLE and not inventory.ids[Kind.ROLE]:
                continue  # roles are free words until the repository defines its roles
            if target is None:  # a waiver's subject: the kind is in the record
                subject_kind = data.get("subject", {}).get("kind")
                if subject_kind not in Kind._value2member_map_:
                    continue
                target = Kind(subject_kind)
            if not inventory.has(target, value):
                dangling(
                    path,
                    f"unknown {target.value.lower()} '{value}'",
                    _suggest(inventory, target, value),
                )
    applies = data.get("applies_from")
    if record.kind in (Kind.CONTROL, Kind.RULE) and isinstance(applies, dict):
        framework = inventory.record(Kind.FRAMEWORK, str(applies.get("framework")))
        dates = framework.data.get("dates") if framework is not None else None
        ids = [str(d.get("id")) for d in _items(dates) if isinstance(d, dict)]
        if framework is not None and str(applies.get("date")) not in ids:
            dangling(
                ("applies_from", "date"),
                f"framework '{framework.id}' has no date '{applies.get('date')}'",
                "use one of: " + (", ".join(ids) or "none"),
            )
    if record.kind is Kind.CONTROL:
        for path, mapping in walk(data, ("mappings", "*")):
            if not isinstance(mapping, dict):
                continue
            framework = inventory.record(Kind.FRAMEWORK, str(mapping.get("framework")))
            clause = mapping.get("clause")
            if framework is None or not isinstance(clause, str):
                continue
            clauses = [
                c.get("id") for c in _items(framework.data.get("clauses")) if isinstance(c, dict)
            ]
            if clause not in clauses:
                close = difflib.get_close_matches(clause, [str(c) for c in clauses], n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"see {framework.path}"
                dangling(
                    (*path, "clause"), f"framework '{framework.id}' has no clause '{clause}'", hint
                )
    return found


def _items(value: Any) -> list[Any]:
    """``value`` when it is a list (a broken framework file may hold anything there)."""
    return value if isinstance(value, list) else []


PLACEHOLDER = "TODO"


def _placeholders(record: Record) -> list[Problem]:
    """Values still reading TODO, as written by ``compliance-tool new``."""
    found = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), record.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif value == PLACEHOLDER:
            found.append(
                record_problem(
                    record,
                    path,
                    "placeholder not filled in",
                    "replace TODO with the real value",
                    "placeholder",
                )
            )
    return found


def _file_problems(inventory: Inventory, record: Record) -> list[Problem]:
    found = []
    for pattern in FILE_FIELDS.get(record.kind, ()):
        for path, value in walk(record.data, pattern):
            if not isinstance(value, str):
                continue
            problem = inventory.source.file_problem(value)
            if problem:
                label = FILE_LABELS.get(str(path[-1]), "file")
                if problem == "does not exist":
                    hint = f"add the file at {value}, or fix the path"
                elif "symlink" in problem:
                    hint = "replace the link with the file itself"
                else:
                    hint = "point to a file inside the repository"
                message = f"{label} '{value}' {problem}"
                found.append(record_problem(record, path, message, hint, "file"))
    return found


def _lineage_cycles(inventory: Inventory, starts: list[Record]) -> list[Problem]:
    """Each cycle in dataset lineage reachable from ``starts``, reported once."""
    found: list[Problem] = []
    reported: set[frozenset[str]] = set()
    done: set[str] = set()

    def parents(dataset_id: str) -> list[str]:
        record = inventory.record(Kind.DATASET, dataset_id)
        raw = record.data.get("parents") if record else None
        return [p for p in raw if isinstance(p, str)] if isinstance(raw, list) else []

    for start in starts:
        if start.id in done:
            continue
        # iterative depth-first search keeping the current path to name the cycle
        stack: list[tuple[str, list[str]]] = [(start.id, parents(start.id))]
        on_path = {start.id}
        while stack:
            node, todo = stack[-1]
            if not todo:
                stack.pop()
                on_path.discard(node)
                done.add(node)
                continue
            child = todo.pop(0)
            if child in on_path:
                chain = [n for n, _ in stack]
                cycle = [*chain[chain.index(child) :], child]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    first = min(cycle[:-1])
                    record = inventory.record(Kind.DATASET, first)
                    if record is not None:
                        at = cycle.index(first)
                        rotated = [*cycle[at:-1], *cycle[:at], first]
                        line, column = record.position(("parents",))
                        found.append(
                            Problem(
                                record.path,
                                line,
                                column,
                                "Dataset",
                                "parents",
                                "lineage cycle: " + " -> ".join(rotated),
                                "a dataset cannot derive from itself: remove one parent link",
                                "lineage-cycle",
                            )
                        )
                continue
            if child in done or not inventory.has(Kind.DATASET, child):
                continue
            on_path.add(child)
            stack.append((child, parents(child)))
    return found
