"""The input rules of domain/validation.py, as pure functions (no database needed)."""

from __future__ import annotations

import math
import uuid

import pytest

from graph_registry.domain import validation
from graph_registry.domain.records import Metric
from graph_registry.errors import InvalidInput

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("good", ["fraud", "f", "Fraud-v2.1_x", "9lives", "a" * 128])
def test_names_that_pass(good: str) -> None:
    assert validation.name(good) == good


@pytest.mark.parametrize("bad", ["", "-fraud", ".hidden", "a" * 129, "white space", "tab\t", "ünï", "a/b"])
def test_names_that_fail_name_their_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validation.name(bad, what="dataset")
    assert refused.value.fields == {"field": "dataset"}


def test_aliases_start_with_a_letter() -> None:
    assert validation.alias("champion") == "champion"
    for bad in ("1st", "", "a" * 65, "has.dot"):
        with pytest.raises(InvalidInput):
            validation.alias(bad)


def test_versions_are_whole_numbers_from_one_to_the_int32_limit() -> None:
    assert validation.version(1) == 1
    assert validation.version(validation.MAX_VERSION) == validation.MAX_VERSION
    for bad in (0, -1, validation.MAX_VERSION + 1):
        with pytest.raises(InvalidInput):
            validation.version(bad)


def test_tags_refuse_repeats_long_values_and_too_many() -> None:
    assert validation.tags([("team", "risk"), ("tier", "1")]) == [("team", "risk"), ("tier", "1")]
    assert validation.tags(None) == []
    with pytest.raises(InvalidInput, match="twice"):
        validation.tags([("team", "a"), ("team", "b")])
    with pytest.raises(InvalidInput, match="longer"):
        validation.tags([("team", "x" * (validation.MAX_TAG_VALUE + 1))])
    with pytest.raises(InvalidInput, match="at most"):
        validation.tags([(f"k{i}", "v") for i in range(validation.MAX_TAGS + 1)])


def test_metrics_must_be_finite_with_a_non_negative_step() -> None:
    assert validation.metrics([Metric("auc", 0.9, 0)]) == [Metric("auc", 0.9, 0)]
    for bad in (Metric("auc", math.nan), Metric("auc", math.inf), Metric("auc", 1.0, -1), Metric("bad key", 1.0)):
        with pytest.raises(InvalidInput):
            validation.metrics([bad])


def test_run_ids_are_canonical_uuids_or_mlflow_hex() -> None:
    run = str(uuid.uuid4())
    assert validation.run_id(run) == run
    assert validation.run_id(run.replace("-", "")) == run.replace("-", "")  # MLflow's 32 hex digits
    for bad in (run.upper(), run.replace("-", "").upper(), "not-a-run"):
        with pytest.raises(InvalidInput):
            validation.run_id(bad)


def test_digests_are_lowered_and_their_length_fits_the_algorithm() -> None:
    assert validation.digest("SHA256:" + "AB" * 32) == "sha256:" + "ab" * 32
    assert validation.digest("md5:" + "0" * 32) == "md5:" + "0" * 32
    for bad in ("sha256:" + "a" * 63, "sha1:" + "a" * 40, "sha256-" + "a" * 64, "sha256:" + "g" * 64):
        with pytest.raises(InvalidInput):
            validation.digest(bad)


def test_commit_shas_are_full_ids() -> None:
    assert validation.sha("A" * 40) == "a" * 40
    assert validation.sha("b" * 64) == "b" * 64
    with pytest.raises(InvalidInput):
        validation.sha("abc1234")


def test_request_ids_repos_roles_and_texts() -> None:
    assert validation.request_id(None) is None
    with pytest.raises(InvalidInput):
        validation.request_id("x" * (validation.MAX_REQUEST_ID + 1))
    with pytest.raises(InvalidInput):
        validation.request_id("line\nbreak")
    with pytest.raises(InvalidInput):
        validation.repo(" ")
    assert validation.role("validation") == "validation"
    with pytest.raises(InvalidInput):
        validation.role("two words")
    with pytest.raises(InvalidInput):
        validation.text("x" * 11, what="description", limit=10)
    with pytest.raises(InvalidInput):
        validation.ref_count(validation.MAX_REFS + 1, what="inputs")
