"""The registry's promises, checked on a whole-graph snapshot after a load run (faults or not).

Each check returns human-readable violations; an empty list means the promise held.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from tests.reliability.graph import Graph, Node
from tests.reliability.harness import LoadLog


def check_all(graph: Graph, log: LoadLog, prefix: str) -> list[str]:
    return [
        *versions_are_one_to_n(graph, prefix),
        *acknowledged_writes_are_stored_once(graph, log, prefix),
        *histories_match_state(graph, prefix),
        *aliases_point_once(graph, prefix),
        *datasets_hold_each_digest_once(graph, prefix),
        *versions_have_their_lineage(graph, log, prefix),
    ]


def _mine(nodes: list[Node], key: str, prefix: str) -> list[Node]:
    return [node for node in nodes if str(node.get(key, "")).startswith(prefix)]


def versions_are_one_to_n(graph: Graph, prefix: str) -> list[str]:
    numbers: dict[str, list[int]] = defaultdict(list)
    for version in _mine(graph.labelled("ModelVersion"), "model", prefix):
        numbers[version["model"]].append(version["version"])
    problems = []
    for model in _mine(graph.labelled("Model"), "name", prefix):
        found = sorted(numbers.get(model["name"], []))
        if found != list(range(1, len(found) + 1)) or len(found) != model["versionCount"]:
            problems.append(f"{model['name']}: versions {found}, versionCount {model['versionCount']}")
    return problems


def acknowledged_writes_are_stored_once(graph: Graph, log: LoadLog, prefix: str) -> list[str]:
    problems = []
    by_request = Counter(v.get("requestId") for v in _mine(graph.labelled("ModelVersion"), "model", prefix))
    stored = {(v["model"], v["version"]): v.get("requestId") for v in graph.labelled("ModelVersion")}
    for request_id, key in log.versions.items():
        if by_request[request_id] != 1 or stored.get(key) != request_id:
            problems.append(f"acknowledged version {key} ({request_id}) stored {by_request[request_id]} times")
    datasets = {(v["dataset"], v["digest"]): v["version"] for v in graph.labelled("DatasetVersion")}
    for (dataset, digest), version in log.datasets.items():
        if datasets.get((dataset, digest)) != version:
            problems.append(f"acknowledged {dataset} v{version} ({digest[:16]}) is {datasets.get((dataset, digest))}")
    events = _mine(graph.labelled("Event"), "model", prefix)
    moved = {(e["model"], e["version"], e["toStage"]) for e in events if e["type"] == "STAGE_CHANGED"}
    for model, version, stage, request_id in log.transitions:
        if stage != "NONE" and (model, version, stage) not in moved:
            problems.append(f"acknowledged transition {model} v{version} -> {stage} ({request_id}) has no history")
    assigned = {(a["model"], a["alias"], a["version"]) for a in graph.labelled("AliasAssignment")}
    for model, alias, version, request_id in log.aliases:
        if (model, alias, version) not in assigned:
            problems.append(f"acknowledged alias {alias} -> {model} v{version} ({request_id}) has no history")
    return problems


def histories_match_state(graph: Graph, prefix: str) -> list[str]:
    """Events number 1..eventCount; replaying the stage changes passes through no moment with two
    PRODUCTION versions and ends in each version's stage; each version was created once."""
    problems = []
    events: dict[str, list[Node]] = defaultdict(list)
    for event in _mine(graph.labelled("Event"), "model", prefix):
        events[event["model"]].append(event)
    versions: dict[str, dict[int, Node]] = defaultdict(dict)
    for version in _mine(graph.labelled("ModelVersion"), "model", prefix):
        versions[version["model"]][version["version"]] = version
    for model in _mine(graph.labelled("Model"), "name", prefix):
        name = model["name"]
        history = sorted(events[name], key=lambda event: event["seq"])
        if [event["seq"] for event in history] != list(range(1, model["eventCount"] + 1)):
            problems.append(f"{name}: event numbers are not 1..{model['eventCount']}")
        created = Counter(event["version"] for event in history if event["type"] == "VERSION_CREATED")
        if sorted(created) != sorted(versions[name]) or set(created.values()) - {1}:
            problems.append(f"{name}: VERSION_CREATED events {dict(created)} for versions {sorted(versions[name])}")
        stage = dict.fromkeys(versions[name], "NONE")
        for event in history:
            if event["type"] != "STAGE_CHANGED":
                continue
            if stage.get(event["version"]) != event["fromStage"]:
                problems.append(
                    f"{name} v{event['version']}: moved from {event['fromStage']}, was {stage.get(event['version'])}"
                )
            stage[event["version"]] = event["toStage"]
            holders = [number for number, held in stage.items() if held == "PRODUCTION"]
            if len(holders) > 1:
                problems.append(f"{name}: after event {event['seq']} versions {holders} were all in PRODUCTION")
        for number, version in versions[name].items():
            if version["stage"] != stage[number]:
                problems.append(f"{name} v{number}: stage {version['stage']}, history ends in {stage[number]}")
    return problems


