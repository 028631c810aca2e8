"""Kubernetes workload manifests kept in git: which model each workload serves, and where.

Every ``.yaml`` and ``.yml`` file below the given paths is read, every YAML document of
each (``---``) and every item of a ``kind: List``. A Deployment or StatefulSet
(``apps/v1``) or a KServe ``InferenceService`` (``serving.kserve.io``) names its model
with the labels ``governance/model-id`` and ``governance/model-version``, on the workload
(``metadata.labels``) or, for a Deployment or StatefulSet, on its pod template; its
environment comes from the cluster and namespace through ``observe.manifests.environments``.
Any other document is not a workload and is left out without a word.

The files are read from the disk (paths relative to ``base``) or from another git
repository at a ref, through git's object database: what that repository's working
tree holds is never read. A label that is not a record id, two workloads claiming one
model in one environment, a file that is not YAML, a path or ref that does not exist:
:class:`~compliance_tool.errors.ObserveError`, and nothing is written.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_tool.errors import GitError, ObserveError
from compliance_tool.observe.base import Observed, public_address
from compliance_tool.observe.settings import ObserveSettings
from compliance_tool.repository.kinds import ID_PATTERN, ID_RULE, Kind
from compliance_tool.repository.sources import GitSource, Source, WorktreeSource
from compliance_tool.repository.yamlio import Document, parse_stream

MODEL_LABEL = "governance/model-id"
VERSION_LABEL = "governance/model-version"
SUFFIXES = (".yaml", ".yml")

WORKLOADS: dict[str, tuple[str, ...]] = {
    "Deployment": ("apps/v1",),
    "StatefulSet": ("apps/v1",),
    "InferenceService": ("serving.kserve.io/v1beta1", "serving.kserve.io/v1alpha1"),
}
"""The kinds of workload read, and the apiVersions each is read under."""

_TEMPLATED = ("Deployment", "StatefulSet")
"""The kinds whose pod template's labels may carry the model labels."""

_ID = re.compile(f"^{ID_PATTERN}$")

DocPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Workload:
    """One workload that names its model, and where its document starts."""

    entry: dict[str, Any]
    where: str
    """``file:line`` of its document."""

    @property
    def claim(self) -> tuple[str | None, ...]:
        """What two workloads may not share: the model in one environment (or, where no
        mapping names the environment, in one namespace of one cluster)."""
        entry = self.entry
        if "environment" in entry:
            return (entry["model_id"], entry["environment"])
        return (entry["model_id"], entry.get("cluster"), entry["namespace"])

    def describe(self) -> str:
        return f"{self.entry['workload']} '{self.entry['name']}'"

    def scope(self) -> str:
        entry = self.entry
        if "environment" in entry:
            return f"environment '{entry['environment']}'"
        return f"namespace '{entry['namespace']}'"


class Manifests:
    """Workload manifests on disk or in another git repository at a ref."""

    system = "kubernetes"

    def __init__(
        self,
        paths: list[str],
        *,
        settings: ObserveSettings,
        base: Path,
        repo: Path | None = None,
        ref: str | None = None,
        cluster: str | None = None,
        governance: Path | None = None,
    ) -> None:
        """``paths`` are relative to ``base`` or, with ``repo``, to that repository's top;
        ``governance`` is the repository whose records the models are looked up in (none:
        no lookup), and the root the files are named from when they are read from disk."""
        self.paths = list(paths)
        self.settings = settings
        self.base = base
        self.repo = repo
        self.ref = ref
        self.cluster = cluster
        self.governance = governance

    def observe(self) -> Observed:
        source, tops, address = self._open()
        files: dict[str, bytes] = {}
        warnings: list[str] = []
        for top, given in zip(tops, self.paths, strict=True):
            found = _read(source, top, given)
            if not found:
                warnings.append(f"{given}: no .yaml or .yml file below it")
            files.update(found)
        workloads = [w for path in sorted(files) for w in self._workloads(path, files[path])]
        _check_claims(workloads)
        warnings.extend(self._undeclared(workloads))
        entries = sorted((w.entry for w in workloads), key=_order)
        return Observed(self.system, address, entries, tuple(warnings))

    # -- where the files are -------------------------------------------------------------

    def _open(self) -> tuple[Source, list[str], str]:
        """The source to read, each path as that source names it, and the address."""
        if self.repo is None:
            root = (self.governance or self.base).resolve()
            tops = [_relative(self.base / path, root) for path in self.paths]
            return WorktreeSource(root), tops, ", ".join(tops)
        ref = self.ref or "HEAD"
        try:
            source = GitSource.open(self.repo.resolve(), ref)
        except GitError as error:
            raise ObserveError(error.message, where=str(self.repo), hint=error.hint) from None
        tops = [source.locate(path) for path in self.paths]
        return source, tops, f"{_origin(source, self.repo)}//{','.join(tops)}@{ref}"

    # -- what the files hold -------------------------------------------------------------

    def _workloads(self, path: str, raw: bytes) -> list[_Workload]:
        found = []
        for document in parse_stream(raw):
            for issue in document.issues:
                if issue.code == "not-a-mapping":
                    continue  # a list or a value: not a workload
                hint = issue.hint or "fix the YAML"
                where = f"{path}:{issue.line}:{issue.column}"
                raise ObserveError(f"not a YAML manifest: {issue.message}", where=where, hint=hint)
            data = document.data
            if data is None:
                continue
            items = data.get("items")
            if data.get("kind") == "List" and isinstance(items, list):
                for index, item in enumerate(items):
                    if isinstance(item, dict):
                        found.extend(self._workload(path, document, ("items", index), item))
            else:
                found.extend(self._workload(path, document, (), data))
        return found

    def _workload(
        self, path: str, document: Document, at: DocPath, data: dict[str, Any]
    ) -> list[_Workload]:
        """The workload of one manifest, or nothing when it is none or names no model."""
        kind = data.get("kind")
        if kind not in WORKLOADS or data.get("apiVersion") not in WORKLOADS[kind]:
            return []
        labels = _labels(data, at, kind)
        if MODEL_LABEL not in labels:
            return []
        line = document.position(at)[0]

        def where(field: DocPath) -> str:
            found_line, column = document.position((*at, *field))
            return f"{path}:{found_line}:{column}"

        model_id, id_at = labels[MODEL_LABEL]
        _check_label(MODEL_LABEL, model_id, where(id_at), must_be_id=True)
        metadata = data.get("metadata") or {}
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise ObserveError(
                f"{kind} has no metadata.name", where=where(("metadata",)), hint="name it"
            )
        namespace = metadata.get("namespace", "default")
        if not isinstance(namespace, str) or not namespace:
            raise ObserveError(
                "metadata.namespace is not a name",
                where=where(("metadata", "namespace")),
                hint="write the namespace as a string, or leave it out for 'default'",
            )
        entry: dict[str, Any] = {"workload": kind, "name": name, "namespace": namespace}
        if self.cluster is not None:
            entry["cluster"] = self.cluster
        environment = self.settings.environment_of(self.cluster, namespace)
        if environment is not None:
            entry["environment"] = environment
            entry["production"] = self.settings.is_production(environment)
        entry["model_id"] = model_id
        if VERSION_LABEL in labels:
            version, version_at = labels[VERSION_LABEL]
            _check_label(VERSION_LABEL, version, where(version_at), must_be_id=False)
            entry["model_version"] = version
        replicas = (data.get("spec") or {}).get("replicas")
        if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 0:
            entry["replicas"] = replicas
        entry["file"] = path
        entry["line"] = line
        return [_Workload(entry, f"{path}:{line}")]

    def _undeclared(self, workloads: list[_Workload]) -> list[str]:
        """A warning for each workload whose model no record of the repository declares."""
        if self.governance is None or not workloads:
            return []
        from compliance_tool.repository.session import Where, open_inventory

        inventory = open_inventory(Where(self.governance, use_cache=False))
        return [
            f"{w.where}: {w.describe()} names model '{w.entry['model_id']}' that no record "
            "declares; reconcile reports it as undeclared-model"
            for w in workloads
            if not inventory.has(Kind.MODEL, w.entry["model_id"])
        ]


