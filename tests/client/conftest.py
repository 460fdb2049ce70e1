from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_registry.client import Registry
from tests.live_server import LiveServer


@pytest.fixture
def registry(api: LiveServer) -> Iterator[Registry]:
    with Registry(api.url, progress=False) as client:
        yield client
