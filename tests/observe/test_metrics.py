"""observe metrics: a real prometheus_client exporter scraped over HTTP, files in the
Prometheus text format and in OpenMetrics (both written by prometheus_client), the
metric names of compliance-tool.yaml, and every refusal."""

from __future__ import annotations

import base64
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import prometheus_client
import pytest
import yaml
from click.testing import Result
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.openmetrics import exposition as openmetrics
from support.cli import Invoke
from support.observing import refused
from support.repos import write_minirepo

from compliance_tool.observe import metrics as metrics_module

SNAPSHOT = Path("inventory/observations/metrics.yaml")


def sample_registry() -> CollectorRegistry:
    """m1 in two environments and m2 in one, some of the six metrics each; a counter for
    the failed deployments (its samples end in _total); a gauge that is no model metric."""
    registry = CollectorRegistry()
    latency = Gauge(
        "model_latency_p99_ms", "p99 latency", ["model", "environment"], registry=registry
    )
    availability = Gauge(
        "model_availability_ratio", "availability", ["model", "environment"], registry=registry
    )
    failed = Counter(
        "model_failed_deployments_90d", "failed deployments", ["model"], registry=registry
    )
    other = Gauge("process_open_fds_total_x", "not a model metric", ["model"], registry=registry)
    latency.labels("m1", "prod-eu").set(212.5)
    latency.labels("m1", "prod-us").set(240)
    latency.labels("m2", "prod-eu").set(54)
    availability.labels("m1", "prod-eu").set(0.9995)
    failed.labels("m2").inc(3)
    other.labels("m1").set(7)
    return registry


