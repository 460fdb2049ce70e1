"""The role x operation matrix, through the HTTP API: each role may do exactly what its rank allows."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from graph_registry.api.graphql.schema import build_schema
from graph_registry.domain.records import Stage
from graph_registry.errors import Forbidden
from graph_registry.services.lifecycle import LifecycleService
from graph_registry.services.tokens import Role
from graph_registry.storage.database import Database
from tests.security.client import Caller

ROLES: list[str | None] = [None, "reader", "writer", "maintainer", "admin"]
ROOTS = build_schema()._schema


@dataclass(frozen=True)
class Case:
    id: str
    query: str
    needs: Role
    variables: Callable[[str, str], dict[str, Any]] = lambda model, who: {"m": model}

    @property
    def root_field(self) -> str:
        return re.match(r"\s*(\w+)", self.query.split("{", 1)[1])[1]  # type: ignore[index]


MODEL_VERSION = "query($m: String!) { modelVersion(model: $m, version: 1) { version } }"
STAGE = "mutation($m: String!, $v: Int!, $s: Stage!) { transitionStage(model: $m, version: $v, stage: $s) { stage } }"
ALIAS = "mutation($m: String!, $a: String!) { setAlias(model: $m, alias: $a, version: 1) { version } }"
CASES = [
    Case("read a version", MODEL_VERSION, Role.READER),
    Case("read the audit log", "query($m: String!) { auditLog(model: $m) { totalCount } }", Role.READER),
    Case("list tokens", "query { apiTokens { name } }", Role.ADMIN, lambda model, who: {}),
    Case(
        "create a model",
        "mutation($m: String!) { createModel(name: $m) { name } }",
        Role.WRITER,
        lambda model, who: {"m": f"{model}-{who}"},
    ),
    Case("update a model", 'mutation($m: String!) { updateModel(name: $m, description: "d") { name } }', Role.WRITER),
    Case(
        "create a version", "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }", Role.WRITER
    ),
    Case("stage to STAGING", STAGE, Role.WRITER, lambda model, who: {"m": model, "v": 1, "s": "STAGING"}),
    Case("stage to PRODUCTION", STAGE, Role.MAINTAINER, lambda model, who: {"m": model, "v": 1, "s": "PRODUCTION"}),
    Case(
        "take the PRODUCTION version out",
        STAGE,
        Role.MAINTAINER,
        lambda model, who: {"m": model, "v": 2, "s": "ARCHIVED"},
    ),
    Case("set a plain alias", ALIAS, Role.WRITER, lambda model, who: {"m": model, "a": "challenger"}),
    Case("set champion", ALIAS, Role.MAINTAINER, lambda model, who: {"m": model, "a": "champion"}),
    Case("set Champion (case)", ALIAS, Role.MAINTAINER, lambda model, who: {"m": model, "a": "CHAMPION"}),
    Case("set production", ALIAS, Role.MAINTAINER, lambda model, who: {"m": model, "a": "production"}),
    Case(
        "delete champion",
        'mutation($m: String!) { deleteAlias(model: $m, alias: "champion") }',
        Role.MAINTAINER,
    ),
    Case(
        "delete a plain alias",
        'mutation($m: String!) { deleteAlias(model: $m, alias: "canary") }',
        Role.WRITER,
    ),
    Case(
        "mint a token",
        "mutation($m: String!) { createApiToken(name: $m, role: READER) { token } }",
        Role.ADMIN,
        lambda model, who: {"m": f"{model}-{who}"},
    ),
    Case(
        "soft-delete a version",
        "mutation($m: String!) { deleteModelVersion(model: $m, version: 1) }",
        Role.WRITER,
    ),
    Case(
        "soft-delete the PRODUCTION version",
        "mutation($m: String!) { deleteModelVersion(model: $m, version: 2) }",
        Role.MAINTAINER,
    ),
    Case(
        "hard-delete a version",
        "mutation($m: String!) { deleteModelVersion(model: $m, version: 1, hard: true) }",
        Role.MAINTAINER,
    ),
    Case(
        "delete a dataset version",
        "mutation($m: String!) { deleteDatasetVersion(dataset: $m, version: 1) }",
        Role.MAINTAINER,
    ),
]


async def _model_with_production_v2(admin: Caller, model: str) -> None:
    """v1 (NONE) and v2 (PRODUCTION, aliases champion and canary) of a fresh model."""
    create = "mutation($m: String!) { createModelVersion(input: {model: $m}) { version } }"
    await admin.data(create, m=model)
    await admin.data(create, m=model)
    await admin.data(STAGE, m=model, v=2, s="PRODUCTION")
    for alias in ("champion", "canary"):
        await admin.data(
            "mutation($m: String!, $a: String!) { setAlias(model: $m, alias: $a, version: 2) { version } }",
            m=model,
            a=alias,
        )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_each_role_may_do_what_its_rank_allows(
    case: Case, callers: dict[str | None, Caller], unique: str
) -> None:
    if case.root_field not in (ROOTS.query_type.fields | ROOTS.mutation_type.fields):  # type: ignore[union-attr]
        pytest.skip(f"{case.root_field} is not in the schema yet")
    model = f"m-{unique}"
    await _model_with_production_v2(callers["admin"], model)
    outcomes = {}
    for who in ROLES:
        outcomes[who] = await callers[who].code(case.query, **case.variables(model, str(who)))
    expected = {
        who: "UNAUTHENTICATED" if who is None else ("FORBIDDEN" if not Role(who).allows(case.needs) else "allowed")
        for who in ROLES
    }
    seen = {who: code if code in ("UNAUTHENTICATED", "FORBIDDEN") else "allowed" for who, code in outcomes.items()}
    assert seen == expected, outcomes


async def test_leaving_production_is_judged_on_the_locked_state(admin: Caller, database: Database, unique: str) -> None:
    """A writer authorized while v2 was not yet in PRODUCTION cannot move it out once it is.

    The HTTP check runs before the mutation's transaction; the service repeats it on the
    version it locked, which is what this calls directly (the interleaving, made certain).
    """
    model = f"m-{unique}"
    await _model_with_production_v2(admin, model)
    lifecycle = LifecycleService(database, require_provenance=False)
    as_writer = functools.partial(
        lifecycle.transition_stage,
        model=model,
        archive_existing=True,
        comment=None,
        actor="writer-token",
        may_leave_production=False,
    )
    with pytest.raises(Forbidden):
        await as_writer(version=2, stage=Stage.ARCHIVED)
    stage = "query($m: String!) { modelVersion(model: $m, version: 2) { stage stageHistory { to } } }"
    after = (await admin.data(stage, m=model))["modelVersion"]
    assert after == {"stage": "PRODUCTION", "stageHistory": [{"to": "PRODUCTION"}]}
    # A writer's other moves are not affected.
    moved = await as_writer(version=1, stage=Stage.STAGING)
    assert moved.stage is Stage.STAGING
