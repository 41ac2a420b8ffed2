"""The percentiles every bench phase reports, computed one way."""

from __future__ import annotations

import statistics


def pct(values: list[float], percent: float) -> float:
    """The nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1))))]


def figures(samples: list[float]) -> dict:
    """Samples in milliseconds → count, p50, p95 and max."""
    return {
        "samples": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(pct(samples, 95), 2),
        "max_ms": round(max(samples), 2),
    }
