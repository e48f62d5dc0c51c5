"""Solve a rate's intercept on the generated population so its mean hits a documented target.

Because the intercept is solved on each city's own people, a target holds at any scale; only
sampling noise shrinks as the city grows.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logistic_probabilities(
    score: np.ndarray, target_mean: float, weights: np.ndarray | None = None
) -> np.ndarray:
    """p = sigmoid(a + score), with a chosen so the (weighted) mean of p equals target_mean."""
    score = np.asarray(score, dtype=float)
    if score.size == 0:
        return score
    target_mean = float(np.clip(target_mean, 1e-7, 1 - 1e-7))
    w = np.ones_like(score) if weights is None else np.asarray(weights, dtype=float)
    lo, hi = -40.0, 40.0
    for _ in range(60):
        mid = (lo + hi) / 2
        mean = np.average(sigmoid(mid + score), weights=w)
        if mean < target_mean:
            lo = mid
        else:
            hi = mid
    return sigmoid((lo + hi) / 2 + score)


def poisson_rates(score: np.ndarray, target_mean: float) -> np.ndarray:
    """lambda = c * exp(score), with c chosen so the mean rate equals target_mean."""
    score = np.asarray(score, dtype=float)
    if score.size == 0:
        return score
    e = np.exp(score - score.max())
    return e * (target_mean / e.mean())


def rates_for_any_event(score: np.ndarray, target_share: float) -> np.ndarray:
    """Poisson rates whose share of people with at least one event equals target_share."""
    score = np.asarray(score, dtype=float)
    if score.size == 0:
        return score
    e = np.exp(score - score.max())
    lo, hi = 0.0, 1.0
    while np.mean(1 - np.exp(-hi * e)) < target_share:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 - np.exp(-mid * e)) < target_share:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2 * e
