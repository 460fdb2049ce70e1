"""The API served by a real uvicorn on 127.0.0.1, in a background thread, for HTTP-level tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from graph_registry.api.app import create_app
from graph_registry.api.http.serving import uvicorn_options
from graph_registry.settings import Settings
from graph_registry.storage.database import Database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server

    @classmethod
    @contextlib.contextmanager
    def serving(
        cls, settings: Settings, *, timeout: float = 60.0, database: Database | None = None
    ) -> Iterator[LiveServer]:
        """`database` (closed with the server) replaces the one the settings would open."""
        port = free_port()
        app = create_app(settings, database=database)
        # The options `graph-registry serve` uses (httptools with its header deadline and size bound), so tests see what users get.
        options = uvicorn_options(settings)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **options)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.05)
        try:
            yield cls(url=f"http://127.0.0.1:{port}", server=server)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
