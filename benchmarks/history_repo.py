"""Build a synthetic git history of a governance repository, fast, with ``git fast-import``.

The inventory comes from :func:`synthetic.generate` (a moderate size by default: 500
models, 1,000 datasets, 150 people, so that evaluating the rules at many commits stays
meaningful). Its files form the first commit; then every further commit changes one to
three files the way a governance repository changes:

- models: lifecycle moves (development -> validation -> production -> deprecated ->
  retired), monitoring thresholds (drift, performance floor, latency and cost budgets),
  rollback authority and deputies, version bumps with approvals, retraining dates,
  operating metrics, validation dates, oversight mode; a few threshold reviews touch
  two or three models at once; a few models are moved into a subfolder of
  ``inventory/models/`` (same id, so a rename), a few unreferenced ones are deleted and a
  few new ones are added;
- datasets: quality-check results, owner, retention, classification level; a few
  unreferenced datasets are deleted;
- people: access reviews and training dates; rotations: escalation delays and schedule.

A handful of "hot" models take 15% of the model edits, so that ``history`` has a
record with a long trail (the most changed one is recorded). Author dates are spread
over the 28 months before the end date, during working hours, by people of the
inventory. Every commit is a valid repository (``validate`` reports nothing), so
``diff`` and ``trend`` can evaluate any of them.

The whole stream is generated in Python and imported in one ``git fast-import`` run
(seconds, not the minutes that 5,000 ``git commit`` calls take), then
``git commit-graph write --reachable --changed-paths`` writes the commit graph with
changed-path Bloom filters.

Usage::

    python benchmarks/history_repo.py OUT_DIR [--commits N --models N --datasets N
        --people N --seed N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from benchlib import BenchError, clean_tree, clear_folder, git, inputs_digest
from synthetic import generate

HISTORY_MARKER = ".ct-bench-history.json"
"""Written at the root of a built history: its parameters and what was built."""

DEFAULT_START = dt.datetime(2024, 8, 1, 9, 0, tzinfo=dt.UTC)
DEFAULT_END = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
MODELS_FOLDER = "inventory/models"
DATASETS_FOLDER = "inventory/datasets"
PEOPLE_FOLDER = "inventory/people"
ROTATIONS_FOLDER = "inventory/rotations"
LIFECYCLE_NEXT = {
    "proposed": ("development",),
    "development": ("validation", "validation", "proposed"),
    "validation": ("production", "production", "development"),
    "production": ("deprecated", "validation"),
    "deprecated": ("retired", "retired", "production"),
    "retired": (),
}
OVERSIGHT = ("in-the-loop", "on-the-loop", "in-command", "none")
DATE = r"\d{4}-\d{2}-\d{2}"


@dataclass(slots=True)
class HistoryInfo:
    """What was built: enough for a benchmark to pick its commands."""

    commits: int
    """Every commit, the initial one included."""
    models: int
    datasets: int
    people: int
    seed: int
    first_date: str
    last_date: str
    hot_model: str
    """The model changed most often."""
    hot_model_changes: int
    files_changed: int
    edits: dict[str, int] = field(default_factory=dict)
    """How many edits of each kind the history holds."""
    build_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class State:
    """The repository as the history goes on: every file's text, and what may change."""

    files: dict[str, str]
    models: dict[str, str]
    """Live model id -> path."""
    datasets: dict[str, str]
    people: list[str]
    rotations: list[str]
    operators: list[str]
    active: list[str]
    authors: list[tuple[str, str]]
    referenced_models: set[str]
    referenced_datasets: set[str]
    hot: list[str]
    moved: set[str] = field(default_factory=set)
    next_model: int = 0
    model_changes: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class Change:
    """One commit's worth of change: files written, files deleted, and why."""

    message: str
    write: dict[str, str] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


# -- reading the generated inventory ----------------------------------------------------


