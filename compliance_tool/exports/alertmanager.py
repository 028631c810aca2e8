"""An Alertmanager configuration from the inventory: the alerts of the generated
Prometheus rules (labels ``model``, ``severity``, ``rotation``) routed to the rotation
that answers for the model, pages apart from warnings, along the rotation's escalation.

The tree: one route per rotation of a production model (matching ``rotation``), with
child routes for ``severity="page"`` and ``severity="warn"``. A page goes to the
rotation's page receiver (``<rotation>-page``) at once, and to one receiver per further
escalation level (``escalation-<to>``) through a route of its own with ``continue: true``
whose ``group_wait`` is the level's ``after`` (``PT15M`` → ``15m``, counted from when the
alert fires, not from the level before). A warning goes to ``<rotation>-warn``, repeated
every 12 hours. A page also inhibits the warning of the same alert and model.

What Alertmanager cannot express: it has no acknowledgement and no time-delayed
escalation. The delayed ``group_wait`` is the nearest it has: a level is notified when
the alert is *still firing* after its delay, whether or not someone at the level before
has taken it, and only for the first notification of a new group (an alert that joins a
group already notified waits ``group_interval``). Escalation that stops when someone
acknowledges belongs to the paging service behind the receivers (a PagerDuty or Opsgenie
escalation policy); the levels here are then a backstop.

Receivers are configuration, never secrets: ``export.alertmanager.receivers`` in
compliance-tool.yaml maps a receiver name, a rotation id (both its receivers) or an
escalation target (``to``), or ``default``, to a receiver template (``webhook_configs``,
``pagerduty_configs``, ...) in which ``{receiver}`` is the receiver's name. A secret is
named by the file Alertmanager reads it from (``routing_key_file``, ``api_key_file``,
``api_url_file``, ``credentials_file``, ``url_file``, ...): a value written in the template
itself (``routing_key``, ``api_url``, a webhook ``url`` with a user, password or query,
...) is an :class:`ExportError`. The default template is a placeholder webhook
(``http://alert-gateway.invalid/{receiver}``) whose bearer token Alertmanager reads from
``/etc/alertmanager/secrets/{receiver}.token``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from compliance_tool.errors import ExportError
from compliance_tool.exports.alerting import (
    generated_header,
    paging_models,
    prometheus_duration,
    yaml_file,
)
from compliance_tool.exports.base import Exported, ExportRequest
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record

NAME = "alertmanager"

UNROUTED = "unrouted"
"""The root's receiver: an alert that names no rotation of a production model."""

SECRETS = "/etc/alertmanager/secrets"

DEFAULT_TEMPLATE: dict[str, Any] = {
    "webhook_configs": [
        {
            "url": "http://alert-gateway.invalid/{receiver}",
            "send_resolved": True,
            "http_config": {"authorization": {"credentials_file": SECRETS + "/{receiver}.token"}},
        }
    ]
}
"""A placeholder: a webhook whose bearer token Alertmanager reads from a file. (A webhook's
``url_file`` needs Alertmanager 0.26; this loads on 0.25, Debian 12's, too.)"""

GROUP_BY = ["alertname", "model", "environment"]

PAGE_TIMING = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "1h"}
WARN_TIMING = {"group_wait": "1m", "group_interval": "10m", "repeat_interval": "12h"}

SECRET_FIELDS = frozenset(
    {
        "api_url",
        "webhook_url",
        "routing_key",
        "service_key",
        "api_key",
        "api_secret",
        "auth_password",
        "auth_secret",
        "bot_token",
        "token",
        "user_key",
        "password",
        "bearer_token",
        "credentials",
    }
)
"""Fields that hold a secret; each has a ``<field>_file`` that Alertmanager reads instead."""


