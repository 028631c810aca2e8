"""A real ``mlflow server`` on 127.0.0.1: SQLite, one worker, no job runner, no telemetry;
started in its own process group so that the server and its uvicorn worker stop together.
The observe tests start one for the session; ``benchmarks/observe_mlflow.py`` uses it too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from support.http_server import free_port

MLFLOW = Path(sys.executable).with_name("mlflow")

QUIET_MLFLOW = {
    # no job runner (huey) beside the server: it costs seconds of start-up and is unused
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}


class ServerError(Exception):
    """The server did not start; the message ends with the tail of its log."""


class MlflowServer:
    """``mlflow server`` on ``folder/mlflow.db``, answering at :attr:`url` once started."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database = folder / "mlflow.db"
        self.log = folder / "server.log"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180) -> str:
        """Start the server and wait until ``/health`` answers; its URL."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
        command = [str(MLFLOW), "server", "--backend-store-uri", f"sqlite:///{self.database}"]
        command += ["--default-artifact-root", str(self.folder / "artifacts")]
        command += ["--host", "127.0.0.1", "--port", self.url.rsplit(":", 1)[1], "--workers", "1"]
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                command,
                env={**env, **QUIET_MLFLOW},
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return self.url
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ServerError(f"mlflow server did not answer /health:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop the server and its worker (SIGTERM, then SIGKILL after 15 s)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
