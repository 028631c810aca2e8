"""A real MLflow tracking server for the session, an empty registry for each test, and a
small stand-in server on 127.0.0.1 for the answers a real one does not give (401, 403,
wrong JSON, slowness, a huge body)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.http_server import FakeServer, free_port, start, stop

MLFLOW = Path(sys.executable).with_name("mlflow")

QUIET_MLFLOW = {
    # no job runner (huey) beside the server: it costs seconds of start-up and is unused
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlflow server exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"mlflow server did not answer /health in 120 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of one ``mlflow server`` (SQLite, one worker) for the whole session."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    url = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                str(MLFLOW),
                "server",
                "--backend-store-uri",
                f"sqlite:///{folder / 'mlflow.db'}",
                "--default-artifact-root",
                str(folder / "artifacts"),
                "--host",
                "127.0.0.1",
                "--port",
                url.rsplit(":", 1)[1],
                "--workers",
                "1",
            ],
            env={**env, **QUIET_MLFLOW},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the server and its uvicorn worker stop together
        )
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def registry(mlflow_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An ``mlflow.MlflowClient`` of the session's server, whose registry is empty."""
    for name, value in QUIET_MLFLOW.items():
        monkeypatch.setenv(name, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's own deprecations are not ours to fail on
        import mlflow

        client = mlflow.MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)
        while models := client.search_registered_models(max_results=1000):
            for model in models:
                client.delete_registered_model(model.name)
        yield client


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A stand-in server on 127.0.0.1; set ``answer`` before observing it."""
    server = start()
    yield server
    stop(server)
