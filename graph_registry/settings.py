"""Configuration, read once from the environment into a typed object."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from graph_registry.domain.severity import Severity
from graph_registry.local_neo4j import LocalNeo4j


class Environment(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


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

    require_provenance: bool = True
    # Refuse PRODUCTION to versions with a known vulnerability at or above this severity
    # (LOW, MODERATE, HIGH, CRITICAL); unset: vulnerabilities do not block.
    blocking_severity: Severity | None = None
    # Model card sections (field names, e.g. intendedUse,limitations) a version needs to enter PRODUCTION.
    required_card_fields: Annotated[tuple[str, ...], NoDecode] = ()
    max_lineage_depth: int = 25
    max_page_size: int = 100
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

    # Security (api/auth.py, api/authorization.py, api/hardening.py). Unset, auth is on except for the
    # embedded default on loopback; GRAPH_REGISTRY_AUTH=off is only honoured on loopback addresses.
    auth: bool | None = None
    # Aliases only a maintainer may set or delete; GRAPH_REGISTRY_PROTECTED_ALIASES=champion,production.
    protected_aliases: Annotated[tuple[str, ...], NoDecode] = ("champion", "production")
    # Seconds between checks that an open subscription's token is still valid (revoked: closed).
    token_recheck_seconds: float = 10.0
    max_query_depth: int = 15
    max_query_tokens: int = 2000
    max_query_aliases: int = 50
    max_query_cost: int = 20_000
    # Any one string argument; services cap the fields they know far lower.
    max_string_length: int = 64 * 1024
    # Bodies of POST /graphql (the artifact routes stream and have their own limit).
    max_body_bytes: int = 1024 * 1024
    # Seconds a POST /graphql body may take to arrive (slow-body clients get 408).
    request_body_timeout: float = 30.0

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("protected_aliases", "required_card_fields", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

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

    def local_neo4j(self) -> LocalNeo4j:
        return LocalNeo4j(
            self.neo4j_home,
            port=self.embedded_neo4j_port,
            heap=self.embedded_neo4j_heap,
            pagecache_mb=self.embedded_neo4j_pagecache_mb,
        )

    def neo4j_credentials(self) -> tuple[str, str, str]:
        """(uri, user, password): the configured server, or the local one this state folder manages."""
        if self.neo4j_uri is not None:
            password = self.neo4j_password.get_secret_value() if self.neo4j_password else ""
            return self.neo4j_uri, self.neo4j_user, password
        local = self.local_neo4j()
        return local.uri, local.user, local.password()

    @property
    def auth_enabled(self) -> bool:
        """Auth is on unless switched off, or left unset on the embedded default (a local sandbox)."""
        return self.auth if self.auth is not None else not self.embedded

    @property
    def production(self) -> bool:
        return self.env is Environment.PRODUCTION