def alertmanager_config(request: ExportRequest) -> Exported:
    """The routes and receivers of every production model's rotation."""
    models = paging_models(request.inventory)
    rotations = sorted({model.rotation for model in models})
    routes, receivers = [], [UNROUTED]
    for rotation_id in rotations:
        record = request.inventory.record(Kind.ROTATION, rotation_id)
        levels = _levels(record, rotation_id) if record is not None else []
        routes.append(_rotation_route(rotation_id, levels))
        receivers += [f"{rotation_id}-page", f"{rotation_id}-warn"]
        receivers += [target for target, _ in levels if target not in receivers]
    templates = request.settings(NAME).get("receivers") or {}
    config = {
        "route": {"receiver": UNROUTED, "group_by": GROUP_BY, **WARN_TIMING, "routes": routes},
        "inhibit_rules": [
            {
                "source_matchers": ['severity="page"'],
                "target_matchers": ['severity="warn"'],
                "equal": ["alertname", "model", "environment"],
            }
        ],
        "receivers": _receivers(receivers, rotations, templates),
    }
    header = generated_header(
        "Alertmanager routes: each production model's alerts to its rotation.",
        f"compliance-tool export {NAME}",
    )
    return Exported({"alertmanager.yml": yaml_file(header, config)})


def _levels(record: Record, rotation_id: str) -> list[tuple[str, str]]:
    """The receiver and delay of each escalation level after the rotation itself."""
    found = []
    escalation = record.get("escalation") or []
    for step in sorted(escalation, key=lambda s: s.get("level", 0) if isinstance(s, dict) else 0):
        if not isinstance(step, dict) or step.get("to") in (None, "rotation"):
            continue
        where = f"{record.path}: escalation level {step.get('level')}"
        after = prometheus_duration(step["after"], where) if step.get("after") else "30s"
        found.append((f"escalation-{step['to']}", after))
    return found


def _rotation_route(rotation_id: str, levels: list[tuple[str, str]]) -> dict[str, Any]:
    page = ['severity="page"']
    chain = [(f"{rotation_id}-page", PAGE_TIMING["group_wait"]), *levels]
    children: list[dict[str, Any]] = [
        {
            "matchers": page,
            "receiver": receiver,
            **PAGE_TIMING,
            "group_wait": wait,
            **({"continue": True} if number < len(chain) else {}),
        }
        for number, (receiver, wait) in enumerate(chain, start=1)
    ]
    children.append({"matchers": ['severity="warn"'], "receiver": f"{rotation_id}-warn"})
    return {
        "matchers": [f'rotation="{rotation_id}"'],
        "receiver": f"{rotation_id}-warn",
        "routes": children,
    }


def _receivers(
    names: list[str], rotations: list[str], templates: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each receiver with its template: by its own name, its rotation's id or its
    escalation target's id, else ``default``, else :data:`DEFAULT_TEMPLATE`."""
    keys = {"default", *names, *rotations, *(n.removeprefix("escalation-") for n in names)}
    unknown = sorted(set(templates) - keys)
    if unknown:
        raise ExportError(
            f"export.{NAME}.receivers names {', '.join(map(repr, unknown))}, which is no "
            "receiver, rotation or escalation target of a production model",
            where="compliance-tool.yaml",
            hint=f"use one of: {', '.join(sorted(keys))}",
        )
    found = []
    for name in names:
        owner = name.removeprefix("escalation-").removesuffix("-page").removesuffix("-warn")
        chosen = next(
            (templates[key] for key in (name, owner, "default") if key in templates),
            DEFAULT_TEMPLATE,
        )
        _refuse_secrets(chosen, f"export.{NAME}.receivers ({name})")
        found.append({"name": name, **_filled(chosen, name)})
    return found


def _refuse_secrets(value: Any, where: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if item not in (None, "") and (key in SECRET_FIELDS or _secret_url(key, item)):
                raise ExportError(
                    f"{where}: '{key}' holds a secret, which must not be in the repository",
                    where="compliance-tool.yaml",
                    hint=f"name the file Alertmanager reads it from: '{key}_file'",
                )
            _refuse_secrets(item, where)
    elif isinstance(value, list):
        for item in value:
            _refuse_secrets(item, where)


def _secret_url(key: str, value: Any) -> bool:
    """Whether a webhook ``url`` carries a credential: a user or password, or a query."""
    if key != "url" or not isinstance(value, str):
        return False
    parts = urllib.parse.urlsplit(value)
    return bool(parts.username or parts.password or parts.query)


def _filled(value: Any, receiver: str) -> Any:
    """The template with ``{receiver}`` replaced in every text."""
    if isinstance(value, Mapping):
        return {key: _filled(item, receiver) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, receiver) for item in value]
    return value.replace("{receiver}", receiver) if isinstance(value, str) else value
