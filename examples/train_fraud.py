"""Train a tiny fraud model and record its full lineage in graph-registry.

    graph-registry serve &                       # or point GRAPH_REGISTRY_URL at a registry
    python examples/train_fraud.py --workdir /tmp/fraud

What it records: the raw transactions (a CSV), the train and test splits
derived from them, a run with its params, git commit, inputs and metrics, and
the model version with its artifact (uploaded and verified) and the pinned
packages of this environment; then it promotes the version to PRODUCTION.
The model is a logistic regression in plain Python, so the example needs
nothing beyond graph-registry itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from pathlib import Path

from graph_registry.client import PreconditionFailedError, Registry

FEATURES = ("amount", "night", "merchant_risk")


def generate(path: Path, rows: int, rng: random.Random) -> None:
    """Transactions whose fraud probability grows with amount, night time and merchant risk."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FEATURES, "fraud"])
        for _ in range(rows):
            amount = rng.lognormvariate(3, 1) / 100
            night = float(rng.random() < 0.3)
            risk = rng.random()
            score = -4 + 1.5 * amount + 1.2 * night + 3 * risk
            writer.writerow(
                [f"{amount:.4f}", int(night), f"{risk:.4f}", int(rng.random() < 1 / (1 + math.exp(-score)))]
            )


def read(path: Path) -> list[tuple[list[float], int]]:
    with path.open(newline="") as handle:
        return [([float(row[name]) for name in FEATURES], int(row["fraud"])) for row in csv.DictReader(handle)]


def split(source: Path, train: Path, test: Path, rng: random.Random) -> None:
    lines = source.read_text().splitlines()
    header, body = lines[0], lines[1:]
    rng.shuffle(body)
    cut = int(len(body) * 0.8)
    train.write_text("\n".join([header, *body[:cut]]) + "\n")
    test.write_text("\n".join([header, *body[cut:]]) + "\n")


def predict(weights: list[float], features: list[float]) -> float:
    z = weights[0] + sum(w * x for w, x in zip(weights[1:], features, strict=True))
    return 1 / (1 + math.exp(-max(min(z, 30), -30)))


def auc(weights: list[float], rows: list[tuple[list[float], int]]) -> float:
    """The probability that a fraud scores above a legitimate transaction."""
    frauds = [predict(weights, x) for x, y in rows if y]
    legit = [predict(weights, x) for x, y in rows if not y]
    wins = sum((f > g) + 0.5 * (f == g) for f in frauds for g in legit)
    return wins / max(len(frauds) * len(legit), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("fraud-example"))
    parser.add_argument("--model", default="fraud-example", help="the model's name in the registry")
    parser.add_argument("--dataset-prefix", default="fraud-example", help="names the three datasets")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)  # noqa: S311 - generated data, not secrets
    data, model_dir = args.workdir / "data", args.workdir / "model"
    data.mkdir(parents=True, exist_ok=True)
    model_dir.mkdir(parents=True, exist_ok=True)
    generate(data / "transactions.csv", args.rows, rng)
    split(data / "transactions.csv", data / "train.csv", data / "test.csv", rng)

    registry = Registry()  # GRAPH_REGISTRY_URL, GRAPH_REGISTRY_TOKEN
    raw = registry.log_dataset(f"{args.dataset_prefix}-transactions", data / "transactions.csv")
    train = registry.log_dataset(f"{args.dataset_prefix}-train", data / "train.csv", derived_from=[raw])
    test = registry.log_dataset(f"{args.dataset_prefix}-test", data / "test.csv", derived_from=[raw])

    params = {"model": "logistic-regression", "lr": args.lr, "epochs": args.epochs, "seed": args.seed}
    with registry.start_run("fraud-training", params=params, code_path=Path(__file__).parent) as run:
        run.log_input(train, role="training")
        run.log_input(test, role="validation")
        rows, held_out = read(data / "train.csv"), read(data / "test.csv")
        weights = [0.0] * (len(FEATURES) + 1)
        for epoch in range(args.epochs):
            loss = 0.0
            for features, label in rows:
                p = predict(weights, features)
                loss -= math.log(max(p if label else 1 - p, 1e-12))
                gradient = p - label
                weights[0] -= args.lr * gradient
                for i, x in enumerate(features, start=1):
                    weights[i] -= args.lr * gradient * x
            run.log_metric("loss", loss / len(rows), step=epoch)
        run.log_metric("auc", auc(weights, held_out))
        (model_dir / "weights.json").write_text(json.dumps(dict(zip(["bias", *FEATURES], weights, strict=True))))
        version = registry.register_model(
            args.model,
            artifact=model_dir / "weights.json",
            run=run,
            requirements="auto",
            description="logistic regression on generated transactions",
        )
    status = version.artifact.status if version.artifact else "none"
    print(f"registered {version} (auc={run.metric_values['auc']:.3f}, artifact {status})")
    try:
        registry.promote(version, "production", comment="trained by examples/train_fraud.py")
        print(f"promoted {version} to PRODUCTION")
    except PreconditionFailedError as refused:
        # Outside a git work tree there is no commit, and PRODUCTION requires one.
        print(f"not promoted: {refused}")


if __name__ == "__main__":
    main()
