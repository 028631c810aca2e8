"""Operating metrics from a Prometheus text exposition or OpenMetrics text, a file or a URL.

The text is parsed with ``prometheus_client``'s own parsers (OpenMetrics when the server
says ``application/openmetrics-text`` or a file ends with ``# EOF``, the Prometheus text
format otherwise). Of its samples, those named as one of ``observe.metrics.names``
(:data:`~compliance_tool.observe.settings.DEFAULT_METRIC_NAMES` by default) and labelled
with the model label become one entry per model and environment label, each metric under
the inventory's name of it. Integral values are written as integers, others as floats.

What is left out, with a warning: a NaN or infinite value (no figure to compare), and a
sample whose model label is not a record id (it cannot name a record, so reconcile could
never match it; the warning says which value). What stops the snapshot
(:class:`~compliance_tool.errors.ObserveError`, nothing written): a file that cannot be
read, a URL that does not answer in time or answers with an error status, text that does
not parse (with the first line that does not), and two samples of one metric for one
model and environment with different values.
"""

from __future__ import annotations

import base64
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from compliance_tool import __version__
from compliance_tool.errors import ObserveError
from compliance_tool.observe.base import Observed, public_address
from compliance_tool.observe.settings import ObserveSettings
from compliance_tool.repository.kinds import ID_PATTERN

MAX_BYTES = 32 << 20
"""The largest exposition read (32 MiB); a bigger one is refused, not truncated."""

ACCEPT = "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
"""What a scrape asks for: OpenMetrics first, the Prometheus text format otherwise."""

OPENMETRICS_TYPE = "application/openmetrics-text"

_ID = re.compile(f"^{ID_PATTERN}$")

Parse = Callable[[str], Iterable[Any]]


