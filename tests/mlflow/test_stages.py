"""Stage transitions and registry tags as MLflow has them (its SQL store, mlflow 3.x):
`archive_existing_versions` archives the other holders of an active stage, each last updated at the
transition's time; registered model and version tag values up to MLflow's 100,000 characters."""

from __future__ import annotations

import time

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

MLFLOW_TAG_VALUE_LIMIT = 100_000  # mlflow/utils/validation.py MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH


def _stages(client: MlflowClient, name: str) -> dict[str, str]:
    return {v.version: v.current_stage for v in client.search_model_versions(f"name = '{name}'")}


def test_archive_existing_versions_as_mlflow_does(tracking: MlflowClient, unique: str) -> None:
    name = f"stages-{unique}"
    tracking.create_registered_model(name)
    for _ in range(4):
        tracking.create_model_version(name, source="s3://bucket/m")
    tracking.transition_model_version_stage(name, "1", "Staging")
    tracking.transition_model_version_stage(name, "2", "Staging")  # without archiving: both stay
    assert _stages(tracking, name) == {"1": "Staging", "2": "Staging", "3": "None", "4": "None"}

    time.sleep(0.01)
    moved = tracking.transition_model_version_stage(name, "3", "Staging", archive_existing_versions=True)
    assert moved.current_stage == "Staging"
    assert _stages(tracking, name) == {"1": "Archived", "2": "Archived", "3": "Staging", "4": "None"}
    archived = tracking.get_model_version(name, "1")
    assert archived.last_updated_timestamp == moved.last_updated_timestamp
    assert tracking.get_registered_model(name).last_updated_timestamp == moved.last_updated_timestamp
    assert archived.last_updated_timestamp > archived.creation_timestamp

    tracking.transition_model_version_stage(name, "3", "Production")
    # At most one PRODUCTION: the previous holder is archived even without archive_existing_versions.
    promoted = tracking.transition_model_version_stage(name, "4", "Production", archive_existing_versions=False)
    assert promoted.current_stage == "Production"
    previous = tracking.get_model_version(name, "3")
    assert (previous.current_stage, previous.last_updated_timestamp) == ("Archived", promoted.last_updated_timestamp)
    latest = {v.current_stage: v.version for v in tracking.get_latest_versions(name)}
    assert latest == {"Archived": "3", "Production": "4"}

    with pytest.raises(MlflowException) as refused:
        tracking.transition_model_version_stage(name, "1", "Archived", archive_existing_versions=True)
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "not an Active stage" in refused.value.message
    assert _stages(tracking, name) == {"1": "Archived", "2": "Archived", "3": "Archived", "4": "Production"}


def test_registry_tag_values_up_to_mlflows_limit(tracking: MlflowClient, unique: str) -> None:
    name = f"long-tags-{unique}"
    tracking.create_registered_model(name)
    tracking.create_model_version(name, source="s3://bucket/m")
    longest = "x" * MLFLOW_TAG_VALUE_LIMIT
    tracking.set_registered_model_tag(name, "notes", longest)
    tracking.set_model_version_tag(name, "1", "notes", longest)
    assert tracking.get_registered_model(name).tags["notes"] == longest
    assert tracking.get_model_version(name, "1").tags["notes"] == longest
    for call in (
        lambda: tracking.set_registered_model_tag(name, "more", longest + "x"),
        lambda: tracking.set_model_version_tag(name, "1", "more", longest + "x"),
    ):
        with pytest.raises(MlflowException) as refused:
            call()
        assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "more" not in tracking.get_registered_model(name).tags
    assert "more" not in tracking.get_model_version(name, "1").tags
