"""What the Prometheus rules and the Alertmanager routes share: the production models
that page and the rotation that answers for each, ISO 8601 durations in Prometheus's
notation, and a YAML file written the same way every time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from compliance_tool.errors import ExportError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

_DURATION = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


@dataclass(frozen=True, slots=True)
class PagingModel:
    """A production model, its thresholds, and the rotation its alerts go to."""

    record: Record
    rotation: str
    runbook: str | None

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def thresholds(self) -> dict[str, Any]:
        found = self.record.get("monitoring.thresholds") or {}
        return found if isinstance(found, dict) else {}


def paging_models(inventory: Inventory) -> list[PagingModel]:
    """Every production model by id; ExportError when one names no rotation, since its
    alerts would reach nobody."""
    models = []
    for record in sorted(inventory.records(Kind.MODEL), key=lambda r: r.id):
        if record.get("lifecycle") != "production":
            continue
        rotation = record.get("operations.oncall")
        if not isinstance(rotation, str) or not rotation:
            raise ExportError(
                f"model {record.id} is in production but names no rotation "
                "(operations.oncall): its alerts would reach nobody",
                where=record.path,
                hint="add operations.oncall to the model file",
            )
        runbook = record.get("operations.runbook")
        models.append(PagingModel(record, rotation, runbook if isinstance(runbook, str) else None))
    return models


def prometheus_duration(text: str, where: str) -> str:
    """An ISO 8601 duration in Prometheus's notation (``P7D`` → ``7d``, ``PT1H30M`` →
    ``1h30m``); ExportError for years and months, which have no fixed length there."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT"):
        raise ExportError(
            f"{where}: '{text}' is not a duration Prometheus can express",
            hint="use weeks, days, hours, minutes or seconds, e.g. P7D or PT15M",
        )
    shown = "".join(f"{int(v)}{unit}" for unit, v in match.groupdict().items() if v)
    return shown or "0s"


class _Dumper(yaml.SafeDumper):
    """Writes a value given twice in full each time: no anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def yaml_file(header: str, data: Any) -> bytes:
    """``data`` as YAML after the comment ``header``: block style, keys in the order
    given, one line per value, so that the same data gives the same bytes."""
    lines = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
    )
    return (lines + body).encode("utf-8")


def generated_header(what: str, command: str) -> str:
    """The comment at the top of a generated file: what it is, that it is made from the
    inventory, and the command that rewrites it."""
    return (
        f"{what}\n"
        "Generated from the inventory (monitoring.thresholds and operations.oncall of each\n"
        "production model, and the rotations): do not edit by hand. Rewrite it with\n"
        f"  {command}\n"
        f"and check that it is current with '{command} --check'."
    )
