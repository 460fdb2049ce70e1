"""Latency and throughput of one question: bounded loops, percentiles, the figures the report prints."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Ask = Callable[[int], Awaitable[object]]


@dataclass
class Figures:
    """One question on one system: sequential latencies (ms) and concurrent throughput."""

    latencies: list[float] = field(default_factory=list)
    ops_per_second: float = 0.0
    calls_per_question: float = 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    def as_dict(self) -> dict[str, float]:
        return {
            "p50_ms": round(self.p50, 3),
            "p95_ms": round(self.p95, 3),
            "ops_per_second": round(self.ops_per_second, 1),
            "calls": round(self.calls_per_question, 2),
            "samples": len(self.latencies),
        }


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Counter:
    """Hands out fresh indexes, so questions that write (register) never repeat one."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value - 1


async def latencies(ask: Ask, counter: Counter, *, iterations: int, warmup: int, time_limit: float) -> list[float]:
    """One client, one request at a time: at most `iterations` timed calls and `time_limit` seconds."""
    for _ in range(warmup):
        await ask(counter.next())
    found = []
    deadline = time.monotonic() + time_limit
    for _ in range(iterations):
        index = counter.next()
        start = time.perf_counter()
        await ask(index)
        found.append((time.perf_counter() - start) * 1000)
        if time.monotonic() > deadline:
            break
    return found


async def throughput(ask: Ask, counter: Counter, *, concurrency: int, iterations: int, time_limit: float) -> float:
    """Questions answered per second with `concurrency` clients asking back to back."""
    remaining = iterations
    deadline = time.monotonic() + time_limit
    done = 0

    async def client() -> None:
        nonlocal remaining, done
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            await ask(counter.next())
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


def median_ms(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
