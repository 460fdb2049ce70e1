"""A real `mlflow server` on loopback (SQLite backend, artifacts proxied, one worker), for the tests
that compare with MLflow or import from it, and for bench/mlflow_api.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bench.processes import stop_group, wait_http


def start(executable: Path, home: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """The server, its data under `home` (server.log there too), once it answers; and its URL."""
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")
    with (home / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(executable),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--backend-store-uri",
                f"sqlite:///{home / 'mlflow.db'}",
                "--artifacts-destination",
                str(home / "artifacts"),
                # One worker: under load MLflow's supervisor kills workers that miss its health check.
                "--workers",
                "1",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the server's workers are its children: stopped as one group
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", process, timeout=180, log=home / "server.log")
    except RuntimeError:
        stop_group(process)
        raise
    return process, url
