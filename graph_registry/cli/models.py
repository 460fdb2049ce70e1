"""`graph-registry models list`, `versions list`, `show`, `promote`, `alias set|delete`."""

from __future__ import annotations

from typing import Annotated

import typer

from graph_registry.cli import output
from graph_registry.cli.client_options import Json, Token, Url, connected
from graph_registry.client.refs import parse_version_ref
from graph_registry.client.types import Stage

models_app = typer.Typer(help="Registered models.", no_args_is_help=True)
versions_app = typer.Typer(help="A model's versions.", no_args_is_help=True)
alias_app = typer.Typer(help="Aliases: names (champion, challenger) that point at one version.", no_args_is_help=True)


def checked_ref(text: str) -> str:
    """A typer callback: refuse a malformed version reference as a usage error."""
    try:
        parse_version_ref(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    return text


VersionRef = Annotated[
    str,
    typer.Argument(
        callback=checked_ref, help="MODEL, MODEL:VERSION, MODEL@ALIAS or MODEL@STAGE (e.g. fraud@production)."
    ),
]


@models_app.command("list")
def list_models(
    name_contains: Annotated[str | None, typer.Option(help="Only names containing this.")] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Every model, with its latest and production versions and aliases."""
    with connected(url, token) as registry:
        models = registry.models(name_contains)
    if json:
        output.print_json(models)
    else:
        output.stdout.print(output.models_table(models))


@versions_app.command("list")
def list_versions(
    model: Annotated[str, typer.Argument(help="The model's name.")],
    stage: Annotated[Stage | None, typer.Option(case_sensitive=False, help="Only versions in this stage.")] = None,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """A model's versions (not deleted), newest first."""
    with connected(url, token) as registry:
        versions = registry.versions(model, stage)
    if json:
        output.print_json(versions)
    else:
        output.stdout.print(output.versions_table(model, versions))


def show(ref: VersionRef, url: Url = None, token: Token = None, json: Json = False) -> None:
    """One version in detail: stage, aliases, artifact, run, commit, data, metrics, packages."""
    with connected(url, token) as registry:
        version = registry.version(ref)
        trained_on = registry.trained_on(version)
    if json:
        output.print_json({"version": version, "trainedOn": trained_on})
    else:
        output.stdout.print(output.version_details(version, trained_on))


def promote(
    ref: Annotated[str, typer.Argument(callback=checked_ref, help="MODEL:VERSION (or MODEL@ALIAS) to move.")],
    stage: Annotated[Stage, typer.Argument(case_sensitive=False, help="The stage to move it to.")],
    comment: Annotated[str | None, typer.Option(help="Why; kept in the stage history.")] = None,
    archive_existing: Annotated[
        bool, typer.Option(help="Archive the version that held the stage (PRODUCTION, STAGING).")
    ] = True,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Move a version to a stage, e.g. `promote fraud:4 production`."""
    with connected(url, token) as registry:
        version = registry.promote(ref, stage, archive_existing=archive_existing, comment=comment)
    if json:
        output.print_json(version)
    else:
        output.stdout.print(f"{version.key} is now {output.stage_text(version.stage.value)}")


@alias_app.command("set")
def set_alias(
    ref: Annotated[str, typer.Argument(callback=checked_ref, help="MODEL:VERSION the alias should point at.")],
    alias: Annotated[str, typer.Argument(help="The alias, e.g. champion.")],
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Point an alias at a version (moving it from the version it pointed at)."""
    with connected(url, token) as registry:
        version = registry.set_alias(ref, alias)
    if json:
        output.print_json(version)
    else:
        output.stdout.print(f"{version.model}@{alias} → v{version.version}")


@alias_app.command("delete")
def delete_alias(
    model: Annotated[str, typer.Argument(help="The model's name.")],
    alias: Annotated[str, typer.Argument(help="The alias to remove.")],
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Remove an alias."""
    with connected(url, token) as registry:
        deleted = registry.delete_alias(model, alias)
    if json:
        output.print_json({"deleted": deleted})
    else:
        output.stdout.print(f"{model}@{alias} deleted")
