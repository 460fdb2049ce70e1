"""The committed SDL is what the code generates, and it honours the public contract."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from graph_registry.api.graphql.schema import sdl

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema/schema.graphql drifted: run `graph-registry export-schema`"


@pytest.mark.skipif(not (SHARED / "contract").is_dir(), reason="the shared contract is not beside this checkout")
def test_schema_contains_the_contract() -> None:
    spec = importlib.util.spec_from_file_location("check_contract", SHARED / "tools" / "check_contract.py")
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    contract = (SHARED / "contract" / "schema.graphql").read_text(encoding="utf-8")
    assert checker.differences(sdl(), contract) == []
