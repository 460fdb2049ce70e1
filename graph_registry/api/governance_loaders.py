"""Per-request DataLoaders of the governance fields: a model's team, a team's members."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from graph_registry.api.loaders import _loader
from graph_registry.services.requests import RequestRecord, RequestService
from graph_registry.services.teams import TeamRecord, TeamService


class GovernanceLoaders:
    """Created for each request, so nothing cached outlives it."""

    def __init__(self, teams: TeamService, requests: RequestService) -> None:
        none_team: TeamRecord | None = None
        self.team: DataLoader[str, TeamRecord | None] = _loader(teams.teams_by_name, none_team)
        self.model_team: DataLoader[str, TeamRecord | None] = _loader(teams.teams_of_models, none_team)
        self.version_requests: DataLoader[tuple[str, int], list[RequestRecord]] = _loader(requests.of_versions, [])