def _read(source: Source, top: str, given: str) -> dict[str, bytes]:
    """The file ``top`` (whatever its name) or the YAML files below the folder ``top``."""
    found: dict[str, bytes] = {}
    for suffix in SUFFIXES:
        documents = source.documents(top, suffix)
        if documents is None:
            where = f"at {source.label}" if source.commit else "on disk"
            raise ObserveError(
                f"{given}: no such file or folder {where}",
                hint="give files or folders that hold the manifests",
            )
        found.update(documents)
    return found


def _labels(data: dict[str, Any], at: DocPath, kind: str) -> dict[str, tuple[Any, DocPath]]:
    """The model labels of a workload and where each is: the workload's own first, then
    its pod template's."""
    places: list[DocPath] = [("metadata", "labels")]
    if kind in _TEMPLATED:
        places.append(("spec", "template", "metadata", "labels"))
    found: dict[str, tuple[Any, DocPath]] = {}
    for place in places:
        labels = _dig(data, place)
        if not isinstance(labels, dict):
            continue
        for label in (MODEL_LABEL, VERSION_LABEL):
            if label in labels and label not in found:
                found[label] = (labels[label], (*place, label))
    return found


def _dig(data: Any, path: DocPath) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _check_label(label: str, value: Any, where: str, *, must_be_id: bool) -> None:
    if not isinstance(value, str):
        raise ObserveError(
            f"label {label} is {value!r}, not a string",
            where=where,
            hint="quote it: Kubernetes label values are strings",
        )
    if must_be_id and not _ID.match(value):
        raise ObserveError(
            f"label {label} '{value}' is not a valid record id",
            where=where,
            hint=f"use the id of the model's record: {ID_RULE}",
        )


def _check_claims(workloads: list[_Workload]) -> None:
    """ObserveError when two workloads claim one model in one environment."""
    seen: dict[tuple[str | None, ...], _Workload] = {}
    for workload in workloads:
        first = seen.setdefault(workload.claim, workload)
        if first is workload:
            continue
        raise ObserveError(
            f"{workload.describe()} claims model '{workload.entry['model_id']}' in "
            f"{workload.scope()}, and so does {first.describe()} at {first.where}",
            where=workload.where,
            hint="one workload serves a model in one environment: remove one, or map their "
            "namespaces to different environments in observe.manifests.environments",
        )


def _order(entry: dict[str, Any]) -> tuple[str, ...]:
    return (
        entry["model_id"],
        entry.get("environment", ""),
        entry["namespace"],
        entry["name"],
        entry["workload"],
        entry["file"],
    )


def _relative(path: Path, root: Path) -> str:
    """``path`` as seen from ``root``, POSIX, not following links (``.`` for the root)."""
    return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


def _origin(source: GitSource, folder: Path) -> str:
    """The other repository as an address: its origin URL without credentials, or the
    name of its folder where it has no origin."""
    import git

    try:
        url = str(source.repo.git.config("--get", "remote.origin.url")).strip()
    except git.GitCommandError:  # no origin: git config exits 1
        url = ""
    return public_address(url) if url else posixpath.basename(str(folder.resolve()))
