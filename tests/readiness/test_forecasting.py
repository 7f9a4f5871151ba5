"""The forecast maths on synthetic series with answers known by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from liangcao.readiness import forecasting as f


def test_holt_recovers_a_straight_line_exactly() -> None:
    series = [10 + 2 * t for t in range(20)]
    model = f.fit(series)
    assert model.method == "holt"
    assert model.level == pytest.approx(48)
    assert model.trend == pytest.approx(2)
    assert model.forecast(3) == pytest.approx(54)
    # mean of 50, 52, …, 62 over the next 7 days
    assert model.rate(7) == pytest.approx(56)


def test_one_holt_step_by_hand() -> None:
    # l0 = 10, b0 = 2; y2 = 10: predicted 14, level = .5·10 + .5·14 = 12,
    # trend = .5·(12 − 12) + .5·2 = 1; error 10 − 14 → SSE 16.
    level, trend, sse = f.holt([10, 12, 10], alpha=0.5, beta=0.5)
    assert (level, trend, sse) == pytest.approx((12, 1, 16))


def test_a_flat_series_forecasts_its_value_and_short_series_use_the_mean() -> None:
    assert f.fit([7.0] * 10).rate(7) == pytest.approx(7)
    short = f.fit([4, 8])
    assert short.method == "mean" and short.rate() == pytest.approx(6)
    assert f.fit([]).method == "none" and f.fit([]).rate() == 0


def test_the_rate_is_never_negative() -> None:
    falling = [100 - 20 * t for t in range(6)]  # 100 … 0, trend −20
    assert f.fit(falling).rate(7) == 0


def test_backtest_errors_on_a_known_holdout() -> None:
    # Train on the straight line 10, 12, …, 24 (8 values); the holdout breaks the line by +4
    # on each of 4 days: forecasts 26, 28, 30, 32 against 30, 32, 34, 36.
    train = [10 + 2 * t for t in range(8)]
    test = [30.0, 32.0, 34.0, 36.0]
    result = f.backtest(train + test, holdout=4)
    assert result.mae == pytest.approx(4)
    assert result.mape == pytest.approx(sum(4 / y for y in test) / 4)
    assert f.backtest([1, 2, 3], holdout=7).mae is None


def test_mape_skips_days_without_consumption() -> None:
    result = f.backtest([5.0] * 6 + [0.0, 10.0], holdout=2)
    assert result.mae == pytest.approx(5)
    assert result.mape == pytest.approx(0.5)  # only the day with 10: |10 − 5| / 10


def test_days_of_cover_and_dense_series() -> None:
    assert f.days_of_cover(860, 90) == pytest.approx(860 / 90)
    assert f.days_of_cover(10, 0) is None
    assert f.daily_series({3: 5.0, 5: 1.0}, 2, 6) == [0.0, 5.0, 0.0, 1.0, 0.0]


def test_the_forecast_module_imports_neither_django_nor_other_apps() -> None:
    path = Path(f.__file__)
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
    assert not [m for m in imported if m.startswith(("django", "liangcao"))]
