"""What changed in production between two snapshots of one source, in the source's terms.

A snapshot under ``inventory/observations/`` is rewritten by ``compliance-tool observe``
and committed by a scheduled job, so the history of its file is the production history.
Compared field by field its entries read as list positions (``entries[3].aliases.champion``);
here they are matched by their key (a registered model by name, a workload by kind,
namespace and name, metrics by model and environment) and each difference is one
:class:`~compliance_tool.audit.semantic_diff.ObservedChange` with a sentence such as
"version 7 of credit-scoring became champion on 2026-11-20".

The date of an alias or stage change is the day the newer snapshot was observed (its
``observed_at``): the first day the source showed it. ``history`` falls back to the commit
date when that snapshot has no valid ``observed_at``; a version's registration is dated
by its own ``created_at``. Two snapshots that differ only in ``observed_at`` (or the
version of the tool that wrote them) give one change, ``observed-again``: it is kept in
``history``, where the days a source was observed are the evidence that it was watched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from compliance_tool.audit.semantic_diff import FieldChange, ObservedChange, field_changes
from compliance_tool.observe.settings import VERSION_TAG

METADATA = ("observed_at", "tool_version")
"""Fields of a snapshot that say how it was taken, not what the source showed."""

CHANGE_KINDS = (
    "observed-again",
    "model-appeared",
    "model-disappeared",
    "alias-set",
    "alias-moved",
    "alias-removed",
    "version-registered",
    "version-deleted",
    "stage-changed",
    "status-changed",
    "version-tagged",
    "workload-appeared",
    "workload-removed",
    "serves",
    "replicas-changed",
    "metrics-appeared",
    "metrics-disappeared",
    "metric-changed",
    "metric-appeared",
    "metric-disappeared",
    "entry-changed",
)
"""Every ``change`` an :class:`ObservedChange` has (``entry-changed``: any other field)."""

_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")

Entry = dict[str, Any]


def observed_day(data: Any, fallback: str | None = None) -> str | None:
    """The day (YYYY-MM-DD) a snapshot was observed, else the day of ``fallback``."""
    for value in (data.get("observed_at") if isinstance(data, dict) else None, fallback):
        if isinstance(value, str) and _DAY.match(value):
            return value[:10]
    return None


def record_changes(
    is_observation: bool, old: Any, new: Any, when: str | None = None
) -> tuple[tuple[FieldChange, ...], tuple[ObservedChange, ...]]:
    """The field changes of a record and, for a snapshot, its entries' changes in domain
    terms; a snapshot's ``fields`` then hold the changes outside ``entries`` only.
    ``when`` is the date of the change when the newer snapshot has no ``observed_at``."""
    if not (is_observation and isinstance(old, dict) and isinstance(new, dict)):
        return tuple(field_changes(old, new)), ()
    outside = tuple(
        field_changes(
            {k: v for k, v in old.items() if k != "entries"},
            {k: v for k, v in new.items() if k != "entries"},
        )
    )
    system = (
        (new.get("source") or {}).get("system") if isinstance(new.get("source"), dict) else None
    )
    day = observed_day(new, when)
    changes = entry_changes(str(system), old.get("entries"), new.get("entries"), day)
    if not changes and outside and all(c.path in METADATA for c in outside):
        on = f" on {day}" if day else ""
        changes = [ObservedChange("observed-again", "", "", f"observed again{on}, no change")]
    return outside, tuple(changes)


def entry_changes(system: str, old: Any, new: Any, day: str | None) -> list[ObservedChange]:
    """The changes between the entries of two snapshots of a ``system``."""
    describe = {"mlflow": _registry, "kubernetes": _workload, "openmetrics": _metrics}.get(system)
    key = {"mlflow": _model_key, "kubernetes": _workload_key, "openmetrics": _metrics_key}.get(
        system
    )
    if describe is None or key is None:
        return []
    before, after = _keyed(old, key), _keyed(new, key)
    found: list[ObservedChange] = []
    for name in sorted(set(before) | set(after)):
        found.extend(describe(before.get(name), after.get(name), day or ""))
    return found


def _keyed(entries: Any, key: Callable[[Entry], str]) -> dict[str, Entry]:
    return {key(e): e for e in entries or () if isinstance(e, dict)}


def _model_key(entry: Entry) -> str:
    return str(entry.get("name"))


def _workload_key(entry: Entry) -> str:
    return f"{entry.get('workload')} {entry.get('namespace')}/{entry.get('name')}"


def _metrics_key(entry: Entry) -> str:
    environment = entry.get("environment")
    return str(entry.get("model")) + (f" in {environment}" if environment else "")


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return "(none)" if value is None else str(value)


def _others(
    entry: str, model: str, who: str, old: Entry, new: Entry, handled: Iterable[str]
) -> list[ObservedChange]:
    """Every other field of an entry that differs, in general terms."""
    skip = set(handled)
    return [
        ObservedChange(
            "entry-changed",
            entry,
            model,
            f"{who}: {c.path} changed from {_value(c.old)} to {_value(c.new)}",
            c.old,
            c.new,
        )
        for c in field_changes(
            {k: v for k, v in old.items() if k not in skip},
            {k: v for k, v in new.items() if k not in skip},
        )
    ]


# -- a model registry -------------------------------------------------------------------


def _registry(old: Entry | None, new: Entry | None, day: str) -> list[ObservedChange]:
    name = str((new or old or {}).get("name"))
    if old is None or new is None:
        versions = [str(v.get("version")) for v in _versions(new or old).values()]
        listed = f" (versions {', '.join(versions)})" if versions else ""
        verb = "appeared" if old is None else "disappeared"
        return [
            ObservedChange(
                f"model-{verb}",
                name,
                name,
                f"registered model {name} {verb}{listed}",
                None if old is None else versions,
                None if new is None else versions,
            )
        ]
    found = _aliases(name, old.get("aliases") or {}, new.get("aliases") or {}, day)
    before, after = _versions(old), _versions(new)
    for number in sorted(set(before) | set(after), key=_number_order):
        found.extend(_version(name, number, before.get(number), after.get(number), day))
    return found + _others(
        name, name, f"registered model {name}", old, new, ("name", "aliases", "versions")
    )


def _versions(entry: Entry | None) -> dict[str, Entry]:
    return {
        str(v.get("version")): v for v in (entry or {}).get("versions") or () if isinstance(v, dict)
    }


def _number_order(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (1 << 62, number)


def _aliases(name: str, old: Any, new: Any, day: str) -> list[ObservedChange]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    on = f" on {day}" if day else ""
    found = []
    for alias in sorted(set(old) | set(new)):
        was, now = old.get(alias), new.get(alias)
        if was == now:
            continue
        if now is None:
            text = f"alias {alias} of {name} was removed{on} (it pointed at version {was})"
            change = "alias-removed"
        elif was is None:
            text, change = f"version {now} of {name} became {alias}{on}", "alias-set"
        else:
            text = (
                f"version {now} of {name} became {alias}{on} "
                f"(alias {alias} moved from version {was} to {now})"
            )
            change = "alias-moved"
        found.append(ObservedChange(change, name, name, text, was, now))
    return found


def _tag(version: Entry) -> Any:
    tags = version.get("tags")
    return tags.get(VERSION_TAG) if isinstance(tags, dict) else None


def _version(
    name: str, number: str, old: Entry | None, new: Entry | None, day: str
) -> list[ObservedChange]:
    who = f"version {number} of {name}"
    if new is None:
        return [ObservedChange("version-deleted", name, name, f"{who} was deleted", number, None)]
    tag = _tag(new)
    if old is None:
        created = str(new.get("created_at") or "")[:10]
        text = f"{who} was registered" + (f" on {created}" if created else "")
        text += f" ({VERSION_TAG} {tag})" if tag is not None else ""
        return [ObservedChange("version-registered", name, name, text, None, number)]
    found = []
    on = f" on {day}" if day else ""
    was, now = old.get("stage"), new.get("stage")
    if was != now:
        text = (
            f"{who} left stage {was}{on}"
            if now is None
            else f"{who} moved to stage {now}{on}" + (f" (was {was})" if was else "")
        )
        found.append(ObservedChange("stage-changed", name, name, text, was, now))
    if old.get("status") != new.get("status"):
        text = f"{who} changed status from {old.get('status')} to {new.get('status')}"
        found.append(
            ObservedChange("status-changed", name, name, text, old.get("status"), new.get("status"))
        )
    if _tag(old) != tag:
        text = f"{who} is now tagged {VERSION_TAG} {_value(tag)} (was {_value(_tag(old))})"
        found.append(ObservedChange("version-tagged", name, name, text, _tag(old), tag))
    rest_old = {
        **old,
        "tags": {k: v for k, v in (old.get("tags") or {}).items() if k != VERSION_TAG},
    }
    rest_new = {
        **new,
        "tags": {k: v for k, v in (new.get("tags") or {}).items() if k != VERSION_TAG},
    }
    return found + _others(name, name, who, rest_old, rest_new, ("version", "stage", "status"))


# -- cluster workloads ------------------------------------------------------------------


def _serves(entry: Entry) -> str:
    version = entry.get("model_version")
    return f"{entry.get('model_id')}" + (f" {version}" if version is not None else "")


def _workload(old: Entry | None, new: Entry | None, day: str) -> list[ObservedChange]:
    shown = new or old or {}
    key, model = _workload_key(shown), str(shown.get("model_id"))
    where = f" in {shown['environment']}" if shown.get("environment") else ""
    if old is None or new is None:
        text = (
            f"{key} appeared, serving {_serves(shown)}{where}"
            if old is None
            else f"{key} was removed (it served {_serves(shown)}{where})"
        )
        change = "workload-appeared" if old is None else "workload-removed"
        return [
            ObservedChange(change, key, model, text, old and _serves(old), new and _serves(new))
        ]
    found = []
    if _serves(old) != _serves(new):
        same = old.get("model_id") == new.get("model_id")
        was = _value(old.get("model_version")) if same else _serves(old)
        text = f"{key} now serves {_serves(new)} (was {was})"
        found.append(ObservedChange("serves", key, model, text, _serves(old), _serves(new)))
    if old.get("replicas") != new.get("replicas"):
        text = (
            f"{key} was scaled from {_value(old.get('replicas'))} to "
            f"{_value(new.get('replicas'))} replicas"
        )
        found.append(
            ObservedChange(
                "replicas-changed", key, model, text, old.get("replicas"), new.get("replicas")
            )
        )
    # the line of a manifest moves whenever a document above it changes: not production news
    handled = ("workload", "namespace", "name", "model_id", "model_version", "replicas", "line")
    return found + _others(key, model, key, old, new, handled)


# -- operating metrics ------------------------------------------------------------------


def _metrics(old: Entry | None, new: Entry | None, day: str) -> list[ObservedChange]:
    shown = new or old or {}
    key, model = _metrics_key(shown), str(shown.get("model"))
    before = old.get("metrics") if old is not None else None
    after = new.get("metrics") if new is not None else None
    if old is None or new is None:
        values = after if isinstance(after, dict) else before if isinstance(before, dict) else {}
        listed = ", ".join(f"{k} {_value(v)}" for k, v in sorted(values.items()))
        text = (
            f"metrics of {key} appeared ({listed})"
            if old is None
            else f"metrics of {key} are no longer exposed (were {listed})"
        )
        change = "metrics-appeared" if old is None else "metrics-disappeared"
        return [ObservedChange(change, key, model, text, before, after)]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    found = []
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if was is None:
            text, change = f"{name} of {key} is now observed: {_value(now)}", "metric-appeared"
        elif now is None:
            text = f"{name} of {key} is no longer observed (was {_value(was)})"
            change = "metric-disappeared"
        else:
            text = f"{name} of {key} went from {_value(was)} to {_value(now)}"
            change = "metric-changed"
        found.append(ObservedChange(change, key, model, text, was, now))
    return found + _others(key, model, key, old, new, ("model", "environment", "metrics"))
