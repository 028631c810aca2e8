"""A real MLflow tracking server for the session, an empty registry for each test, and a
small stand-in server on 127.0.0.1 for the answers a real one does not give (401, 403,
wrong JSON, slowness, a huge body)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from support.http_server import FakeServer, start, stop
from support.mlflow_server import QUIET_MLFLOW, MlflowServer, ServerError


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of one ``mlflow server`` (SQLite, one worker) for the whole session."""
    server = MlflowServer(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server.start(timeout=120)
    except ServerError as error:
        pytest.fail(str(error))
    finally:
        server.stop()


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
