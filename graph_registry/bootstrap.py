"""The composition root: from `Settings` to a reachable Neo4j, the database, the artifact store and the services.

The app's lifespan, every CLI command and the tests build the registry here and
nowhere else, so a new service is wired once (`build_services`). The embedded
default (no NEO4J_URI) runs a local Neo4j of the state folder: `embedded_neo4j`
starts it when needed and stops it again if it started it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

from graph_registry.services.advisories import AdvisoryService
from graph_registry.services.artifacts import ArtifactService
from graph_registry.services.audit import AuditService
from graph_registry.services.cards import CardService
from graph_registry.services.datasets import DatasetService
from graph_registry.services.deletion import DeletionService
from graph_registry.services.events import EventService
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.lineage import LineageService
from graph_registry.services.mlflow import MlflowServices
from graph_registry.services.models import ModelService
from graph_registry.services.openlineage import OpenLineageService
from graph_registry.services.promotion import PromotionService
from graph_registry.services.provenance import ProvenanceService
from graph_registry.services.requests import RequestService
from graph_registry.services.runs import RunService
from graph_registry.services.search import SearchService
from graph_registry.services.teams import TeamService
from graph_registry.services.tokens import TokenService
from graph_registry.services.versions import VersionService
from graph_registry.services.webhooks import DeliveryPolicy, WebhookService
from graph_registry.settings import ArtifactStoreKind, Settings
from graph_registry.storage import migrations
from graph_registry.storage.artifact_store import ArtifactStore
from graph_registry.storage.database import Database
from graph_registry.storage.local_neo4j import LocalNeo4j, quiet
from graph_registry.storage.local_store import LocalStore
from graph_registry.storage.s3_store import S3Store


@dataclass(frozen=True, slots=True)
class Services:
    """Built once at start-up, shared by all requests."""

    settings: Settings
    models: ModelService
    versions: VersionService
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
    openlineage: OpenLineageService
    webhooks: WebhookService
    # The MLflow REST adapter's use cases (api/mlflow/).
    mlflow: MlflowServices
    teams: TeamService
    promotion: PromotionService
    requests: RequestService
    # Supply chain (issue 17): OSV advisories, model cards, full-text search.
    advisories: AdvisoryService
    cards: CardService
    search: SearchService


def local_neo4j(settings: Settings) -> LocalNeo4j:
    """The local Neo4j of the state folder (the embedded default's)."""
    return LocalNeo4j(
        settings.neo4j_home,
        port=settings.embedded_neo4j_port,
        heap=settings.embedded_neo4j_heap,
        pagecache_mb=settings.embedded_neo4j_pagecache_mb,
    )


def neo4j_credentials(settings: Settings) -> tuple[str, str, str]:
    """(uri, user, password): the configured server, or the local one the state folder manages."""
    if settings.neo4j_uri is not None:
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        return settings.neo4j_uri, settings.neo4j_user, password
    local = local_neo4j(settings)
    return local.uri, local.user, local.password()


@contextlib.contextmanager
def embedded_neo4j(
    settings: Settings, *, stop: bool = True, announce: Callable[[str], None] | None = None
) -> Iterator[LocalNeo4j | None]:
    """The local Neo4j running for the enclosed code when it is the one configured (None otherwise).

    Started if it was not running, and then stopped again at the end unless `stop` is False;
    one that was already running is left as it was. `announce` is told what happens.
    Raises LocalNeo4jError when it cannot start.
    """
    if not settings.embedded:
        yield None
        return
    local = local_neo4j(settings)
    started_here = not local.status().running
    if announce is not None:
        announce(f"embedded default: local Neo4j on {local.uri}, data in {local.home}")
    report = announce or quiet
    local.start(timeout=settings.embedded_neo4j_start_timeout, report=report)
    try:
        yield local
    finally:
        if stop and started_here:
            local.stop(report=report)


def open_database(settings: Settings) -> Database:
    uri, user, password = neo4j_credentials(settings)
    return Database.connect(
        uri=uri,
        user=user,
        password=password,
        database=settings.neo4j_database,
        pool_size=settings.neo4j_pool_size,
        connect_timeout=settings.neo4j_connect_timeout,
        retry_time=settings.neo4j_retry_time,
    )


def open_artifact_store(settings: Settings) -> ArtifactStore:
    if settings.artifact_store is ArtifactStoreKind.S3:
        return S3Store.from_settings(settings)
    return LocalStore.from_settings(settings)


def build_services(settings: Settings, database: Database, store: ArtifactStore) -> Services:
    """Every service, wired once."""
    models = ModelService(database, max_page_size=settings.max_page_size, max_artifact_size=settings.max_artifact_size)
    # The registry-wide promotion policy's requireProvenance, blockingSeverity and requiredCardFields
    # default to GRAPH_REGISTRY_REQUIRE_PROVENANCE, _BLOCKING_SEVERITY and _REQUIRED_CARD_FIELDS.
    promotion = PromotionService(
        database,
        require_provenance=settings.require_provenance,
        blocking_severity=settings.blocking_severity,
        required_card_fields=settings.required_card_fields,
    )
    lifecycle = LifecycleService(database, promotion=promotion)
    deletion = DeletionService(database)
    return Services(
        settings=settings,
        models=models,
        versions=VersionService(database, max_artifact_size=settings.max_artifact_size),
        lifecycle=lifecycle,
        artifacts=ArtifactService(database, store, models, url_expiry=settings.artifact_url_expiry),
        events=EventService(database),
        datasets=DatasetService(database, max_page_size=settings.max_page_size),
        runs=RunService(database, max_page_size=settings.max_page_size),
        provenance=ProvenanceService(database, models),
        lineage=LineageService(database, max_depth=settings.max_lineage_depth),
        deletion=deletion,
        tokens=TokenService(database),
        audit=AuditService(database, max_page_size=settings.max_page_size),
        openlineage=OpenLineageService(
            database, max_page_size=settings.max_page_size, concurrency=settings.openlineage_concurrency
        ),
        webhooks=WebhookService(database, webhook_policy(settings)),
        mlflow=MlflowServices.build(
            database,
            store,
            models=models,
            lifecycle=lifecycle,
            deletion=deletion,
            max_artifact_size=settings.max_artifact_size,
        ),
        teams=TeamService(database, max_page_size=settings.max_page_size),
        promotion=promotion,
        requests=RequestService(database, lifecycle=lifecycle, promotion=promotion),
        advisories=AdvisoryService(database),
        cards=CardService(database),
        search=SearchService(database, max_page_size=settings.max_page_size),
    )


def webhook_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        allow_private=settings.webhook_allow_private,
        timeout=settings.webhook_timeout,
        retry_window=settings.webhook_retry_window,
        retry_base=settings.webhook_retry_base,
        poll_interval=settings.webhook_poll_interval,
    )


@dataclass(frozen=True, slots=True)
class Registry:
    """What `opened` opened: close it by leaving the `async with`."""

    database: Database
    store: ArtifactStore
    services: Services


@contextlib.asynccontextmanager
async def opened(
    settings: Settings, *, database: Database | None = None, migrate: bool = True
) -> AsyncIterator[Registry]:
    """The database (migrated unless told not to), the artifact store and the services, closed at the end.

    A `database` given here (e.g. instrumented by tests) replaces the configured one and is closed too.
    """
    database = database or open_database(settings)
    store: ArtifactStore | None = None
    try:
        if migrate:
            await migrations.apply(database)
        store = open_artifact_store(settings)
        yield Registry(database=database, store=store, services=build_services(settings, database, store))
    finally:
        await database.close()
        if store is not None:
            store.close()


__all__ = [
    "Registry",
    "Services",
    "build_services",
    "embedded_neo4j",
    "local_neo4j",
    "neo4j_credentials",
    "open_artifact_store",
    "open_database",
    "opened",
]