EXPECTED = [
    {
        "model": "m1",
        "environment": "prod-eu",
        "metrics": {"latency_p99_ms": 212.5, "availability": 0.9995},
    },
    {"model": "m1", "environment": "prod-us", "metrics": {"latency_p99_ms": 240}},
    {"model": "m2", "metrics": {"failed_deployments_90d": 3}},
    {"model": "m2", "environment": "prod-eu", "metrics": {"latency_p99_ms": 54}},
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_minirepo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def exporter() -> Iterator[str]:
    """A prometheus_client exporter of :func:`sample_registry` on 127.0.0.1."""
    server, thread = prometheus_client.start_http_server(
        0, addr="127.0.0.1", registry=sample_registry()
    )
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def http_server() -> Iterator[Callable[[Handler], str]]:
    """``serve(handler)``: the URL of a server on 127.0.0.1 that answers with ``handler``."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(handle: Handler) -> str:
        class Answer(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/metrics"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def observe(run_cli: Invoke, location: str | Path, *args: str) -> Result:
    return run_cli("observe", "metrics", "--openmetrics", str(location), *args)


def snapshot(root: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((root / SNAPSHOT).read_text()))


def test_scrape_a_real_exporter(repo: Path, run_cli: Invoke, exporter: str) -> None:
    result = observe(run_cli, exporter)
    assert result.exit_code == 0, result.output
    written = snapshot(repo)
    assert written["source"] == {"system": "openmetrics", "address": exporter.rstrip("/")}
    assert written["entries"] == EXPECTED
    again = observe(run_cli, exporter)
    assert "unchanged since the last snapshot" in again.output


def test_the_scrape_asks_for_openmetrics_and_parses_what_the_server_says(
    repo: Path, run_cli: Invoke, http_server: Callable[[Handler], str]
) -> None:
    asked: list[str] = []
    authorised: list[str] = []
    body = openmetrics.generate_latest(sample_registry())

    def answer(request: http.server.BaseHTTPRequestHandler) -> None:
        asked.append(request.headers.get("Accept", ""))
        authorised.append(request.headers.get("Authorization", ""))
        request.send_response(200)
        request.send_header("Content-Type", openmetrics.CONTENT_TYPE_LATEST)
        request.end_headers()
        request.wfile.write(body)

    url = http_server(answer)
    result = observe(run_cli, url.replace("http://", "http://scraper:pa55@"))
    assert result.exit_code == 0, result.output
    assert asked and asked[0].startswith("application/openmetrics-text")
    assert "text/plain" in asked[0]
    assert authorised == ["Basic " + base64.b64encode(b"scraper:pa55").decode()]
    assert snapshot(repo)["entries"] == EXPECTED
    assert snapshot(repo)["source"]["address"] == url  # no user, no password
    assert "pa55" not in (repo / SNAPSHOT).read_text()


@pytest.mark.parametrize(
    ("suffix", "generate"),
    [(".prom", prometheus_client.generate_latest), (".txt", openmetrics.generate_latest)],
    ids=["prometheus-text", "openmetrics"],
)
def test_files_in_both_formats(
    repo: Path, run_cli: Invoke, suffix: str, generate: Callable[[CollectorRegistry], bytes]
) -> None:
    path = repo / f"exposition{suffix}"
    path.write_bytes(generate(sample_registry()))
    result = observe(run_cli, path.name)
    assert result.exit_code == 0, result.output
    assert snapshot(repo)["entries"] == EXPECTED
    assert snapshot(repo)["source"]["address"] == path.name


def test_metric_names_and_labels_from_the_configuration(repo: Path, run_cli: Invoke) -> None:
    (repo / "compliance-tool.yaml").write_text(
        "observe:\n  metrics:\n    names: {latency_p99_ms: svc_latency_p99_milliseconds}\n"
        "    model_label: model_id\n    environment_label: env\n"
    )
    (repo / "m.prom").write_text(
        "# TYPE svc_latency_p99_milliseconds gauge\n"
        'svc_latency_p99_milliseconds{model_id="m1",env="prod-eu"} 3.0\n'
        'model_latency_p99_ms{model_id="m1",env="prod-eu"} 999\n'  # no longer the name
        'svc_latency_p99_milliseconds{model="m2"} 5\n'  # not the model label
        'model_data_drift{model_id="m1",env="prod-eu"} 0.04\n'  # a default name still
    )
    result = observe(run_cli, "m.prom")
    assert result.exit_code == 0, result.output
    assert snapshot(repo)["entries"] == [
        {
            "model": "m1",
            "environment": "prod-eu",
            "metrics": {"latency_p99_ms": 3, "data_drift": 0.04},
        }
    ]


def test_nan_inf_and_a_model_that_is_no_record_id_are_left_out_with_a_warning(
    repo: Path, run_cli: Invoke
) -> None:
    (repo / "m.prom").write_text(
        'model_latency_p99_ms{model="m1"} NaN\n'
        'model_availability_ratio{model="m1"} +Inf\n'
        'model_data_drift{model="m1"} 0.07\n'
        'model_data_drift{model="not an id"} 0.01\n'
    )
    result = observe(run_cli, "m.prom")
    assert result.exit_code == 0, result.output
    assert snapshot(repo)["entries"] == [{"model": "m1", "metrics": {"data_drift": 0.07}}]
    assert 'm.prom: model_latency_p99_ms{model="m1"} nan: value nan left out' in result.output
    assert "value inf left out" in result.output
    assert "model label 'not an id' is not a record id; left out" in result.output


def test_two_values_of_one_metric_for_one_model_and_environment(
    repo: Path, run_cli: Invoke
) -> None:
    (repo / "m.prom").write_text(
        'model_latency_p99_ms{model="m1",environment="prod-eu",pod="a"} 10\n'
        'model_latency_p99_ms{model="m1",environment="prod-eu",pod="b"} 10\n'
        'model_latency_p99_ms{model="m1",environment="prod-eu",pod="c"} 12\n'
    )
    refused(
        observe(run_cli, "m.prom"),
        repo / SNAPSHOT,
        'model_latency_p99_ms{environment="prod-eu",model="m1",pod="a"} 10 and '
        'model_latency_p99_ms{environment="prod-eu",model="m1",pod="c"} 12 give two values',
        "for model 'm1' in environment 'prod-eu'",
    )


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        (
            "bad.prom",
            'model_data_drift{model="m1"} 0.1\nmodel_data_drift{model= 0.2\n',
            "bad.prom:2: not valid Prometheus text: 'model_data_drift{model= 0.2'",
        ),
        (
            "bad.txt",
            '# TYPE model_data_drift gauge\nmodel_data_drift{model="m1"} 0.1\n\n# EOF\n',
            "bad.txt:3: not valid OpenMetrics: '' (Received blank line)",
        ),
        (
            "late.txt",
            'model_data_drift{model="m1"} 0.1\n# TYPE model_data_drift gauge\n# EOF\n',
            "late.txt: not valid OpenMetrics",
        ),
    ],
    ids=["prometheus-text", "openmetrics-line", "openmetrics-order"],
)
def test_text_that_does_not_parse(
    repo: Path, run_cli: Invoke, name: str, text: str, needle: str
) -> None:
    (repo / name).write_text(text)
    refused(observe(run_cli, name), repo / SNAPSHOT, needle, "promtool check metrics")


def test_a_file_that_cannot_be_read(repo: Path, run_cli: Invoke) -> None:
    refused(observe(run_cli, "missing.prom"), repo / SNAPSHOT, "missing.prom does not exist")
    (repo / "folder").mkdir()
    refused(observe(run_cli, "folder"), repo / SNAPSHOT, "folder is not a file")
    (repo / "latin1.prom").write_bytes(b"# HELP x caf\xe9\nx 1\n")
    refused(observe(run_cli, "latin1.prom"), repo / SNAPSHOT, "latin1.prom:1: not UTF-8 text")
    refused(observe(run_cli, "ftp://example.com/m"), repo / SNAPSHOT, "a ftp URL cannot be scraped")


def test_an_exposition_above_the_size_limit(
    repo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch, exporter: str
) -> None:
    monkeypatch.setattr(metrics_module, "MAX_BYTES", 64)
    (repo / "big.prom").write_text('model_data_drift{model="m1"} 0.1\n' * 3)
    refused(observe(run_cli, "big.prom"), repo / SNAPSHOT, "big.prom is above the 64-byte limit")
    refused(observe(run_cli, exporter), repo / SNAPSHOT, "answered with more than 64 bytes")


def test_an_unreachable_url(repo: Path, run_cli: Invoke) -> None:
    with socket.socket() as probe:  # a port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused(
        observe(run_cli, f"http://127.0.0.1:{port}/metrics"),
        repo / SNAPSHOT,
        f"cannot reach http://127.0.0.1:{port}/metrics",
        "check the URL and that the exporter runs",
    )


def test_an_error_status(
    repo: Path, run_cli: Invoke, http_server: Callable[[Handler], str]
) -> None:
    def unavailable(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(503)
        request.end_headers()

    url = http_server(unavailable)
    refused(observe(run_cli, url), repo / SNAPSHOT, f"{url} answered HTTP 503")


def test_a_server_that_does_not_answer_in_time(
    repo: Path, run_cli: Invoke, http_server: Callable[[Handler], str]
) -> None:
    def slow(request: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        request.send_response(200)
        request.end_headers()

    url = http_server(slow)
    started = time.monotonic()
    refused(
        observe(run_cli, url, "--timeout", "0.3"),
        repo / SNAPSHOT,
        f"{url} did not answer within 0.3 s",
    )
    assert time.monotonic() - started < 1.2


def test_a_server_that_trickles_its_answer_past_the_timeout(
    repo: Path, run_cli: Invoke, http_server: Callable[[Handler], str]
) -> None:
    def trickle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/plain")
        request.end_headers()
        for _ in range(12):
            request.wfile.write(b"# still writing\n")
            request.wfile.flush()
            time.sleep(0.1)

    url = http_server(trickle)
    refused(
        observe(run_cli, url, "--timeout", "0.5"), repo / SNAPSHOT, "did not answer within 0.5 s"
    )
