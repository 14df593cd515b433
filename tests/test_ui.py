"""Vietnamese formatting and the pure figure builder."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import polars as pl
import pytest

from present import format as fmt
from present.figures import trend_figure


def test_vietnamese_numbers_percent_and_dates():
    assert fmt.number(1234567) == "1.234.567"
    assert fmt.number(1234.56, decimals=1) == "1.234,6"
    assert fmt.percent(0.125) == "12,5%"
    assert fmt.percent(1.384) == "138,4%"  # above 100% is shown, not clipped
    assert fmt.day(date(2021, 7, 1)) == "01/07/2021"
    assert fmt.number(None) == fmt.DASH and fmt.percent(float("nan")) == fmt.DASH
    assert fmt.rank_change(3) == "▲ 3" and fmt.rank_change(-2) == "▼ 2"


def test_deadline_phrase_never_shows_a_negative_count():
    deadline = date(2021, 7, 1)
    assert fmt.deadline_phrase(65, deadline) == "Còn 65 ngày đến hạn 01/07/2021"
    assert fmt.deadline_phrase(0, deadline) == "Hôm nay là hạn chót 01/07/2021"
    assert fmt.deadline_phrase(-183, deadline) == "Đã quá hạn 183 ngày (hạn 01/07/2021)"
    assert [fmt.days_left_short(n) for n in (1234, 0, -183)] == ["Còn 1.234 ngày", "Hôm nay là hạn chót", "Quá hạn 183 ngày"]
    # The scorecard's card: the state in the label, a value that fits a third of a 1280 px page.
    assert [fmt.deadline_card(n) for n in (1234, 0, -183)] == [("Thời hạn", "Còn 1.234 ngày"), ("Thời hạn", "Hôm nay"), ("Đã quá hạn", "183 ngày")]


def test_rank_change_in_words():
    assert fmt.rank_change_phrase(2) == "▲ 2 bậc so với 7 ngày trước"
    assert fmt.rank_change_phrase(-1) == "▼ 1 bậc so với 7 ngày trước"
    assert fmt.rank_change_phrase(0) == "giữ hạng so với 7 ngày trước"
    assert "chưa đủ 7 ngày" in fmt.rank_change_phrase(None)


def test_trend_figure_extends_the_trajectory_to_the_deadline():
    frame = pl.DataFrame(
        {"day": [date(2021, 4, 26), date(2021, 4, 27)], "daily": [5, 7], "cumulative": [100, 107], "trajectory": [80.0, 82.0], "goal": [200, 200]}
    )
    fig = trend_figure(frame, title="T", unit="hồ sơ", as_of=date(2021, 4, 27), deadline=date(2021, 7, 1), goal_label="200")
    trajectory, cumulative = fig.data
    assert list(cumulative.y) == [100, 107]
    assert list(trajectory.x)[-1] == date(2021, 7, 1) and list(trajectory.y)[-1] == 200.0
    assert fig.layout.separators == ",." and fig.layout.xaxis.tickformat == "%d/%m/%Y"
    texts = [a.text for a in fig.layout.annotations]
    assert "Hạn chót 01/07/2021" in texts and "Số liệu đến 27/04/2021" in texts


@pytest.mark.parametrize(
    "as_of,deadline_side,as_of_side",
    [
        (date(2021, 4, 27), "left", "right"),  # before the deadline: each label on the far side from the other
        (date(2021, 12, 31), "right", "right"),  # long after it: both inside the data, the axis ends at the data
        (date(2021, 7, 10), "right", "left"),  # 9 days after: the as-of label would cover the deadline's line
    ],
)
def test_the_as_of_label_stays_inside_the_data_unless_it_would_cover_the_deadline(as_of, deadline_side, as_of_side):
    days = [date(2020, 12, 25) + timedelta(days=i) for i in range((as_of - date(2020, 12, 25)).days + 1)]
    n = len(days)
    frame = pl.DataFrame({"day": days, "daily": [1] * n, "cumulative": list(range(n)), "trajectory": [float(i) for i in range(n)], "goal": [500] * n})
    fig = trend_figure(frame, title="T", unit="hồ sơ", as_of=as_of, deadline=date(2021, 7, 1), goal_label="500")
    sides = {a.text.split(" ")[0]: a.xanchor for a in fig.layout.annotations}
    assert sides == {"Hạn": deadline_side, "Số": as_of_side}


def test_region_bars_best_on_top_with_vietnamese_percentages():
    from present.figures import region_bars

    frame = pl.DataFrame({"name": ["A", "B"], "coverage": [0.5, 0.755], "cumulative": [5, 755], "denominator": [10, 1000]})
    bar = region_bars(frame, title="T", denominator_label="chỉ tiêu").data[0]
    assert list(bar.y) == ["A", "B"]  # plotly draws the last category on top: B, the best
    assert list(bar.text) == ["50,0%", "75,5%"] and list(bar.x) == [50.0, 75.5]


def test_names_sort_in_vietnamese_alphabetical_order():
    # ă, â after a; đ after d; ơ, ô after o; ư after u; tones only break ties (a à ả ã á ạ); a space first.
    expected = ["An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bến Tre", "Bình Dương", "Bình Định", "Cà Mau"]
    expected += ["Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Điện Biên", "Gia Lai", "Hà Nam", "Hà Nội", "Hải Dương", "Hòa Bình"]
    expected += ["Hồ Chí Minh", "Hưng Yên", "Tây Ninh", "Thái Bình", "Thanh Hóa", "Yên Bái"]
    assert sorted(reversed(expected), key=fmt.vi_sort_key) == expected
    assert sorted(["bạ", "bá", "bã", "bả", "bà", "ba"], key=fmt.vi_sort_key) == ["ba", "bà", "bả", "bã", "bá", "bạ"]
    # Composed (NFC) and decomposed (NFD) spellings of one name sort as one.
    assert fmt.vi_sort_key("Đắk Lắk") == fmt.vi_sort_key(unicodedata.normalize("NFD", "Đắk Lắk"))
    assert fmt.by_name({"48": "Đà Nẵng", "96": "Cà Mau", "64": "Gia Lai", "04": "Cao Bằng"}) == ["96", "04", "48", "64"]
