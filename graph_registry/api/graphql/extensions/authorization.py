"""Authorization: one policy table for every root field, enforced in one place.

`POLICIES` maps each Query, Mutation and Subscription root field ("Mutation.
setAlias") to the least role it needs, or to a rule that decides from the
arguments (PRODUCTION, protected aliases, hard deletes need a maintainer).
`guard_root_fields` wraps each root field's resolver in that check (and the
`Authorization` extension checks a subscription before its stream opens); a
root field that has no entry is refused (the policy-coverage test fails first). Nested fields are reads and every authenticated caller is at
least a reader, so guarding the roots guards the whole graph.

Rules wrapped by api/graphql/extensions/team_scope.py (`on_model`, `on_team`, ...) place their
role on a team: it is then held as the higher of the token's role in the team
of the model the call names and its registry-wide role (services/teams.py),
answered with one read.

Every mutation is audited here as well (services/audit.py): its entry is
written before the resolver runs and finished with the outcome; attempts
refused for want of a role (FORBIDDEN) are recorded in their own write.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    default_field_resolver,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph_registry.api.graphql import ids
from graph_registry.api.graphql.context import Context
from graph_registry.api.graphql.extensions.team_scope import (
    anywhere,
    on_model,
    on_model_and_team,
    on_new_model,
    on_request,
    on_team,
)
from graph_registry.bootstrap import Services
from graph_registry.domain import validation
from graph_registry.domain.records import Stage
from graph_registry.errors import Forbidden, RegistryError, Unauthenticated
from graph_registry.services.audit import OK, Attempt, conclusion, describe_arguments
from graph_registry.services.teams import Need
from graph_registry.services.tokens import Principal, Role

log = logging.getLogger("graph_registry.authorization")


@dataclass(frozen=True, slots=True)
class Call:
    """What a rule sees: the root field, its arguments (GraphQL names) and the services."""

    field: str
    arguments: Mapping[str, Any]
    services: Services


Rule = Role | Callable[[Call], Awaitable[Role]] | Callable[[Call], Awaitable[Need]]


def _model_version(arguments: Mapping[str, Any]) -> tuple[str, int] | None:
    model, version = arguments.get("model"), arguments.get("version")
    if isinstance(model, str) and validation.NAME.fullmatch(model) and isinstance(version, int):
        return model, version
    return None


async def _in_production(call: Call) -> bool:
    key = _model_version(call.arguments)
    if key is None:
        return False
    record = (await call.services.models.versions_by_key([key])).get(key)
    return record is not None and record.stage is Stage.PRODUCTION


def _protected(call: Call, alias: object) -> bool:
    protected = {name.casefold() for name in call.services.settings.protected_aliases}
    return isinstance(alias, str) and alias.casefold() in protected


async def _stage_rule(call: Call) -> Role:
    """Entering or leaving PRODUCTION is a maintainer's call; other stage moves a writer's."""
    if call.arguments.get("stage") == Stage.PRODUCTION or await _in_production(call):
        return Role.MAINTAINER
    return Role.WRITER


async def _alias_rule(call: Call) -> Role:
    return Role.MAINTAINER if _protected(call, call.arguments.get("alias")) else Role.WRITER


async def _delete_version_rule(call: Call) -> Role:
    """Hard deletes, and deleting what production serves (stage or protected alias), need a maintainer."""
    if call.arguments.get("hard") or await _in_production(call):
        return Role.MAINTAINER
    key = _model_version(call.arguments)
    if key is not None:
        aliases = (await call.services.lifecycle.aliases_of_versions([key])).get(key, [])
        if any(_protected(call, alias) for alias in aliases):
            return Role.MAINTAINER
    return Role.WRITER


async def _webhook_rule(call: Call) -> Need:
    """Webhooks (their URLs and delivery logs are secrets): admins, and a team's maintainers for the
    team's webhooks. A webhook belongs to its `team`, or else to the team of its `model` (services/
    webhooks.py keeps that team on it); one that belongs to no team is registry-wide: admins only.
    `webhooks` needs MAINTAINER somewhere, and lists a maintainer's teams' webhooks only (the resolver);
    deleting or testing one needs MAINTAINER of its team (an unknown id: ADMIN, so a maintainer learns
    nothing of other teams' ids)."""
    if call.field == "Query.webhooks":
        return Need(Role.MAINTAINER, anywhere=True)
    team: str | None = None
    if call.field == "Mutation.createWebhook":
        named, model = call.arguments.get("team"), call.arguments.get("model")
        if named is not None:
            team = named if isinstance(named, str) and validation.NAME.fullmatch(named) else None
        elif isinstance(model, str) and validation.NAME.fullmatch(model):
            owner = (await call.services.teams.teams_of_models([model])).get(model)
            team = owner.name if owner is not None else None
    else:
        token = call.arguments.get("id")
        key = ids.stored_key(token, "Webhook")
        if key is not None:
            team = (await call.services.webhooks.team_of(key))[1]
    return Need(Role.MAINTAINER, teams=(team,)) if team is not None else Need(Role.ADMIN)


POLICIES: dict[str, Rule] = {
    # Reads: everything a registry knows is for every authenticated caller.
    "Query.node": Role.READER,
    "Query.model": Role.READER,
    "Query.models": Role.READER,
    "Query.modelVersion": Role.READER,
    "Query.dataset": Role.READER,
    "Query.datasetVersion": Role.READER,
    "Query.experiment": Role.READER,
    "Query.run": Role.READER,
    "Query.commit": Role.READER,
    "Query.lineage": Role.READER,
    "Query.impact": Role.READER,
    "Query.packageImpact": Role.READER,
    "Query.provenanceDiff": Role.READER,
    "Query.provenanceGaps": Role.READER,
    "Query.auditLog": Role.READER,
    "Query.job": Role.READER,
    "Query.datasetBySource": Role.READER,
    "Query.apiTokens": Role.ADMIN,
    "Query.advisory": Role.READER,
    "Query.vulnerableModels": Role.READER,
    "Query.search": Role.READER,
    "Query.leaderboard": Role.READER,
    "Subscription.modelEvents": Role.READER,
    # Recording what happened: writers.
    "Mutation.createModel": on_team(Role.WRITER),
    "Mutation.updateModel": on_model(Role.WRITER, "name"),
    "Mutation.createModelVersion": on_new_model(Role.WRITER),
    # Re-registering a deleted version's digest restores it: that needs what deleting it needs
    # (decided inside the registration's transaction: see may_act).
    "Mutation.registerDatasetVersion": anywhere(Role.WRITER),
    "Mutation.recordCommit": anywhere(Role.WRITER),
    "Mutation.startRun": anywhere(Role.WRITER),
    "Mutation.finishRun": anywhere(Role.WRITER),
    "Mutation.logRunInputs": anywhere(Role.WRITER),
    "Mutation.logRunParams": anywhere(Role.WRITER),
    "Mutation.createArtifactUpload": on_model(Role.WRITER),
    "Mutation.completeArtifactUpload": on_model(Role.WRITER),
    # Governance: what production serves, and what cannot be undone.
    "Mutation.transitionStage": on_model(_stage_rule),
    "Mutation.setAlias": on_model(_alias_rule),
    "Mutation.deleteAlias": on_model(_alias_rule),
    "Mutation.deleteModelVersion": on_model(_delete_version_rule),
    "Mutation.deleteDatasetVersion": Role.MAINTAINER,
    # Who may call at all.
    "Mutation.createApiToken": Role.ADMIN,
    "Mutation.revokeApiToken": Role.ADMIN,
    # HTTP endpoints beside GraphQL ("METHOD path"), checked by their adapters (`authorize` below). An
    # OpenLineage event records runs, jobs and datasets: as startRun, a writer registry-wide or in a team.
    "POST /api/v1/lineage": anywhere(Role.WRITER),
    # Pushes to the outside: see _webhook_rule.
    "Query.webhooks": _webhook_rule,
    "Mutation.createWebhook": _webhook_rule,
    "Mutation.deleteWebhook": _webhook_rule,
    "Mutation.testWebhook": _webhook_rule,
    # The MLflow REST adapter (api/mlflow/), by MLflow's endpoint names: reads for readers, records
    # for writers (tracking as startRun: in any team; a registered model's on its team), governance by
    # the same rules as the mutations that do the same, on the model's team.
    **{
        f"MLflow.{name}": Role.READER
        for name in (
            "GetExperiment",
            "GetExperimentByName",
            "SearchExperiments",
            "GetRun",
            "SearchRuns",
            "GetMetricHistory",
            "GetLoggedModel",
            "SearchLoggedModels",
            "ListArtifacts",
            "DownloadArtifact",
            "GetRegisteredModel",
            "SearchRegisteredModels",
            "GetLatestVersions",
            "GetModelVersionByAlias",
            "GetModelVersion",
            "SearchModelVersions",
            "GetModelVersionDownloadUri",
        )
    },
    **{
        f"MLflow.{name}": anywhere(Role.WRITER)
        for name in (
            "CreateExperiment",
            "UpdateExperiment",
            "DeleteExperiment",
            "RestoreExperiment",
            "SetExperimentTag",
            "DeleteExperimentTag",
            "CreateRun",
            "UpdateRun",
            "DeleteRun",
            "RestoreRun",
            "LogMetric",
            "LogParam",
            "SetTag",
            "DeleteTag",
            "LogBatch",
            "LogInputs",
            "LogOutputs",
            "CreateLoggedModel",
            "FinalizeLoggedModel",
            "DeleteLoggedModel",
            "SetLoggedModelTags",
            "DeleteLoggedModelTag",
            "LogLoggedModelParamsRequest",
            "UploadArtifact",
        )
    },
    # A new registered model joins the team its `graph_registry.team` tag names (api/mlflow/).
    "MLflow.CreateRegisteredModel": on_team(Role.WRITER),
    **{
        f"MLflow.{name}": on_model(Role.WRITER)
        for name in (
            "UpdateRegisteredModel",
            "RenameRegisteredModel",
            "SetRegisteredModelTag",
            "DeleteRegisteredModelTag",
            "CreateModelVersion",
            "UpdateModelVersion",
            "SetModelVersionTag",
            "DeleteModelVersionTag",
        )
    },
    "MLflow.TransitionModelVersionStage": on_model(_stage_rule),
    "MLflow.SetRegisteredModelAlias": on_model(_alias_rule),
    "MLflow.DeleteRegisteredModelAlias": on_model(_alias_rule),
    "MLflow.DeleteModelVersion": on_model(_delete_version_rule),
    "MLflow.DeleteRegisteredModel": on_model(Role.MAINTAINER),
    # Teams and promotion governance (issue 16): roles placed on teams by api/graphql/extensions/team_scope.py.
    "Query.team": Role.READER,
    "Query.teams": Role.READER,
    "Mutation.createTeam": Role.ADMIN,
    "Mutation.grantTeamRole": on_team(Role.MAINTAINER),
    "Mutation.revokeTeamRole": on_team(Role.MAINTAINER),
    "Mutation.setModelTeam": on_model_and_team(Role.MAINTAINER),
    "Query.promotionCheck": Role.READER,
    "Query.pendingTransitionRequests": Role.READER,
    "Mutation.setPromotionPolicy": on_team(Role.MAINTAINER, without=Role.ADMIN),
    "Mutation.requestStageTransition": on_model(Role.WRITER),
    "Mutation.approveStageTransition": on_request(Role.MAINTAINER),
    "Mutation.rejectStageTransition": on_request(Role.MAINTAINER),
    # The requester or an admin (the service tells them apart); any writer of the model may ask.
    "Mutation.cancelStageTransition": on_request(Role.WRITER),
    # Supply chain: advisories are registry-wide data, fed by whoever runs the registry.
    "Mutation.importAdvisories": Role.ADMIN,
    "Mutation.updateModelCard": on_model(Role.WRITER),
}


def may_act(principal: Principal | None, key: str) -> bool:
    """Whether the principal holds the role a fixed-role policy entry needs (False for rules)."""
    rule = POLICIES.get(key)
    return principal is not None and isinstance(rule, Role) and principal.role.allows(rule)


# Mutations that are one write transaction and nothing after it: their entry is written OK by that
# transaction (services/audit.py, concludes_at_commit), which saves the registration a second write.
_CONCLUDED_AT_COMMIT = frozenset({"createModelVersion"})


async def needed(rule: Rule, call: Call) -> Need:
    """The least role a call needs, and where it must be held (api/graphql/extensions/team_scope.py)."""
    need = rule if isinstance(rule, Role) else await rule(call)
    return need if isinstance(need, Need) else Need(need)


async def needed_role(rule: Rule, call: Call) -> Role:
    return (await needed(rule, call)).role


def _principal(context: Context) -> Principal:
    if context.principal is None:
        raise context.auth_error or Unauthenticated("authentication required")
    return context.principal


def _refusal(key: str, principal: Principal, needed: Role, held: Role) -> Forbidden:
    where = "" if held is principal.role else " here"
    return Forbidden(
        f"{key} needs the {needed.value} role; {principal.actor!r} has {held.value}{where}",
        operation=key,
        requiredRole=needed.value,
    )


def _unknown(key: str) -> Forbidden:
    log.error("%s has no authorization policy: refused; add it to POLICIES in %s", key, __name__)
    return Forbidden(f"{key} has no authorization policy", operation=key)


# Mutations whose model is not in a `model` argument (or `input.model`).
_MODEL_ARGUMENT = {"createModel": "name", "updateModel": "name"}


def _touched(operation: str, arguments: Mapping[str, Any], result: object = None) -> tuple[str | None, int | None]:
    """The model (and version) a mutation names in its arguments or returns, for the audit log."""
    returned_model, returned_version, _ = conclusion(result)
    if returned_model is not None and returned_version is not None:
        return returned_model, returned_version
    model = arguments.get(_MODEL_ARGUMENT.get(operation, "model"))
    if model is None and isinstance(arguments.get("input"), Mapping):
        model = arguments["input"].get("model")
    version = arguments.get("version")
    if not (isinstance(model, str) and validation.NAME.fullmatch(model)):
        return None, None
    return model, version if isinstance(version, int) else None


class Authorization(SchemaExtension):
    """Opens a subscription's event stream only for callers its policy allows.

    Queries and mutations are checked by the guard `guard_root_fields` puts on each root field's
    resolver: no `resolve` hook here, so the fields below the roots (hundreds in a page of versions)
    run without passing through the extension machinery at all.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        # A subscription's event stream is opened before any resolver runs: check it up front.
        execution = self.execution_context
        if execution.operation_type is OperationType.SUBSCRIPTION:
            context: Context = execution.context
            for name in _root_fields(execution):
                await _check(f"Subscription.{name}", {}, context)
        yield


def guard_root_fields(schema: GraphQLSchema) -> None:
    """Wraps the resolver of every Query, Mutation and Subscription root field in its POLICIES check.

    Only root fields are authorized (nested fields are reads, and every authenticated caller is at
    least a reader), so only they are wrapped: once per root field of an operation, with the same
    arguments (GraphQL names, coerced values) the policy rules always saw. Mutations are audited by
    the same wrapper. A root field with no entry is refused when called (the coverage test fails first).
    """
    roots = ((schema.query_type, False), (schema.mutation_type, True), (schema.subscription_type, False))
    for root, mutation in roots:
        if root is None:
            continue
        for name, field in root.fields.items():
            resolve = field.resolve or default_field_resolver
            if getattr(resolve, "_authorized", False):
                continue
            field.resolve = _guarded(f"{root.name}.{name}", resolve, mutation=mutation)


def _guarded(key: str, resolve: Callable[..., Any], *, mutation: bool) -> Callable[..., Any]:
    if mutation:

        def guarded(root: Any, info: GraphQLResolveInfo[Context], **arguments: Any) -> Any:
            return _mutate(key, resolve, root, info, arguments)

    else:

        def guarded(root: Any, info: GraphQLResolveInfo[Context], **arguments: Any) -> Any:
            return _read(key, resolve, root, info, arguments)

    guarded._authorized = True  # type: ignore[attr-defined]
    return guarded


async def authorize(services: Services, principal: Principal, key: str, arguments: Mapping[str, Any]) -> None:
    """Refuses (Forbidden) unless `principal` holds the role `POLICIES[key]` needs where it is needed: a
    role placed on a team (team_scope.py) is the higher of the token's role in that team and its
    registry-wide role, answered with one read (services/teams.py `grants`). GraphQL's root fields and
    the adapters beside it (MLflow REST, OpenLineage) all pass here."""
    rule = POLICIES.get(key)
    if rule is None:
        raise _unknown(key)
    need = await needed(rule, Call(key, arguments, services))
    held = await services.teams.grants(principal, need)
    if not held.allows(need.role):
        raise _refusal(key, principal, need.role, held)


async def _check(key: str, arguments: Mapping[str, Any], context: Context) -> Principal:
    principal = _principal(context)
    await authorize(context.services, principal, key, arguments)
    return principal


async def _read(
    key: str,
    _next: Callable[..., Any],
    root: Any,
    info: GraphQLResolveInfo[Context],
    arguments: dict[str, Any],
) -> Any:
    await _check(key, arguments, info.context)
    result = _next(root, info, **arguments)
    return await result if inspect.isawaitable(result) else result


async def _mutate(
    key: str,
    _next: Callable[..., Any],
    root: Any,
    info: GraphQLResolveInfo[Context],
    arguments: dict[str, Any],
) -> Any:
    context: Context = info.context
    principal = _principal(context)  # anonymous attempts are not logged: they could flood the log
    audit = context.services.audit
    model, version = _touched(info.field_name, arguments)
    attempt = Attempt(
        actor=principal.actor,
        role=principal.role.value,
        operation=info.field_name,
        request_id=context.request_id,
        client_request_id=context.client_request_id,
        arguments=describe_arguments(arguments),
        model=model,
        version=version,
    )
    try:
        await _check(key, arguments, context)
    except Forbidden as refused:
        try:
            await audit.refuse(attempt, outcome=refused.code, message=refused.message)
        except RegistryError:
            log.exception("could not audit the refused %s of %s", key, principal.actor)
        raise
    # The resolver hands the entry to its use case (`audit=context.audit`), whose write transaction
    # carries it: no change without an entry. Mutation root fields run one after the other.
    entry = audit.prepare(attempt, concludes_at_commit=info.field_name in _CONCLUDED_AT_COMMIT)
    context.audit = entry
    try:
        result = _next(root, info, **arguments)
        if inspect.isawaitable(result):
            result = await result
    except RegistryError as error:
        await audit.settle(entry, outcome=error.code, message=error.message)
        raise
    except asyncio.CancelledError:
        audit.settle_cancelled(entry)
        raise
    except Exception:
        await audit.settle(entry, outcome="INTERNAL", message=f"unexpected error, request {context.request_id}")
        raise
    finally:
        context.audit = None
    model, version = _touched(info.field_name, arguments, result)
    await audit.settle(entry, outcome=OK, message=conclusion(result)[2], model=model, version=version)
    return result


def _root_fields(execution: Any) -> list[str]:
    """Root field names of the operation to run, through fragments (directives ignored: check them all)."""
    document = execution.graphql_document
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    chosen = next(
        (
            o
            for o in operations
            if execution.operation_name is None or (o.name and o.name.value == execution.operation_name)
        ),
        None,
    )
    names: list[str] = []

    def walk(selection_set: SelectionSetNode, seen: frozenset[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    names.append(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    walk(fragments[name].selection_set, seen | {name})

    if chosen is not None:
        walk(chosen.selection_set, frozenset())
    return names
