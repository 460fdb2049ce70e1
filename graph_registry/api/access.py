"""The authorization step of the adapters beside GraphQL (MLflow REST, OpenLineage): one call.

The rule is the one policy table's (api/graphql/extensions/authorization.py `POLICIES`); where it
places its role on a team (team_scope.py), the role held there is the higher of the token's role in
the model's team and its registry-wide role, answered with one read (services/teams.py `grants`),
exactly as for a GraphQL root field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from graph_registry.api.graphql.extensions.authorization import POLICIES, Call, needed
from graph_registry.bootstrap import Services
from graph_registry.errors import Forbidden
from graph_registry.services.tokens import Principal

log = logging.getLogger("graph_registry.authorization")


async def authorize(services: Services, principal: Principal, key: str, arguments: Mapping[str, Any]) -> None:
    """Refuses (Forbidden) unless `principal` holds the role `POLICIES[key]` needs where it is needed."""
    rule = POLICIES.get(key)
    if rule is None:
        log.error("%s has no authorization policy: refused", key)
        raise Forbidden(f"{key} has no authorization policy", operation=key)
    need = await needed(rule, Call(key, arguments, services))
    held = await services.teams.grants(principal, need)
    if not held.allows(need.role):
        where = "" if held is principal.role else " here"
        raise Forbidden(
            f"{key} needs the {need.role.value} role; {principal.actor!r} has {held.value}{where}",
            operation=key,
            requiredRole=need.role.value,
        )