def _load(text: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data if isinstance(data, dict) else {}


def _ids(root: str, files: dict[str, str]) -> dict[str, str]:
    return {
        path.rsplit("/", 1)[1].removesuffix(".yaml"): path
        for path in files
        if path.startswith(root + "/") and path.endswith(".yaml")
    }


def initial_state(files: dict[str, str], rng: random.Random) -> State:
    """What the history needs to know about the generated inventory."""
    models = _ids(MODELS_FOLDER, files)
    datasets = _ids(DATASETS_FOLDER, files)
    people: dict[str, dict[str, Any]] = {
        pid: _load(files[path]) for pid, path in _ids(PEOPLE_FOLDER, files).items()
    }
    active = sorted(pid for pid, data in people.items() if "status" not in data)
    operators = sorted(
        pid
        for pid in active
        if {"ml-sre", "ml-platform-engineer"} & set(map(str, people[pid].get("roles") or []))
    ) or list(active)
    authors = sorted(
        (str(data.get("name", pid)), str(data.get("email", f"{pid}@example.invalid")))
        for pid, data in people.items()
        if pid in active
    )
    referenced_models: set[str] = set()
    referenced_datasets: set[str] = set()
    for path, text in files.items():
        if not path.endswith(".yaml") or not path.startswith("inventory/"):
            continue
        data = _load(text)
        kind = data.get("kind")
        if kind == "Incident":
            referenced_models.update(map(str, data.get("models") or []))
        elif kind == "Waiver":
            subject = data.get("subject")
            if isinstance(subject, dict):
                referenced_models.add(str(subject.get("id")))
        elif kind == "Model":
            inputs = data.get("inputs")
            if isinstance(inputs, dict):
                referenced_models.update(map(str, inputs.get("upstream_models") or []))
                for item in inputs.get("datasets") or []:
                    if isinstance(item, dict):
                        referenced_datasets.add(str(item.get("ref")))
        elif kind == "Dataset":
            referenced_datasets.update(map(str, data.get("parents") or []))
    candidates = sorted(m for m in models if m not in referenced_models)
    hot = rng.sample(candidates or sorted(models), min(5, len(candidates or models)))
    return State(
        files=dict(files),
        models=models,
        datasets=datasets,
        people=sorted(people),
        rotations=sorted(_ids(ROTATIONS_FOLDER, files)),
        operators=operators,
        active=active,
        authors=authors,
        referenced_models=referenced_models,
        referenced_datasets=referenced_datasets,
        hot=hot,
        next_model=len(models),
    )


# -- edits ------------------------------------------------------------------------------

Edit = Callable[[random.Random, str, dt.date, State], tuple[str, str] | None]
"""(rng, text, day, state) -> (new text, what changed) or None when it does not apply."""


def _sub(pattern: str, text: str, replace: Callable[[re.Match[str]], str]) -> str | None:
    found = re.search(pattern, text, flags=re.MULTILINE)
    if found is None:
        return None
    return text[: found.start()] + replace(found) + text[found.end() :]


def edit_lifecycle(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    found = re.search(r"^lifecycle: (\S+)$", text, flags=re.MULTILINE)
    if found is None or not LIFECYCLE_NEXT.get(found.group(1)):
        return None
    new = rng.choice(LIFECYCLE_NEXT[found.group(1)])
    changed = text[: found.start(1)] + new + text[found.end(1) :]
    return changed, f"move to {new}"


def edit_drift(rng: random.Random, text: str, day: dt.date, state: State) -> tuple[str, str] | None:
    warn = rng.choice((0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25))
    page = warn + rng.choice((0.1, 0.15, 0.2))
    changed = _sub(
        r"(data_drift: \{metric: \w+, warn: )[0-9.]+(, page: )[0-9.]+",
        text,
        lambda m: f"{m.group(1)}{warn}{m.group(2)}{page:.2f}",
    )
    return (changed, f"set drift thresholds to warn {warn}, page {page:.2f}") if changed else None


def edit_performance(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    def bump(m: re.Match[str]) -> str:
        value = max(0.01, float(m.group(2)) + rng.choice((-0.03, -0.02, -0.01, 0.01, 0.02)))
        return f"{m.group(1)}{value:.2f}"

    changed = _sub(r"(performance: \{metric: \w+, (?:min|max): )([0-9.]+)", text, bump)
    return (changed, "adjust the performance floor") if changed else None


def edit_budgets(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    latency = rng.choice((50, 80, 100, 120, 150, 200, 250))
    changed = _sub(r"(latency_p99_ms: \{max: )\d+", text, lambda m: f"{m.group(1)}{latency}")
    if changed is None:
        return None
    cost = rng.choice((0.2, 0.3, 0.4, 0.6, 0.8))
    changed = (
        _sub(
            r"(    cost_per_1k_inferences_usd: \{max: )[0-9.]+",
            changed,
            lambda m: f"{m.group(1)}{cost}",
        )
        or changed
    )
    return changed, f"set latency budget {latency} ms and cost budget {cost} USD"


def edit_rollback(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    primary = rng.choice(state.operators)
    others = [o for o in state.operators if o != primary]
    deputies = rng.sample(others, min(len(others), rng.choice((0, 1, 1, 2))))
    tail = f", deputies: [{', '.join(deputies)}]" if deputies else ""
    changed = _sub(
        r"(  rollback_authority: \{primary: )[^,}]+(?:, deputies: \[[^\]]*\])?\}",
        text,
        lambda m: f"{m.group(1)}{primary}{tail}}}",
    )
    return (changed, f"hand rollback authority to {primary}") if changed else None


def edit_version(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    found = re.search(r"^version: (\d+)\.(\d+)\.(\d+)$", text, flags=re.MULTILINE)
    if found is None:
        return None
    old = ".".join(found.group(1, 2, 3))
    major, minor, patch = (int(x) for x in found.group(1, 2, 3))
    new = f"{major}.{minor}.{patch + 1}" if rng.random() < 0.7 else f"{major}.{minor + 1}.0"
    changed = text[: found.start(1)] + new + text[found.end(3) :]
    if rng.random() < 0.6:  # approvals follow the release
        changed = changed.replace(f"version: {old}, by:", f"version: {new}, by:")
        changed = re.sub(
            rf"(stage: (?:validation|deploy), version: {re.escape(new)}, by: [^,]+, at: ){DATE}",
            lambda m: m.group(1) + day.isoformat(),
            changed,
        )
    return changed, f"release {new}"


def edit_retraining(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    changed = _sub(rf"(last_trained: ){DATE}", text, lambda m: m.group(1) + day.isoformat())
    return (changed, "record retraining") if changed else None


def edit_metrics(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    changed = _sub(
        rf"(metrics: \{{as_of: ){DATE}(, failed_deployments_90d: )\d+(, retraining_backlog_days: )\d+",
        text,
        lambda m: (
            f"{m.group(1)}{day.isoformat()}{m.group(2)}{rng.randrange(4)}"
            f"{m.group(3)}{rng.randrange(12)}"
        ),
    )
    return (changed, "update operating metrics") if changed else None


def edit_validation(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    due = (day + dt.timedelta(days=365)).isoformat()
    changed = _sub(
        rf"^(validation: \{{last: ){DATE}(, next_due: ){DATE}(, validator: [^,]+, open_findings: )\d+",
        text,
        lambda m: f"{m.group(1)}{day.isoformat()}{m.group(2)}{due}{m.group(3)}{rng.randrange(3)}",
    )
    return (changed, "record revalidation") if changed else None


def edit_oversight(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    mode = rng.choice(OVERSIGHT)
    changed = _sub(r"(human_oversight: \{mode: )[\w-]+", text, lambda m: m.group(1) + mode)
    return (changed, f"set human oversight to {mode}") if changed else None


MODEL_EDITS: tuple[tuple[str, Edit, int], ...] = (
    ("lifecycle", edit_lifecycle, 14),
    ("drift threshold", edit_drift, 14),
    ("performance threshold", edit_performance, 10),
    ("budgets", edit_budgets, 8),
    ("rollback authority", edit_rollback, 12),
    ("version", edit_version, 10),
    ("retraining", edit_retraining, 10),
    ("metrics", edit_metrics, 10),
    ("validation", edit_validation, 6),
    ("oversight", edit_oversight, 4),
)


def edit_quality(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    result = rng.choice(("pass", "pass", "pass", "warn", "fail", "not-run"))
    changed = _sub(
        rf"(last_result: )[\w-]+(, at: ){DATE}",
        text,
        lambda m: f"{m.group(1)}{result}{m.group(2)}{day.isoformat()}",
    )
    return (changed, f"quality check {result}") if changed else None


def edit_owner(rng: random.Random, text: str, day: dt.date, state: State) -> tuple[str, str] | None:
    owner = rng.choice(state.active)
    changed = _sub(r"^(owner: )\S+$", text, lambda m: m.group(1) + owner)
    return (changed, f"hand ownership to {owner}") if changed else None


def edit_retention(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    years = rng.choice((1, 2, 3, 5, 7, 10))
    until = (day + dt.timedelta(days=365 * years)).isoformat()
    changed = _sub(
        rf"(  period: P)\d+(Y\n  delete_after: ){DATE}",
        text,
        lambda m: f"{m.group(1)}{years}{m.group(2)}{until}",
    )
    return (changed, f"retain for {years} year{'' if years == 1 else 's'}") if changed else None


def edit_level(rng: random.Random, text: str, day: dt.date, state: State) -> tuple[str, str] | None:
    level = rng.choice(("public", "internal", "confidential"))
    changed = _sub(
        r"(  level: )(?:public|internal|confidential)(\n  contains_pii: false)",
        text,
        lambda m: f"{m.group(1)}{level}{m.group(2)}",
    )
    return (changed, f"classify as {level}") if changed else None


DATASET_EDITS: tuple[tuple[str, Edit, int], ...] = (
    ("quality check", edit_quality, 10),
    ("dataset owner", edit_owner, 3),
    ("retention", edit_retention, 3),
    ("classification", edit_level, 2),
)


def edit_access_review(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    changed = _sub(
        rf"(access_review:\n  last: ){DATE}", text, lambda m: m.group(1) + day.isoformat()
    )
    return (changed, "record access review") if changed else None


def edit_training(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    changed = _sub(rf"(  ai_literacy: ){DATE}", text, lambda m: m.group(1) + day.isoformat())
    return (changed, "record AI literacy training") if changed else None


PERSON_EDITS: tuple[tuple[str, Edit, int], ...] = (
    ("access review", edit_access_review, 3),
    ("training", edit_training, 2),
)


def edit_escalation(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    delay = rng.choice(("PT10M", "PT15M", "PT20M"))
    changed = _sub(
        r"(  - level: 2\n    to: \S+\n    after: )PT\d+M", text, lambda m: m.group(1) + delay
    )
    return (changed, f"escalate after {delay}") if changed else None


def edit_schedule(
    rng: random.Random, text: str, day: dt.date, state: State
) -> tuple[str, str] | None:
    weekday = rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday"))
    hour = rng.choice(("08:00", "09:00", "10:00"))
    changed = _sub(
        r'^(schedule: "Weekly hand-over )\w+ \d\d:\d\d',
        text,
        lambda m: f"{m.group(1)}{weekday} {hour}",
    )
    return (changed, f"hand over on {weekday} {hour}") if changed else None


ROTATION_EDITS: tuple[tuple[str, Edit, int], ...] = (
    ("escalation", edit_escalation, 2),
    ("schedule", edit_schedule, 1),
)


def _apply(
    rng: random.Random,
    edits: Sequence[tuple[str, Edit, int]],
    text: str,
    day: dt.date,
    state: State,
) -> tuple[str, str, str] | None:
    """One applicable edit, chosen by weight: (kind, new text, description)."""
    pool = list(edits)
    while pool:
        kind, edit, _ = chosen = rng.choices(pool, [w for _, _, w in pool])[0]
        outcome = edit(rng, text, day, state)
        if outcome is not None and outcome[0] != text:
            return kind, outcome[0], outcome[1]
        pool.remove(chosen)
    return None


# -- one commit -------------------------------------------------------------------------


def _pick_model(rng: random.Random, state: State) -> str:
    live_hot = [m for m in state.hot if m in state.models]
    if live_hot and rng.random() < 0.15:
        return rng.choices(live_hot, (8, 4, 2, 1, 1)[: len(live_hot)])[0]
    return rng.choice(sorted(state.models))


def _edit_model(rng: random.Random, state: State, change: Change, day: dt.date) -> str | None:
    model = _pick_model(rng, state)
    path = state.models[model]
    if path in change.write:
        return None
    outcome = _apply(rng, MODEL_EDITS, state.files[path], day, state)
    if outcome is None:
        return None
    kind, text, what = outcome
    change.write[path] = text
    change.kinds.append(kind)
    state.model_changes[model] += 1
    return f"models/{model}: {what}"


def _edit_other(
    rng: random.Random,
    state: State,
    change: Change,
    day: dt.date,
    paths: Sequence[str],
    edits: Sequence[tuple[str, Edit, int]],
) -> str | None:
    path = rng.choice(paths)
    if path in change.write:
        return None
    outcome = _apply(rng, edits, state.files[path], day, state)
    if outcome is None:
        return None
    kind, text, what = outcome
    change.write[path] = text
    change.kinds.append(kind)
    folder, name = path.removeprefix("inventory/").rsplit("/", 1)
    return f"{folder}/{name.removesuffix('.yaml')}: {what}"


def _move_model(state: State, model: str, change: Change) -> str | None:
    old = state.models[model]
    if model in state.moved or old in change.write:
        return None
    new = f"{MODELS_FOLDER}/{model.split('-', 1)[0]}/{model}.yaml"
    text = state.files[old].replace("$schema=../../schemas/", "$schema=../../../schemas/", 1)
    change.delete.append(old)
    change.write[new] = text
    change.kinds.append("rename")
    state.moved.add(model)
    state.models[model] = new
    state.model_changes[model] += 1
    return f"Move {model} to {new.rsplit('/', 1)[0]}/"


def next_change(rng: random.Random, state: State, day: dt.date, number: int, total: int) -> Change:
    """The change of commit ``number`` (1-based) of ``total``."""
    change = Change("")
    if state.hot and number == int(total * 0.6) and state.hot[0] not in state.moved:
        change.message = _move_model(state, state.hot[0], change) or ""
        return change
    roll = rng.random()
    notes: list[str | None] = []
    if roll < 0.006:  # move a model into its domain's subfolder (same id: a rename)
        candidates = sorted(m for m in state.models if m not in state.moved)
        if candidates:
            change.message = _move_model(state, rng.choice(candidates), change) or ""
    elif roll < 0.012:  # delete a model nothing refers to
        candidates = sorted(
            m for m in state.models if m not in state.referenced_models and m not in state.hot
        )
        if candidates:
            model = rng.choice(candidates)
            change.delete.append(state.models.pop(model))
            change.kinds.append("model deleted")
            change.message = f"Remove decommissioned model {model}"
    elif roll < 0.016:  # delete a dataset nothing refers to
        candidates = sorted(d for d in state.datasets if d not in state.referenced_datasets)
        if candidates:
            dataset = rng.choice(candidates)
            change.delete.append(state.datasets.pop(dataset))
            change.kinds.append("dataset deleted")
            change.message = f"Remove unused dataset {dataset}"
    elif roll < 0.022:  # register a new model, copied from a live one
        source = rng.choice(sorted(state.models))
        domain, task = source.split("-")[:2]
        model = f"{domain}-{task}-{state.next_model:05d}"
        state.next_model += 1
        text = re.sub(
            r"^id: \S+$", f"id: {model}", state.files[state.models[source]], count=1, flags=re.M
        )
        name = f"name: {domain.capitalize()} {task} model {model[-5:]}"
        text = re.sub(r"^name: .*$", name, text, count=1, flags=re.M)
        path = f"{MODELS_FOLDER}/{model}.yaml"
        change.write[path] = text.replace(f"/d/{source}", f"/d/{model}")
        change.kinds.append("model added")
        state.models[model] = path
        state.model_changes[model] += 1
        change.message = f"Register model {model}"
    elif roll < 0.12:  # a review touching two or three models
        for _ in range(rng.choice((2, 2, 3))):
            notes.append(_edit_model(rng, state, change, day))
        change.message = "Quarterly model review: " + "; ".join(n for n in notes if n)
    elif roll < 0.62:
        notes.append(_edit_model(rng, state, change, day))
        if rng.random() < 0.1:
            notes.append(
                _edit_other(rng, state, change, day, sorted(state.datasets.values()), DATASET_EDITS)
            )
    elif roll < 0.86:
        datasets = sorted(state.datasets.values())
        for _ in range(rng.choice((1, 1, 1, 2))):
            notes.append(_edit_other(rng, state, change, day, datasets, DATASET_EDITS))
    elif roll < 0.96:
        people = [f"{PEOPLE_FOLDER}/{p}.yaml" for p in state.people]
        for _ in range(rng.choice((1, 1, 2, 3))):
            notes.append(_edit_other(rng, state, change, day, people, PERSON_EDITS))
    else:
        rotations = [f"{ROTATIONS_FOLDER}/{r}.yaml" for r in state.rotations]
        notes.append(_edit_other(rng, state, change, day, rotations, ROTATION_EDITS))
    if not change.write and not change.delete:
        change.message = ""  # nothing applied: the caller draws again
    elif not change.message:
        kept = [n for n in notes if n]
        change.message = "; ".join(kept)
    return change


# -- the fast-import stream -------------------------------------------------------------


def _data(out: list[bytes], payload: bytes) -> None:
    out.append(b"data %d\n" % len(payload))
    out.append(payload)
    out.append(b"\n")


def _commit_header(
    out: list[bytes], number: int, author: tuple[str, str], when: dt.datetime, message: str
) -> None:
    stamp = f"{int(when.timestamp())} +0000"
    who = f"{author[0]} <{author[1]}>"
    out.append(f"commit refs/heads/main\nmark :{number}\n".encode())
    out.append(f"author {who} {stamp}\ncommitter {who} {stamp}\n".encode())
    _data(out, (message.strip() + "\n").encode("utf-8"))


def commit_times(
    rng: random.Random, count: int, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """``count`` sorted moments between ``start`` and ``end``, on working days and hours."""
    days = (end.date() - start.date()).days
    moments: list[dt.datetime] = []
    while len(moments) < count:
        day = start.date() + dt.timedelta(days=rng.randrange(1, days))
        if day.weekday() >= 5 and rng.random() < 0.9:
            continue
        seconds = rng.randrange(8 * 3600, 19 * 3600)
        moments.append(
            dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
        )
    return sorted(moments)


def build_stream(
    files: dict[str, str],
    commits: int,
    seed: int,
    start: dt.datetime = DEFAULT_START,
    end: dt.datetime = DEFAULT_END,
) -> tuple[bytes, HistoryInfo, State]:
    """The fast-import stream of the initial tree and ``commits`` further commits."""
    rng = random.Random(seed)
    state = initial_state(files, rng)
    out: list[bytes] = []
    _commit_header(
        out, 1, ("compliance-tool bench", "bench@example.invalid"), start, "Initial inventory"
    )
    for path in sorted(files):
        out.append(f"M 100644 inline {path}\n".encode())
        _data(out, files[path].encode("utf-8"))
    out.append(b"\n")
    edits: Counter[str] = Counter()
    changed_files = 0
    moments = commit_times(rng, commits, start, end)
    number = 1
    for index, when in enumerate(moments, start=1):
        change = Change("")
        while not change.message:  # an edit may not apply: draw again
            change = next_change(rng, state, when.date(), index, commits)
        number += 1
        _commit_header(out, number, rng.choice(state.authors), when, change.message)
        out.append(f"from :{number - 1}\n".encode())
        for path in change.delete:
            out.append(f"D {path}\n".encode())
            del state.files[path]
        for path, text in change.write.items():
            out.append(f"M 100644 inline {path}\n".encode())
            _data(out, text.encode("utf-8"))
            state.files[path] = text
        out.append(b"\n")
        edits.update(change.kinds)
        changed_files += len(change.write) + len(change.delete)
    hot, hot_changes = state.model_changes.most_common(1)[0]
    info = HistoryInfo(
        commits=commits + 1,
        models=0,
        datasets=0,
        people=0,
        seed=seed,
        first_date=start.date().isoformat(),
        last_date=moments[-1].date().isoformat() if moments else start.date().isoformat(),
        hot_model=hot,
        hot_model_changes=hot_changes,
        files_changed=changed_files,
        edits=dict(edits.most_common()),
    )
    return b"".join(out), info, state


# -- the whole repository ---------------------------------------------------------------


def _params(models: int, datasets: int, people: int, commits: int, seed: int) -> dict[str, object]:
    return {
        "models": models,
        "datasets": datasets,
        "people": people,
        "commits": commits,
        "seed": seed,
        "inputs": inputs_digest(Path(__file__)),
    }


def existing(
    root: Path, models: int, datasets: int, people: int, commits: int, seed: int
) -> HistoryInfo | None:
    """The history already built at ``root`` with these parameters, if it is complete."""
    try:
        stored = json.loads((root / HISTORY_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("params") != _params(models, datasets, people, commits, seed):
        return None
    try:
        count = int(git(root, "rev-list", "--count", "HEAD").strip())
    except (BenchError, ValueError):
        return None
    info = HistoryInfo(**stored["info"])
    return info if count == info.commits and clean_tree(root) else None


def build(
    root: Path,
    models: int = 500,
    datasets: int = 1_000,
    people: int = 150,
    commits: int = 5_000,
    seed: int = 0,
) -> HistoryInfo:
    """Write the repository with its history at ``root`` (a new or benchmark-made folder)."""
    clear_folder(root, HISTORY_MARKER)
    root.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix="ct-history-inventory-"))
    try:
        generate(staging, models=models, datasets=datasets, people=people, seed=seed)
        files = {
            path.relative_to(staging).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(staging.rglob("*"))
            if path.is_file()
        }
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    timings["generate inventory"] = time.perf_counter() - started
    mark = time.perf_counter()
    stream, info, _ = build_stream(files, commits, seed)
    timings["build stream"] = time.perf_counter() - mark
    info.models, info.datasets, info.people = models, datasets, people
    mark = time.perf_counter()
    git(root, "init", "-q")
    git(root, "fast-import", "--quiet", "--done", stdin=stream + b"done\n")
    timings["git fast-import"] = time.perf_counter() - mark
    mark = time.perf_counter()
    git(root, "reset", "--hard", "-q", "main")
    timings["check out HEAD"] = time.perf_counter() - mark
    mark = time.perf_counter()
    git(root, "commit-graph", "write", "--reachable", "--changed-paths")
    timings["git commit-graph write --changed-paths"] = time.perf_counter() - mark
    info.build_seconds = {k: round(v, 3) for k, v in timings.items()}
    marker = {"params": _params(models, datasets, people, commits, seed), "info": asdict(info)}
    (root / HISTORY_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    (root / ".git" / "info" / "exclude").write_text(f"{HISTORY_MARKER}\n", encoding="utf-8")
    return info


def prepare_history(
    root: Path,
    models: int = 500,
    datasets: int = 1_000,
    people: int = 150,
    commits: int = 5_000,
    seed: int = 0,
    rebuild: bool = False,
) -> tuple[HistoryInfo, bool]:
    """The history at ``root``, built unless a complete one is there; (info, reused)."""
    if not rebuild:
        found = existing(root, models, datasets, people, commits, seed)
        if found is not None:
            return found, True
    return build(root, models, datasets, people, commits, seed), False


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``history_repo.py OUT_DIR [--commits N --models N ...]``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (new, or made by this script)")
    parser.add_argument("--commits", type=int, default=5_000, help="commits after the first")
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--datasets", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        info = build(
            args.out.resolve(), args.models, args.datasets, args.people, args.commits, args.seed
        )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"built {info.commits:,} commits ({info.first_date} .. {info.last_date}, "
        f"{info.files_changed:,} file changes) in {time.perf_counter() - started:.1f} s; "
        f"most changed model: {info.hot_model} ({info.hot_model_changes} commits)"
    )
    print("edits: " + ", ".join(f"{k} {v}" for k, v in info.edits.items()))
    print("steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in info.build_seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
