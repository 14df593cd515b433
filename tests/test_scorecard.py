"""The director's scorecard and rank history, against hand-computed figures of the mini country.

At 15/06/2021 (see test_queries): A 450 (7 days earlier 240), B 520 (400), C 675 (360);
eligible 2,000 / 1,000 / 1,000; targets 400 / 600 / 1,400.
"""

from __future__ import annotations

from datetime import date

import pytest

from queries.progress import progress
from queries.scorecard import gap_to, rank_history, scorecard
from tests.conftest import MINI_END


def test_gap_to_the_province_above_in_people_and_days(mini_engine):
    with mini_engine.connect() as conn:
        card = scorecard(conn, province="03", as_of=MINI_END, metric="applications_received", denominator="target")
    # Against targets: A 112,5% (1st), B 520/600 = 86,7% (2nd), C 675/1400 = 48,2% (3rd).
    assert card.province["rank"] == 3 and card.above.code == "02" and card.above.rank == 2
    # C needs 520/600 × 1400 − 675 = 538,3 → 539 more to reach B's coverage.
    assert card.above.people == 539
    # At C's own pace of 45 a day that is ⌈539 / 45⌉ = 12 days of work.
    assert card.above.days_own_pace == 12
    # C gains 45/1400 = 9/280 of its target a day, B (120/7)/600 = 8/280: the gap
    # 13/15 − 27/56 = 323/840 closes at 1/280 a day → 107,7 → 108 days.
    assert card.above.days_to_catch_up == 108


def test_a_gap_that_does_not_close_at_current_paces(mini_engine):
    with mini_engine.connect() as conn:
        card = scorecard(conn, province="01", as_of=MINI_END, metric="applications_received", denominator="eligible")
    # Against eligible: C 67,5%, B 52%, A 22,5%. A needs 0,52 × 2000 − 450 = 590 (exactly: no float rounding to 591).
    assert card.above.code == "02" and card.above.people == 590
    assert card.above.days_own_pace == 20  # ⌈590 / 30⌉
    # A gains 30/2000 = 1,5% a day, B (120/7)/1000 = 1,71%: A falls further behind.
    assert card.above.days_to_catch_up is None
    assert card.province["required_daily_rate"] == pytest.approx(1550 / 16)
    assert card.province["projected_completion"] == date(2021, 8, 6)
    # Last of three: its neighbours are the two above it (positions count from the top, never wrap around).
    assert card.neighbours["code"].to_list() == ["03", "02", "01"]


def test_the_leader_has_no_province_above_and_neighbours_include_itself(mini_engine):
    with mini_engine.connect() as conn:
        card = scorecard(conn, province="03", as_of=MINI_END, metric="applications_received", denominator="eligible")
    assert card.province["rank"] == 1 and card.above is None
    assert card.neighbours["code"].to_list() == ["03", "02", "01"]  # all three are within ±3 places
    assert card.lagging_districts["code"].to_list() == ["003"]
    with pytest.raises(KeyError):
        with mini_engine.connect() as conn:
            scorecard(conn, province="99", as_of=MINI_END, metric="applications_received", denominator="eligible")


def test_equal_coverage_means_no_gap():
    own = {"code": "X", "name": "X", "rank": 2, "coverage": 0.5, "cumulative": 50, "cumulative_7d_ago": 43, "denominator": 100}
    other = {"code": "Y", "name": "Y", "rank": 2, "coverage": 0.5, "cumulative": 100, "cumulative_7d_ago": 30, "denominator": 200}
    gap = gap_to(own, other)
    assert (gap.people, gap.days_own_pace, gap.days_to_catch_up) == (0, 0, 0)


def test_rank_history_week_by_week(mini_engine):
    with mini_engine.connect() as conn:
        history = rank_history(conn, as_of=MINI_END, metric="applications_received", denominator="eligible", weeks=3)
        now = progress(conn, level="province", as_of=MINI_END, metric="applications_received", denominator="eligible")
    ranks = {(d.isoformat(), c): r for d, c, r in history.select("day", "code", "rank").iter_rows()}
    # 01/06: A 30/2000, B 50/1000, C 45/1000 → B, C, A.  08/06: A 240, B 400, C 360 → B, C, A.  15/06: C, B, A.
    assert [ranks[("2021-06-01", c)] for c in ("01", "02", "03")] == [3, 1, 2]
    assert [ranks[("2021-06-08", c)] for c in ("01", "02", "03")] == [3, 1, 2]
    assert [ranks[("2021-06-15", c)] for c in ("01", "02", "03")] == [3, 2, 1]
    # The last week's ranks are exactly the ranking table's.
    assert {c: ranks[("2021-06-15", c)] for c in ("01", "02", "03")} == dict(zip(now["code"], now["rank"], strict=True))
    # Weeks before the first report are left out rather than drawn as rank ties at 0%.
    with mini_engine.connect() as conn:
        longer = rank_history(conn, as_of=MINI_END, metric="applications_received", denominator="eligible", weeks=10)
    assert longer["day"].unique().sort().to_list() == [date(2021, 6, 1), date(2021, 6, 8), date(2021, 6, 15)]
