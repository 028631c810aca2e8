"""Observe an MLflow Model Registry through its REST API 2.0.

Two listings, each paginated, whatever the size of the registry:
``registered-models/search`` (names, tags, aliases; ``--page-size`` models a request) and
``model-versions/search`` without a filter (every version of every model, ten times as
many a request, at most 10,000), both in a fixed order so that pages do not shift. A
registry of 2,000 models of 5 versions each is read in 30 requests.

Each registered model becomes one entry of ``schemas/observation.schema.json``
(``$defs/registeredModel``): name, tags, aliases, and its versions oldest first with
status, legacy stage, run, source, creation time and tags. Nothing that changes without a
change to the registry (``last_updated_timestamp``, the order of the server's answer) is
kept, so an unchanged registry gives byte-identical entries. An answer MLflow would not
give (a missing or mistyped field) is an :class:`~compliance_tool.errors.ObserveError`
naming the field; a registered model's name is data, never a path: a name that looks
like one, or that holds control characters, is kept with a warning.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from compliance_tool.observe.base import Observed
from compliance_tool.observe.mlflow_rest import SERVER_HINT, Rest, address_of

MODELS = "registered-models/search"
VERSIONS = "model-versions/search"
MAX_VERSION_PAGE = 10_000
"""The most versions a request asks for (the limit of Databricks' registry; MLflow's own
server allows 200,000)."""
MAX_PAGES = 100_000
"""A server that keeps handing out page tokens is stopped here."""
NO_STAGE = "None"
"""The ``current_stage`` of a version without a legacy stage."""


class _Answer:
    """Reads one endpoint's answers, failing with the path of a field MLflow always gives."""

    def __init__(self, rest: Rest, endpoint: str) -> None:
        self.rest = rest
        self.endpoint = endpoint

    def fail(self, where: str, problem: str) -> NoReturn:
        self.rest.fail(
            self.endpoint, f"this is not what MLflow answers: {where} {problem}", SERVER_HINT
        )

    def text(self, item: Mapping[str, Any], key: str, where: str, *, required: bool) -> str | None:
        value = item.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "is missing")
            return None
        if not isinstance(value, str):
            self.fail(f"{where}.{key}", f"is {type(value).__name__}, not a string")
        return value

    def number(self, item: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(item, key, where, required=True) or ""
        if not (value.isascii() and value.isdigit()):
            self.fail(f"{where}.{key}", f"is {value!r}, not a version number")
        return str(int(value))

    def objects(self, item: Mapping[str, Any], key: str, where: str) -> Iterator[tuple[str, dict]]:
        values = item.get(key)
        if values is None:
            return
        if not isinstance(values, list):
            self.fail(f"{where}.{key}", f"is {type(values).__name__}, not a list")
        for index, value in enumerate(values):
            if not isinstance(value, dict):
                self.fail(f"{where}.{key}[{index}]", "is not an object")
            yield f"{where}.{key}[{index}]", value

    def tags(self, item: Mapping[str, Any], where: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        for place, tag in self.objects(item, "tags", where):
            key = self.text(tag, "key", place, required=True) or ""
            tags[key] = self.text(tag, "value", place, required=False) or ""
        return dict(sorted(tags.items()))

    def moment(self, item: Mapping[str, Any], key: str, where: str) -> str | None:
        """A timestamp in milliseconds (a JSON number or, as protobuf writes int64, a string
        of digits) in RFC 3339, UTC, to the second."""
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(f"{where}.{key}", f"is {value!r}, not milliseconds since 1970")
        try:
            moment = dt.datetime.fromtimestamp(value // 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            self.fail(f"{where}.{key}", f"is {value!r}, out of range")
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def name_problem(name: str) -> str | None:
    """Why no record can declare a registered model of this name, if it cannot."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return "holds control characters"
    if "/" in name or "\\" in name or name.strip() in (".", ".."):
        return "looks like a path"
    return None


class MlflowRegistry:
    """The registered models of the MLflow tracking server at ``tracking_uri``."""

    system = "mlflow"

    def __init__(
        self,
        tracking_uri: str,
        *,
        timeout: float = 10.0,
        page_size: int = 100,
        version_page_size: int | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.address = address_of(tracking_uri)
        self.timeout = timeout
        self.page_size = page_size
        self.version_page_size = version_page_size or min(10 * page_size, MAX_VERSION_PAGE)
        self.environ = environ
        self.requests = 0
        """How many requests the last :meth:`observe` made."""

    def observe(self) -> Observed:
        rest = Rest(self.tracking_uri, timeout=self.timeout, environ=self.environ)
        try:
            models = self._models(rest)
            versions = self._versions(rest, models)
        finally:
            self.requests = rest.requests
        entries: list[dict[str, Any]] = []
        warnings: list[str] = []
        for name in sorted(models):
            entry = models[name]
            listed = versions.get(name, {})
            entry["versions"] = [listed[number] for number in sorted(listed, key=int)]
            entries.append(entry)
            problem = name_problem(name)
            if problem:
                warnings.append(
                    f"{self.address}: the registered model {name!r} {problem}: it is kept in "
                    "the snapshot as the registry shows it, but no record can declare it"
                )
        return Observed(self.system, self.address, entries, tuple(warnings))

    def _pages(
        self, rest: Rest, endpoint: str, field: str, size: int, order: tuple[str, ...]
    ) -> Iterator[tuple[_Answer, str, dict[str, Any]]]:
        """Every item of every page of ``endpoint``, with where it was in the answers."""
        reader = _Answer(rest, endpoint)
        token: str | None = None
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            params = [("max_results", str(size)), *(("order_by", key) for key in order)]
            answer = rest.get(endpoint, [*params, *([("page_token", token)] if token else [])])
            for where, item in reader.objects(answer, field, f"page {page}"):
                yield reader, where, item
            token = reader.text(answer, "next_page_token", f"page {page}", required=False)
            if not token:
                return
            if token in seen:
                reader.fail(f"page {page}.next_page_token", "repeats an earlier page's token")
            seen.add(token)
        reader.fail(f"page {MAX_PAGES}", f"is not the last after {MAX_PAGES} pages")

    def _models(self, rest: Rest) -> dict[str, dict[str, Any]]:
        models: dict[str, dict[str, Any]] = {}
        pages = self._pages(rest, MODELS, "registered_models", self.page_size, ("name ASC",))
        for reader, where, item in pages:
            name = reader.text(item, "name", where, required=True)
            if not name:
                reader.fail(f"{where}.name", "is empty")
            entry: dict[str, Any] = {"name": name}
            tags = reader.tags(item, where)
            if tags:
                entry["tags"] = tags
            aliases: dict[str, str] = {}
            for place, alias in reader.objects(item, "aliases", where):
                key = reader.text(alias, "alias", place, required=True) or ""
                aliases[key] = reader.number(alias, "version", place)
            entry["aliases"] = dict(sorted(aliases.items()))
            models[name] = entry
        return models

    def _versions(
        self, rest: Rest, models: Mapping[str, Any]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Each listed model's versions by number. Versions of a model that the first listing
        did not show (registered in between, or a prompt) are left out."""
        versions: dict[str, dict[str, dict[str, Any]]] = {}
        order = ("name ASC", "version_number ASC")
        pages = self._pages(rest, VERSIONS, "model_versions", self.version_page_size, order)
        for reader, where, item in pages:
            name = reader.text(item, "name", where, required=True) or ""
            number = reader.number(item, "version", where)
            version: dict[str, Any] = {
                "version": number,
                "status": reader.text(item, "status", where, required=True),
            }
            stage = reader.text(item, "current_stage", where, required=False)
            if stage and stage != NO_STAGE:
                version["stage"] = stage
            run_id = reader.text(item, "run_id", where, required=False)
            if run_id:
                version["run_id"] = run_id
            source = reader.text(item, "source", where, required=False)
            if source is not None:
                version["source"] = source
            created = reader.moment(item, "creation_timestamp", where)
            if created is not None:
                version["created_at"] = created
            tags = reader.tags(item, where)
            if tags:
                version["tags"] = tags
            if name in models:
                versions.setdefault(name, {})[number] = version
        return versions
