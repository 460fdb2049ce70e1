"""Configuration, read once from the environment into a typed object."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from graph_registry.domain.lineage import MAX_WALK_DEPTH
from graph_registry.domain.severity import Severity

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


class Environment(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ArtifactStoreKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class Settings(BaseSettings):
    """Every knob of the registry. Secrets are `SecretStr`: they never show in reprs or logs."""

    model_config = SettingsConfigDict(env_prefix="GRAPH_REGISTRY_", extra="ignore", frozen=True, populate_by_name=True)

    home: Path = Path(".graph-registry")
    env: Environment = Environment.DEV

    neo4j_uri: Annotated[str | None, Field(validation_alias="NEO4J_URI")] = None
    neo4j_user: Annotated[str, Field(validation_alias="NEO4J_USER")] = "neo4j"
    neo4j_password: Annotated[SecretStr | None, Field(validation_alias="NEO4J_PASSWORD")] = None
    neo4j_database: Annotated[str, Field(validation_alias="NEO4J_DATABASE")] = "neo4j"
    neo4j_pool_size: int = 50
    neo4j_connect_timeout: float = 5.0
    neo4j_retry_time: float = 10.0

    embedded_neo4j_port: int = 7687
    embedded_neo4j_heap: str = "1g"
    embedded_neo4j_pagecache_mb: int = 256
    embedded_neo4j_start_timeout: float = 180.0
    # Seconds `serve` gives requests in flight after SIGTERM/SIGINT before it drops them.
    shutdown_timeout: float = 10.0

    require_provenance: bool = True
    # A walk's hops: at most what the walk queries reach (cypher/queries/lineage.cypher, MAX_WALK_DEPTH).
    max_lineage_depth: int = Field(default=MAX_WALK_DEPTH, ge=0, le=MAX_WALK_DEPTH)
    # Refuse PRODUCTION to versions with a known vulnerability at or above this severity
    # (LOW, MODERATE, HIGH, CRITICAL); unset: vulnerabilities do not block.
    blocking_severity: Severity | None = None
    # Model card sections (field names, e.g. intendedUse,limitations) a version needs to enter PRODUCTION.
    required_card_fields: Annotated[tuple[str, ...], NoDecode] = ()
    max_page_size: int = 100
    # OpenLineage events applied at once per API process; more wait their turn in the API. Event
    # statements running side by side in Neo4j each cost it more CPU (2 cores, 8 at once: about 2.5x
    # one at a time; bench/RESULTS.md, session 5), so a queue here is cheaper than one in Neo4j.
    openlineage_concurrency: int = Field(default=2, ge=1)
    load_demo: bool = True

    artifact_store: ArtifactStoreKind = ArtifactStoreKind.LOCAL
    # Local store folder; default <home>/artifacts.
    artifacts_dir: Path | None = None
    # Signs local upload/download URLs; default: generated once into <home>/artifact-signing-key.
    artifact_signing_key: SecretStr | None = None
    artifact_url_expiry: float = 900.0
    max_artifact_size: int = 5 * 1024**4
    # Base of the local store's upload/download URLs; default: the URL the request came in on.
    public_url: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    # The endpoint presigned URLs name, when clients reach S3 by another address than the
    # server does (docker compose: the server uses http://minio:9000, clients 127.0.0.1:9000).
    s3_public_endpoint_url: str | None = None
    # Optional: without them boto3's usual chain (AWS_* variables, profiles, instance roles) applies.
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # Larger artifacts are uploaded to S3 in presigned parts of s3_part_size bytes.
    s3_multipart_threshold: int = 512 * 1024**2
    s3_part_size: int = 64 * 1024**2

    # Security (api/http/auth.py, api/http/guard.py, api/graphql/extensions/authorization.py,
    # api/graphql/schema.py). Unset, auth is on except for the embedded default on loopback;
    # GRAPH_REGISTRY_AUTH=off is only honoured on loopback addresses.
    auth: bool | None = None
    # Aliases only a maintainer may set or delete; GRAPH_REGISTRY_PROTECTED_ALIASES=champion,production.
    protected_aliases: Annotated[tuple[str, ...], NoDecode] = ("champion", "production")
    # Seconds between checks that an open subscription's token is still valid (revoked: closed).
    token_recheck_seconds: float = 10.0
    max_query_depth: int = 15
    max_query_tokens: int = 2000
    max_query_aliases: int = 50
    max_query_cost: int = 20_000
    # What each hop of a lineage walk (`depth`) costs: a hop reaches several nodes (bench/cost_stall.py).
    lineage_cost_weight: int = 10
    # Operations costing at least this are expensive: each caller runs at most
    # max_expensive_per_caller of them at once per worker (0: no cap); one more is UNAVAILABLE.
    expensive_query_cost: int = Field(default=10_000, ge=1)
    max_expensive_per_caller: int = Field(default=1, ge=0)
    # Any one string argument; services cap the fields they know lower (tag values: 100,000, MLflow's).
    max_string_length: int = 128 * 1024
    # Bodies of POST /graphql (the artifact routes stream and have their own limit).
    max_body_bytes: int = 1024 * 1024
    # Seconds a POST /graphql body may take to arrive (slow-body clients get 408).
    request_body_timeout: float = 30.0
    # Exact origins (scheme://host[:port]) whose pages may call the API cross-origin (api/cors.py);
    # empty: no cross-origin access. GRAPH_REGISTRY_CORS_ORIGINS=https://portal.example.com,...
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Webhooks (services/webhooks.py): private, loopback and link-local targets only when allowed.
    webhook_allow_private: bool = False
    # Whether this process delivers (enqueues and attempts); off, it still serves the webhook API.
    webhook_deliveries: bool = True
    webhook_timeout: float = 5.0
    # Seconds a failing delivery is retried (exponential backoff with jitter from webhook_retry_base).
    webhook_retry_window: float = 24 * 3600.0
    webhook_retry_base: float = 5.0
    webhook_poll_interval: float = 1.0
    # When set, GET /metrics needs 'Authorization: Bearer <this>' (a scraper's secret, not an API token).
    metrics_token: SecretStr | None = None
    # "text" (human) or "json" (one object per line: time, level, request id, actor, operation, ...).
    log_format: LogFormat = LogFormat.TEXT
    # Seconds a client may take to send a request's line and headers (api/serving.py): then closed.
    header_timeout: float = 10.0
    # Artifact uploads (PUT /artifacts/upload/...): each window of request_body_timeout seconds must
    # bring at least this many bytes per second on average, or the upload gets 408 and is closed.
    upload_min_bytes_per_second: int = 1024
    # Host header values answered (api/hosts.py); GRAPH_REGISTRY_ALLOWED_HOSTS=registry.example.com,*.corp.
    # Empty: loopback names only with auth off (DNS rebinding), any host with auth on.
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("protected_aliases", "cors_origins", "allowed_hosts", "required_card_fields", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an exact origin: give scheme://host[:port] "
                    "(no path, no trailing slash, no wildcard)"
                )
        return tuple(origin.lower() for origin in value)

    @property
    def embedded(self) -> bool:
        """True when the registry runs its own local Neo4j (no NEO4J_URI given)."""
        return self.neo4j_uri is None

    @property
    def neo4j_home(self) -> Path:
        return self.home / "neo4j"

    @property
    def artifacts_home(self) -> Path:
        return (self.artifacts_dir or self.home / "artifacts").expanduser().absolute()

    @property
    def auth_enabled(self) -> bool:
        """Auth is on unless switched off, or left unset on the embedded default (a local sandbox)."""
        return self.auth if self.auth is not None else not self.embedded

    @property
    def production(self) -> bool:
        return self.env is Environment.PRODUCTION
