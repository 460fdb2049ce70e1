"""The committed SDL is what the code generates, and it honours the public contract.

`schema/contract.graphql` is the project's copy of the contract: `../shared/contract/schema.graphql`
unchanged, then the parts of `../shared/contract/next.graphql` whose issues have landed (each
feature's branch appends its part). The schema is checked against the copy always; the copy is
checked against `../shared` when a checkout has it beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_registry.api.graphql.schema import sdl
from tests.contract import differences

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "schema" / "contract.graphql"
SHARED = ROOT.parent / "shared" / "contract"


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema/schema.graphql drifted: run `graph-registry export-schema`"


def test_schema_contains_the_contract() -> None:
    assert differences(sdl(), CONTRACT.read_text(encoding="utf-8")) == []


def test_the_checker_sees_a_missing_field() -> None:
    contract = CONTRACT.read_text(encoding="utf-8") + "\nextend type Model { notInTheSchema: Int! }\n"
    assert differences(sdl(), contract) == ["Model.notInTheSchema: missing"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside this checkout: the copy is checked alone")
def test_the_copy_holds_the_shared_contract_unchanged() -> None:
    shared = (SHARED / "schema.graphql").read_text(encoding="utf-8")
    assert CONTRACT.read_text(encoding="utf-8").startswith(shared), (
        "schema/contract.graphql must begin with ../shared/contract/schema.graphql unchanged"
    )
