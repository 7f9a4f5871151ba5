"""Consumption forecasts: Holt's linear exponential smoothing (level + trend), pure Python.

No Django and no other app is imported here, so the maths is tested on synthetic series with
known answers (tests/readiness/test_forecasting.py).

Method (docs/readiness.md):
- level l and trend b start at l0 = y0, b0 = y1 − y0; for each later day
  l_t = α·y_t + (1 − α)(l_{t−1} + b_{t−1}), b_t = β(l_t − l_{t−1}) + (1 − β)·b_{t−1};
  the forecast h days ahead is l + h·b.
- α and β are chosen on a grid by the smallest sum of squared one-step-ahead errors.
- The daily rate used for days of cover is the mean forecast over the next `horizon` days,
  never below zero (consumption cannot be negative).
- Backtest: fit on all but the last `holdout` days, forecast those days, report MAE and MAPE
  (MAPE over the days with non-zero consumption; None when there are none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ALPHAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BETAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
MIN_HOLT = 3  # fewer days than this: the mean is used instead of a trend


@dataclass(frozen=True)
class Fit:
    """A fitted model: its method, parameters and final level and trend."""

    method: str  # "holt", "mean" or "none"
    alpha: float
    beta: float
    level: float
    trend: float

    def forecast(self, h: int) -> float:
        """The forecast h ≥ 1 days after the last observation (may be negative; see rate)."""
        return self.level + h * self.trend

    def rate(self, horizon: int = 7) -> float:
        """Mean daily forecast over the next `horizon` days, floored at zero."""
        horizon = max(1, horizon)
        mean = sum(self.forecast(h) for h in range(1, horizon + 1)) / horizon
        return max(0.0, mean)


def holt(series: Sequence[float], alpha: float, beta: float) -> tuple[float, float, float]:
    """Run Holt's recursions over `series` (at least two values).

    Returns (level, trend, sum of squared one-step-ahead errors from the third value on).
    """
    if len(series) < 2:
        raise ValueError("Holt's method needs at least two observations")
    level, trend = float(series[0]), float(series[1] - series[0])
    sse = 0.0
    for t in range(1, len(series)):
        y = float(series[t])
        predicted = level + trend
        if t >= 2:
            sse += (y - predicted) ** 2
        new_level = alpha * y + (1 - alpha) * predicted
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    return level, trend, sse


def fit(series: Sequence[float]) -> Fit:
    """The best Holt fit on the grid, or the mean for a series too short for a trend."""
    if not series:
        return Fit("none", 0.0, 0.0, 0.0, 0.0)
    if len(series) < MIN_HOLT:
        return Fit("mean", 0.0, 0.0, sum(series) / len(series), 0.0)
    best: tuple[float, float, float, float, float] | None = None
    for alpha in ALPHAS:
        for beta in BETAS:
            level, trend, sse = holt(series, alpha, beta)
            if best is None or sse < best[0] - 1e-12:
                best = (sse, alpha, beta, level, trend)
    assert best is not None  # noqa: S101 - the grid is not empty
    _, alpha, beta, level, trend = best
    return Fit("holt", alpha, beta, level, trend)


@dataclass(frozen=True)
class Backtest:
    holdout: int
    mae: float | None
    mape: float | None  # a share: 0.12 means 12 %


def backtest(series: Sequence[float], holdout: int = 7) -> Backtest:
    """Fit on all but the last `holdout` values and measure the error of forecasting them.

    Returns None errors when the series is too short to hold anything out.
    """
    if holdout < 1 or len(series) < holdout + 1:
        return Backtest(holdout, None, None)
    train, test = series[:-holdout], series[-holdout:]
    model = fit(train)
    errors = [abs(float(y) - max(0.0, model.forecast(h))) for h, y in enumerate(test, start=1)]
    mae = sum(errors) / len(errors)
    shares = [e / float(y) for e, y in zip(errors, test, strict=True) if y]
    mape = sum(shares) / len(shares) if shares else None
    return Backtest(holdout, mae, mape)


def days_of_cover(available: float, rate: float) -> float | None:
    """Days the available stock lasts at `rate` per day; None when nothing is consumed."""
    if rate <= 0:
        return None
    return max(0.0, available) / rate


def daily_series(by_day: dict[int, float], first_day: int, last_day: int) -> list[float]:
    """Dense daily values from `first_day` to `last_day` (ordinal days), zero where missing."""
    return [float(by_day.get(d, 0.0)) for d in range(first_day, last_day + 1)]