def aliases_point_once(graph: Graph, prefix: str) -> list[str]:
    problems = []
    open_assignments: dict[tuple[str, str], list[int]] = defaultdict(list)
    for assignment in _mine(graph.labelled("AliasAssignment"), "model", prefix):
        if assignment.get("to") is None:
            open_assignments[(assignment["model"], assignment["alias"])].append(assignment["version"])
    pointers = {}
    for alias in _mine(graph.labelled("Alias"), "model", prefix):
        targets = graph.follow(alias, "POINTS_TO")
        key = (alias["model"], alias["name"])
        if len(targets) != 1 or targets[0]["model"] != alias["model"]:
            problems.append(f"alias {key} points at {[(t['model'], t['version']) for t in targets]}")
            continue
        pointers[key] = targets[0]["version"]
    for key in pointers.keys() | open_assignments.keys():
        if open_assignments.get(key) != ([pointers[key]] if key in pointers else None):
            problems.append(f"alias {key}: pointer {pointers.get(key)}, open assignments {open_assignments.get(key)}")
    return problems


def datasets_hold_each_digest_once(graph: Graph, prefix: str) -> list[str]:
    problems = []
    by_dataset: dict[str, list[Node]] = defaultdict(list)
    for version in _mine(graph.labelled("DatasetVersion"), "dataset", prefix):
        by_dataset[version["dataset"]].append(version)
    for dataset in _mine(graph.labelled("Dataset"), "name", prefix):
        held = by_dataset[dataset["name"]]
        digests = Counter(version["digest"] for version in held)
        if repeated := [digest for digest, count in digests.items() if count > 1]:
            problems.append(f"{dataset['name']}: digests stored twice: {repeated}")
        numbers = sorted(version["version"] for version in held)
        if numbers != list(range(1, dataset["versionCount"] + 1)):
            problems.append(f"{dataset['name']}: versions {numbers}, versionCount {dataset['versionCount']}")
    return problems


def versions_have_their_lineage(graph: Graph, log: LoadLog, prefix: str) -> list[str]:
    """Every stored version (acknowledged or not) has exactly the lineage its request declared."""
    problems = []
    for version in _mine(graph.labelled("ModelVersion"), "model", prefix):
        declared = log.declared.get(version.get("requestId", ""))
        runs = graph.follow(version, "PRODUCED_BY")
        if declared is None or len(runs) != 1:
            problems.append(
                f"{version['model']} v{version['version']}: produced by {len(runs)} runs, declared {declared}"
            )
            continue
        used = {(d["dataset"], d["digest"]) for d in graph.follow(runs[0], "USED")}
        commits = [c["sha"] for c in graph.follow(runs[0], "RAN")]
        if used != declared.datasets or commits != [declared.commit]:
            problems.append(f"{version['model']} v{version['version']}: lineage {used} {commits}, declared {declared}")
    return problems
