"""What every resolver can reach: the services, the request's loaders, who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from graph_registry.api.loaders import Loaders
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.models import ModelService
from graph_registry.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """Built once at start-up, shared by all requests."""

    settings: Settings
    models: ModelService
    lifecycle: LifecycleService


@dataclass(slots=True)
class Context:
    request: Request | WebSocket
    response: Response | None
    services: Services
    actor: str
    request_id: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.services.models, self.services.lifecycle)


Info = strawberry.Info[Context, None]
