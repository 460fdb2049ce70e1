"""What every resolver can reach: the services, the request's loaders, who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from graph_registry.api.lineage_loaders import LineageLoaders
from graph_registry.api.loaders import Loaders
from graph_registry.api.supply_loaders import SupplyLoaders
from graph_registry.errors import RegistryError
from graph_registry.services.advisories import AdvisoryService
from graph_registry.services.artifacts import ArtifactService
from graph_registry.services.audit import AuditService
from graph_registry.services.cards import CardService
from graph_registry.services.datasets import DatasetService
from graph_registry.services.deletion import DeletionService
from graph_registry.services.events import EventService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.lineage import LineageService
from graph_registry.services.models import ModelService
from graph_registry.services.provenance import ProvenanceService
from graph_registry.services.runs import RunService
from graph_registry.services.search import SearchService
from graph_registry.services.tokens import Principal, TokenService
from graph_registry.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """Built once at start-up, shared by all requests."""

    settings: Settings
    models: ModelService
    lifecycle: LifecycleService
    artifacts: ArtifactService
    events: EventService
    datasets: DatasetService
    runs: RunService
    provenance: ProvenanceService
    lineage: LineageService
    deletion: DeletionService
    tokens: TokenService
    audit: AuditService
    advisories: AdvisoryService
    cards: CardService
    search: SearchService


@dataclass(slots=True)
class Context:
    request: Request | WebSocket
    response: Response | None
    services: Services
    actor: str
    request_id: str
    # Who is asking (api/auth.py); None with the reason in auth_error until a token was accepted.
    principal: Principal | None = None
    auth_error: RegistryError | None = None
    # The payload of a WebSocket's connection_init (Strawberry sets it).
    connection_params: object = None
    loaders: Loaders = field(init=False)
    lineage: LineageLoaders = field(init=False)
    supply: SupplyLoaders = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_loaders()

    def refresh_loaders(self) -> None:
        """Start with empty loaders: a long subscription calls it before each event it resolves."""
        self.loaders = Loaders(self.services.models, self.services.lifecycle)
        s = self.services
        self.lineage = LineageLoaders(s.datasets, s.runs, s.provenance, s.lineage)
        self.supply = SupplyLoaders(s.advisories, s.cards)


Info = strawberry.Info[Context, None]