class OpenMetrics:
    """A Prometheus or OpenMetrics text exposition in a file or at an http(s) URL."""

    system = "openmetrics"

    def __init__(self, location: str, *, settings: ObserveSettings, timeout: float = 10.0):
        self.location = location
        self.settings = settings
        self.timeout = timeout

    @property
    def address(self) -> str:
        return public_address(self.location) if _is_url(self.location) else self.location

    def observe(self) -> Observed:
        scheme = urllib.parse.urlsplit(self.location).scheme.lower()
        if "://" in self.location and scheme not in ("http", "https"):
            raise ObserveError(
                f"{self.address}: a {scheme} URL cannot be scraped",
                hint="give an http(s) URL or a file",
            )
        if _is_url(self.location):
            text, openmetrics = self._scrape()
        else:
            text, openmetrics = _read_file(self.location)
        families = _parse(text, openmetrics, self.address)
        entries, warnings = self._entries(families)
        return Observed(self.system, self.address, entries, tuple(warnings))

    # -- reading -------------------------------------------------------------------------

    def _scrape(self) -> tuple[str, bool]:
        """The text at the URL and whether the server says it is OpenMetrics."""
        address = self.address
        request = _request(self.location)
        deadline = time.monotonic() + self.timeout
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                kind = response.headers.get_content_type()
                charset = response.headers.get_content_charset() or "utf-8"
                body = _read_bounded(response, deadline, address, self.timeout)
        except urllib.error.HTTPError as error:
            raise ObserveError(
                f"{address} answered HTTP {error.code} {error.reason}",
                hint="check the URL: it should be the exporter's metrics path",
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError) or isinstance(error, TimeoutError):
                raise _timed_out(address, self.timeout) from None
            raise ObserveError(
                f"cannot reach {address}: {reason}",
                hint="check the URL and that the exporter runs",
            ) from None
        try:
            return body.decode(charset), kind == OPENMETRICS_TYPE
        except (UnicodeDecodeError, LookupError):
            raise ObserveError(
                f"{address} answered with text that is not {charset}",
                hint="an exposition is UTF-8 text",
            ) from None

    # -- entries -------------------------------------------------------------------------

    def _entries(self, families: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
        settings = self.settings
        names = {exposed: inventory for inventory, exposed in settings.metric_names.items()}
        order = list(settings.metric_names)
        found: dict[tuple[str, str], dict[str, tuple[float, str]]] = {}
        warnings: list[str] = []
        for family in families:
            for sample in family.samples:
                metric = names.get(sample.name)
                if metric is None and sample.name == f"{family.name}_total":
                    metric = names.get(family.name)
                model = sample.labels.get(settings.model_label) or ""
                if metric is None or not model:
                    continue
                shown = _sample_text(sample)
                if not _ID.match(model):
                    warnings.append(
                        f"{self.address}: {shown}: model label '{model}' is not a record id; "
                        "left out"
                    )
                    continue
                value = float(sample.value)
                if not math.isfinite(value):
                    warnings.append(f"{self.address}: {shown}: value {value} left out")
                    continue
                environment = sample.labels.get(settings.environment_label) or ""
                metrics = found.setdefault((model, environment), {})
                if metric in metrics and metrics[metric][0] != value:
                    raise ObserveError(
                        f"{metrics[metric][1]} and {shown} give two values of "
                        f"{metric} for model '{model}'"
                        + (f" in environment '{environment}'" if environment else ""),
                        where=self.address,
                        hint="keep one series per model and environment, or add the "
                        "environment label that tells them apart",
                    )
                metrics.setdefault(metric, (value, shown))
        entries = []
        for (model, environment), metrics in sorted(found.items()):
            entry: dict[str, Any] = {"model": model}
            if environment:
                entry["environment"] = environment
            entry["metrics"] = {
                name: _number(metrics[name][0]) for name in order if name in metrics
            }
            entries.append(entry)
        return entries, warnings


def _is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme.lower() in ("http", "https")


def _request(url: str) -> urllib.request.Request:
    """The scrape of ``url``; a user and password in it become a Basic authorisation,
    sent to that host only (not along a redirect)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    bare = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    request = urllib.request.Request(
        bare, headers={"Accept": ACCEPT, "User-Agent": f"compliance-tool/{__version__}"}
    )
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        request.add_unredirected_header("Authorization", f"Basic {token}")
    return request


def _timed_out(address: str, timeout: float) -> ObserveError:
    return ObserveError(
        f"{address} did not answer within {timeout:g} s",
        hint="check that the exporter runs, or give a longer --timeout",
    )


def _read_bounded(response: Any, deadline: float, address: str, timeout: float) -> bytes:
    """The body, at most :data:`MAX_BYTES`, read before ``deadline``."""
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise _timed_out(address, timeout)
        chunk = response.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_BYTES:
            raise ObserveError(
                f"{address} answered with more than {MAX_BYTES:,} bytes",
                hint="scrape an exporter of the model metrics only",
            )
        chunks.append(chunk)


def _read_file(location: str) -> tuple[str, bool]:
    """The text of the file and whether it is OpenMetrics (it ends with ``# EOF``)."""
    path = Path(location)
    try:
        if not path.is_file():
            what = "is not a file" if path.exists() else "does not exist"
            raise ObserveError(
                f"{location} {what}", hint="give a metrics file or an http(s) URL to scrape"
            )
        if path.stat().st_size > MAX_BYTES:
            raise ObserveError(
                f"{location} is above the {MAX_BYTES:,}-byte limit",
                hint="keep only the model metrics in the file",
            )
        raw = path.read_bytes()
    except OSError as error:
        raise ObserveError(f"cannot read {location}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ObserveError(
            "not UTF-8 text", where=f"{location}:{line}", hint="an exposition is UTF-8 text"
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    return text, bool(lines) and lines[-1].strip() == "# EOF"


def _parsers(openmetrics: bool) -> Parse:
    if openmetrics:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        from prometheus_client.parser import text_string_to_metric_families
    return text_string_to_metric_families


def _parse(text: str, openmetrics: bool, address: str) -> list[Any]:
    """Every metric family of the text; ObserveError naming the first bad line."""
    parse = _parsers(openmetrics)
    try:
        return list(parse(text))
    except ValueError as error:
        kind = "OpenMetrics" if openmetrics else "Prometheus text"
        said = str(error.args[0]) if error.args else "does not parse"
        bad = _first_bad_line(text, parse, openmetrics)
        if bad is None:
            raise ObserveError(
                f"not valid {kind}: {said}",
                where=address,
                hint="check the exposition with promtool check metrics",
            ) from None
        number, line = bad
        raise ObserveError(
            f"not valid {kind}: {line[:200]!r} ({said})",
            where=f"{address}:{number}",
            hint="check the exposition with promtool check metrics",
        ) from None


def _first_bad_line(text: str, parse: Parse, openmetrics: bool) -> tuple[int, str] | None:
    """The first line that does not parse on its own, with its number."""
    end = "# EOF\n" if openmetrics else ""
    for number, line in enumerate(text.split("\n"), start=1):
        if line == "# EOF" or (not line and not openmetrics):
            continue
        if not line and number == text.count("\n") + 1:
            continue  # the end of the text after its last newline
        try:
            list(parse(f"{line}\n{end}"))
        except ValueError:
            return number, line
    return None


def _sample_text(sample: Any) -> str:
    labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
    return f"{sample.name}{{{labels}}} {sample.value:g}"


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value
