"""Every metric of BRIEF §3, defined once: formula, denominator and unit in each docstring.

Functions return polars expressions so the same definition serves a table of 63 provinces, one
region or the nation; `queries.progress` applies them to a frame of cumulative counts.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import polars as pl

DEADLINE = date(2021, 7, 1)
PACE_WINDOW_DAYS = 7
AT_RISK_RATIO = 0.8
# A unit whose as-of-day report covers fewer of its units than this is marked "incomplete".
COMPLETENESS_THRESHOLD = 0.95
# A day is "settled" — the pages open on it by default — once at least this share of the communes
# expected nationally have reported it. A day still arriving (a morning with a few provinces in) would
# show most provinces with no count for the day, a lower pace and a worse status than they have.
SETTLED_SHARE = 0.5


class Metric(StrEnum):
    applications_received = "applications_received"
    cards_produced = "cards_produced"
    cards_delivered = "cards_delivered"
    records_collected = "records_collected"
    records_verified = "records_verified"


# The metrics a user chooses between on screen and in exports.
HEADLINE_METRICS = (Metric.applications_received, Metric.cards_delivered, Metric.records_verified)
RECORD_METRICS = (Metric.records_collected, Metric.records_verified)


class Denominator(StrEnum):
    eligible = "eligible"  # citizens aged 14+ (card metrics) / all residents (record metrics)
    target = "target"  # the assigned quota


class Level(StrEnum):
    national = "national"
    region = "region"
    province = "province"
    district = "district"
    commune = "commune"


class Status(StrEnum):
    achieved = "achieved"
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    overdue = "overdue"


def population_column(metric: Metric) -> str:
    """Population base of the "eligible" denominator: residents aged 14+ for cards, everyone for records."""
    return "population" if metric in RECORD_METRICS else "eligible_population"


def coverage(cumulative: str = "cumulative", denominator: str = "denominator") -> pl.Expr:
    """Coverage = cumulative count ÷ denominator (a ratio; 1.0 = 100%). Never clipped: above 1 is shown
    and flagged. Null when the denominator is 0."""
    return pl.when(pl.col(denominator) > 0).then(pl.col(cumulative) / pl.col(denominator)).otherwise(None)


def pace(cumulative: str = "cumulative", cumulative_before: str = "cumulative_7d_ago") -> pl.Expr:
    """Pace = mean daily count over the 7 days up to and including the as-of date
    = (cumulative at as-of − cumulative 7 days earlier) ÷ 7, in people (or cards, records) per day."""
    return (pl.col(cumulative) - pl.col(cumulative_before)) / PACE_WINDOW_DAYS


def days_left(as_of: date, deadline: date = DEADLINE) -> int:
    """Days left = deadline − as-of date, in days (1 on 30/06/2021; 0 or less once the deadline has come)."""
    return (deadline - as_of).days


def remaining(goal: str = "denominator", cumulative: str = "cumulative") -> pl.Expr:
    """Remaining = goal − cumulative, never below 0 (the goal is the chosen denominator)."""
    return pl.max_horizontal(pl.col(goal) - pl.col(cumulative), pl.lit(0))


def required_daily_rate(as_of: date, goal: str = "denominator", cumulative: str = "cumulative") -> pl.Expr:
    """Required daily rate = (goal − cumulative) ÷ days left until the deadline, per day; 0 once the
    goal is met; null after the deadline (nothing can be done in time: the screen says how late)."""
    left = days_left(as_of)
    rem = remaining(goal, cumulative)
    if left <= 0:
        return pl.when(rem <= 0).then(pl.lit(0.0)).otherwise(None)
    return rem / left


def projected_completion(as_of: date, pace_col: str = "pace", goal: str = "denominator", cumulative: str = "cumulative") -> pl.Expr:
    """Projected completion date = as-of date + ceil(remaining ÷ pace) days. Null when the goal is
    already met (status says so) or when pace is 0 (never, at this pace)."""
    rem = remaining(goal, cumulative)
    days_needed = (rem / pl.col(pace_col)).ceil().cast(pl.Int64)
    return pl.when((rem > 0) & (pl.col(pace_col) > 0)).then(pl.lit(as_of) + pl.duration(days=days_needed)).otherwise(None).cast(pl.Date)


def status(as_of: date, pace_col: str = "pace", required_col: str = "required_daily_rate", goal: str = "denominator") -> pl.Expr:
    """Status: achieved (cumulative ≥ goal); overdue (deadline passed, not met); on track (pace ≥
    required rate); at risk (pace ≥ 80% of required); off track (below)."""
    rem = remaining(goal)
    if days_left(as_of) <= 0:
        return pl.when(rem <= 0).then(pl.lit(Status.achieved.value)).otherwise(pl.lit(Status.overdue.value))
    return (
        pl.when(rem <= 0)
        .then(pl.lit(Status.achieved.value))
        .when(pl.col(pace_col) >= pl.col(required_col))
        .then(pl.lit(Status.on_track.value))
        .when(pl.col(pace_col) >= AT_RISK_RATIO * pl.col(required_col))
        .then(pl.lit(Status.at_risk.value))
        .otherwise(pl.lit(Status.off_track.value))
    )


def rank(value: str = "coverage") -> pl.Expr:
    """Rank = position by coverage, highest first, among the rows compared (63 provinces, or the
    districts of a province); ties share the best rank (1, 2, 2, 4). Null coverage ranks last."""
    return pl.col(value).fill_null(-1.0).rank(method="min", descending=True).cast(pl.Int32)


def rank_change(now: str = "rank", before: str = "rank_7d_ago") -> pl.Expr:
    """Change of rank vs 7 days before = rank then − rank now (positive: moved up)."""
    return (pl.col(before) - pl.col(now)).cast(pl.Int32)


def completeness(reported: str = "units_reported", expected: str = "units_expected") -> pl.Expr:
    """Reporting completeness = units that reported for the day ÷ units expected (ratio, ≤ 1)."""
    return pl.when(pl.col(expected) > 0).then(pl.min_horizontal(pl.col(reported) / pl.col(expected), pl.lit(1.0))).otherwise(None)


def timeliness(on_time: str = "units_on_time", expected: str = "units_expected") -> pl.Expr:
    """Timeliness = units whose report for the day arrived by the cut-off (17:00) ÷ units expected."""
    return pl.when(pl.col(expected) > 0).then(pl.min_horizontal(pl.col(on_time) / pl.col(expected), pl.lit(1.0))).otherwise(None)
