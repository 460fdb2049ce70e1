"""Markdown tables from the JSON that bench.run writes, for bench/RESULTS.md.

.venv/bin/python -m bench.report .bench/results-100x10-both.json [.bench/results-1000x10-registry.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.run import QUESTIONS


def _figure(entry: dict[str, Any] | None) -> str:
    return f"{entry['p50_ms']:.1f} / {entry['p95_ms']:.1f}" if entry else "-"


def _best(mlflow: dict[str, Any], name: str) -> dict[str, Any] | None:
    groups = (mlflow.get("questions", {}), mlflow.get("questions_new_connection_each", {}))
    found = [group[name] for group in groups if name in group]
    return min(found, key=lambda entry: entry["p50_ms"], default=None)


def table(result: dict[str, Any]) -> str:
    mlflow, registry = result.get("mlflow", {}), result.get("registry", {})
    lines = [
        f"### {result['scale']} (seed {result['seed']}), started {result['started']}, "
        f"load average {result['load_average_before']} -> {result['load_average_after']}",
        "",
        "| question | MLflow calls | MLflow p50 / p95 ms, keep-alive | MLflow p50 / p95 ms, new connection "
        "| MLflow ops/s (8 clients) | graph-registry p50 / p95 ms | graph-registry ops/s (8 clients) "
        "| p50 ratio (faster MLflow / graph-registry) | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for question in QUESTIONS:
        kept = mlflow.get("questions", {}).get(question.name)
        fresh = mlflow.get("questions_new_connection_each", {}).get(question.name)
        best = _best(mlflow, question.name) if mlflow else None
        mine = registry.get("questions", {}).get(question.name)
        ratio = f"**{best['p50_ms'] / mine['p50_ms']:.1f}x**" if best and mine else "-"
        if question.name == "register" and best and mine:
            ratio += f" (rate {mine['ops_per_second'] / best['ops_per_second']:.1f}x)"
        lines.append(
            f"| {question.text} | {kept['calls'] if kept else '-'} | {_figure(kept)} | {_figure(fresh)} "
            f"| {best['ops_per_second'] if best else '-'} | {_figure(mine)} "
            f"| {mine['ops_per_second'] if mine else '-'} | {ratio} | {question.target}x |"
        )
    return "\n".join(lines)


def main() -> None:
    for path in sys.argv[1:]:
        result = json.loads(Path(path).read_text())
        print(table(result))
        print()
        extras = {
            side: {k: v for k, v in result[side].items() if k not in ("questions",)}
            for side in ("registry", "mlflow")
            if side in result
        }
        print("```json")
        print(json.dumps(extras, indent=1, default=str))
        print("```")
        print()


if __name__ == "__main__":
    main()
