"""The client's asking and lifecycle side against the real server: versions, stages, aliases, errors."""

from __future__ import annotations

import pytest

from graph_registry.client import (
    AsyncRegistry,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    Registry,
    Stage,
    TransportError,
    VersionKey,
)
from tests.live_server import LiveServer, free_port


def test_find_versions_by_number_alias_and_stage(registry: Registry, model_name: str) -> None:
    first = registry.register_model(model_name, requirements=None, commit=None, description="baseline")
    second = registry.register_model(model_name, requirements=None, commit=None, tags={"team": "risk"})
    assert (first.version, second.version) == (1, 2)
    assert second.tags == {"team": "risk"}

    registry.set_alias(f"{model_name}:1", "champion")
    staged = registry.promote(second, "staging", comment="canary")
    assert staged.stage is Stage.STAGING

    assert registry.version(model_name).version == 2
    assert registry.version(f"{model_name}:1").description == "baseline"
    assert registry.version(f"{model_name}@champion").version == 1
    assert registry.version(model_name, alias="champion").aliases == ("champion",)
    assert registry.version(f"{model_name}@staging").version == 2
    assert registry.version(model_name, stage=Stage.STAGING).key == VersionKey(model_name, 2)

    moved = registry.set_alias(model_name, "champion", version=2)
    assert moved.aliases == ("champion",)
    assert registry.version(f"{model_name}:1").aliases == ()
    assert registry.delete_alias(model_name, "champion") is True
    with pytest.raises(NotFoundError):
        registry.version(f"{model_name}@champion")


def test_listings(registry: Registry, model_name: str) -> None:
    for _ in range(3):
        registry.register_model(model_name, requirements=None, commit=None)
    registry.promote(f"{model_name}:3", Stage.STAGING)

    assert [v.version for v in registry.versions(model_name)] == [3, 2, 1]
    assert [v.version for v in registry.versions(model_name, stage="staging")] == [3]
    [model] = registry.models(name_contains=model_name)
    assert (model.name, model.latest_version, model.production_version) == (model_name, 3, None)
    assert registry.model(model_name).latest_version == 3


def test_registry_errors_are_typed_with_the_contract_code(registry: Registry, model_name: str) -> None:
    with pytest.raises(NotFoundError) as missing:
        registry.version(f"{model_name}:9")
    assert missing.value.code == "NOT_FOUND"
    assert str(missing.value).startswith("NOT_FOUND: ")

    with pytest.raises(InvalidInputError):
        registry.version("bad name!:1")

    registry.register_model(model_name, requirements=None, commit=None)
    with pytest.raises(NotFoundError):
        registry.set_alias(model_name, "champion", version=7)
    # A soft-deleted version stays in lineage but may not take an alias: a governance refusal.
    registry.execute("mutation($m: String!) { deleteModelVersion(model: $m, version: 1) }", {"m": model_name})
    with pytest.raises(PreconditionFailedError) as refused:
        registry.set_alias(f"{model_name}:1", "champion")
    assert refused.value.fields.get("model") == model_name

    create = "mutation($n: String!) { createModel(name: $n) { name } }"
    registry.execute(create, {"n": f"{model_name}-x"})
    with pytest.raises(ConflictError):
        registry.execute(create, {"n": f"{model_name}-x"})


def test_an_unreachable_registry_is_a_transport_error() -> None:
    with Registry(f"http://127.0.0.1:{free_port()}", retries=0) as nowhere, pytest.raises(TransportError):
        nowhere.models()


def test_the_url_comes_from_the_environment(api: LiveServer, monkeypatch: pytest.MonkeyPatch, unique: str) -> None:
    monkeypatch.setenv("GRAPH_REGISTRY_URL", api.url)
    monkeypatch.delenv("GRAPH_REGISTRY_TOKEN", raising=False)
    with Registry() as client:
        assert client.url == f"{api.url}/graphql"
        assert client.models(name_contains=f"nothing-has-{unique}") == []


def test_reference_and_keywords_cannot_both_pick_a_version(registry: Registry) -> None:
    with pytest.raises(ValueError, match="at most one"):
        registry.version("fraud", version=1, alias="champion")
    with pytest.raises(ValueError, match="must be a number"):
        registry.version("fraud:latest")


async def test_async_registry_asks_and_moves_versions(api: LiveServer, registry: Registry, model_name: str) -> None:
    registry.register_model(model_name, requirements=None, commit=None)
    registry.register_model(model_name, requirements=None, commit=None)
    async with AsyncRegistry(api.url) as client:
        aliased = await client.set_alias(f"{model_name}:2", "challenger")
        staged = await client.promote(f"{model_name}@challenger", "staging")
        found = await client.version(model_name, stage="staging")
        assert await client.delete_alias(model_name, "challenger") is True
        with pytest.raises(NotFoundError):
            await client.version(f"{model_name}:5")
    assert aliased.aliases == ("challenger",)
    assert (staged.version, staged.stage, found.version) == (2, Stage.STAGING, 2)
