"""The metric definitions on hand-made frames: ties, rank change, after the deadline, zero pace."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from queries import metrics as M


def test_ties_share_the_best_rank_and_null_ranks_last():
    frame = pl.DataFrame({"coverage": [0.5, 0.7, 0.5, None, 0.2]})
    assert frame.select(M.rank().alias("r"))["r"].to_list() == [2, 1, 2, 5, 4]


def test_rank_change_is_positive_when_moving_up():
    frame = pl.DataFrame({"rank": [1, 5], "rank_7d_ago": [3, 2]})
    assert frame.select(M.rank_change().alias("r"))["r"].to_list() == [2, -3]


def test_after_the_deadline_no_required_rate_and_overdue():
    as_of = date(2021, 7, 10)
    frame = pl.DataFrame({"cumulative": [90, 120], "denominator": [100, 100], "pace": [5.0, 5.0]})
    out = frame.with_columns(M.required_daily_rate(as_of).alias("required_daily_rate")).with_columns(M.status(as_of).alias("status"))
    assert M.days_left(as_of) == -9
    assert out["required_daily_rate"].to_list() == [None, 0.0]
    assert out["status"].to_list() == ["overdue", "achieved"]


def test_zero_pace_has_no_projected_date():
    frame = pl.DataFrame({"cumulative": [10], "denominator": [100], "pace": [0.0]})
    assert frame.select(M.projected_completion(date(2021, 5, 1)).alias("p"))["p"].to_list() == [None]


def test_coverage_is_not_clipped_and_zero_denominator_is_null():
    frame = pl.DataFrame({"cumulative": [150, 5], "denominator": [100, 0]})
    assert frame.select(M.coverage().alias("c"))["c"].to_list() == [pytest.approx(1.5), None]


def test_completeness_caps_at_one():
    frame = pl.DataFrame({"units_reported": [3, 12], "units_expected": [4, 10]})
    assert frame.select(M.completeness().alias("c"))["c"].to_list() == [0.75, 1.0]
