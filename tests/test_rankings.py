"""Rankings page: 63 provinces, region filter, "my province" in the URL, Vietnamese table formats."""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import date
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from queries.rankings import province_rankings
from present.labels import STATUS_COLOR
from present.tables import INCOMPLETE, OVER_100, ranking_column_config, ranking_print_html, ranking_styler, ranking_table
from queries.metrics import Status
from tests.conftest import open_page
from tests.chart_support import chart_keys

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_rankings(monkeypatch, url: str, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/rankings.py")
    return at.run()


def test_rankings_page_lists_every_province_and_keeps_my_province_in_the_url(monkeypatch, demo_sqlite):
    at = open_rankings(monkeypatch, demo_sqlite, as_of="2021-06-15", province="48")
    assert not at.exception
    assert at.title[0].value == "Xếp hạng 63 tỉnh/thành phố"
    table = at.dataframe[0].value
    assert len(table) == 63  # provinces without reports are ranked too (coverage 0), never dropped
    # Rank and province stay in view when the table scrolls sideways, under their Vietnamese headers.
    columns = json.loads(at.dataframe[0].proto.columns)
    assert {c for c, v in columns.items() if v.get("pinned")} == {"rank", "name"}
    assert (columns["rank"]["label"], columns["name"]["label"]) == ("Hạng", "Tỉnh/thành phố")
    assert at.sidebar.selectbox(key="my_province").value == "48"
    assert at.query_params["province"] == "48"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Tải bảng (Excel)", "Tải bảng (CSV)"]
    # The status counts add up to the provinces shown.
    line = next(md.value for md in at.markdown if md.value.startswith("**Số tỉnh theo trạng thái:**"))
    assert sum(int(n.replace(".", "")) for n in re.findall(r"\] \*\*([\d.]+)\*\*", line)) == 63
    # On paper the grid's rows come as an HTML table, the same 63 in the same order (ui.controls.PRINT_CSS).
    assert printed_names(at) == list(table["name"])


def printed_names(at: AppTest) -> list[str]:
    printed = next(h.proto.body for h in at.get("html") if 'class="print-only"' in h.proto.body)
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row)[2] for row in re.findall(r"<tr[^>]*>(.*?)</tr>", printed.split("<tbody>")[1])]


def test_region_filter_keeps_national_ranks(monkeypatch, demo_sqlite):
    at = open_rankings(monkeypatch, demo_sqlite, as_of="2021-06-15")
    at.pills(key="regions").set_value(["DBSCL"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 13  # the Mekong Delta's provinces
    assert printed_names(at) == list(table["name"])
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        full = province_rankings(conn, as_of=date(2021, 6, 15), metric="applications_received", denominator="eligible")
    national = dict(zip(full["code"], full["rank"], strict=True))
    assert {code: national[code] for code in table.index} == dict(zip(table.index, table["rank"], strict=True))
    assert set(full.filter(pl.col("region_code") == "DBSCL")["code"]) == set(table.index)


def two_provinces(name_02: str = "Hà Giang") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "code": ["01", "02"],
            "rank": [1, 2],
            "rank_change": [2, None],
            "name": ["Hà Nội", name_02],
            "region_name": ["R", "R"],
            "cumulative": [1234567, 5],
            "denominator": [1000000, 100],
            "coverage": [1.234567, 0.05],
            "pace": [1234.4, 0.0],
            "required_daily_rate": [0.0, None],  # 02: past the deadline, nothing required can be done in time
            "projected_completion": [None, date(2021, 8, 6)],
            "status": ["achieved", "off_track"],
            "completeness": [1.0, 0.5],
            "over_100": [True, False],
            "reporting_incomplete": [False, True],
        }
    )


def test_ranking_styler_formats_the_vietnamese_way_and_flags():
    table = ranking_table(two_provinces())
    assert list(table["notes"]) == [OVER_100, INCOMPLETE]
    assert ranking_column_config(table)["coverage"] == "Tỷ lệ"
    html = ranking_styler(table, my_province="02").to_html()
    for text in ("1.234.567", "123,5%", "06/08/2021", "▲ 2", "Đã đạt", "Chậm tiến độ", "—", "#fef3c7"):
        assert text in html, text
    # Missing values (no forecast, no rank a week ago, no required rate after the deadline) read as a
    # dash, never as "None" or "nan" — and the table itself holds no missing cell there (st.dataframe
    # would draw its own "None").
    assert "None" not in html and "nan" not in html
    for column in ("projected_completion", "rank_change", "required_daily_rate"):
        assert not table[column].isna().any(), column
    assert ranking_styler(table).data.loc["01", "required_daily_rate"] == 0.0
    assert html.count(">—<") == 3  # 01's forecast, 02's rank a week ago, 02's required rate
    # The stand-ins sort after every real value.
    assert table["projected_completion"].iloc[0] > table["projected_completion"].iloc[1]


def test_the_printed_ranking_table_reads_like_the_screen_s_and_escapes_every_text():
    """On paper the canvas grid is replaced by an HTML table: every row, the same headers, formats,
    status colours and highlighted province; a name is text, never markup."""
    printed = ranking_print_html(two_provinces(name_02="Hà <b>Giang</b> & Co"), my_province="02")
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", printed)
    assert headers == [
        "Hạng",
        "Thay đổi 7 ngày",
        "Tỉnh/thành phố",
        "Vùng",
        "Lũy kế",
        "Mẫu số",
        "Tỷ lệ",
        "Tốc độ 7 ngày",
        "Cần đạt/ngày",
        "Dự kiến hoàn thành",
        "Trạng thái",
        "Báo cáo ngày",
        "Ghi chú",
    ]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", printed.split("<tbody>")[1])
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows]
    assert cells == [
        ["1", "▲ 2", "Hà Nội", "R", "1.234.567", "1.000.000", "123,5%", "1.234", "0", "—", "Đã đạt", "100%", OVER_100],
        ["2", "—", "Hà &lt;b&gt;Giang&lt;/b&gt; &amp; Co", "R", "5", "100", "5,0%", "0", "—", "06/08/2021", "Chậm tiến độ", "50%", INCOMPLETE],
    ]
    assert "<b>" not in printed
    # Only my province's row is highlighted, as on screen; statuses carry their colours.
    opening_tags = [re.findall(r"<td[^>]*>", row) for row in rows]
    assert [[("background-color:#fef3c7" in tag) for tag in row] for row in opening_tags] == [[False] * 13, [True] * 13]
    assert f"color:{STATUS_COLOR[Status.achieved]}" in opening_tags[0][10] and f"color:{STATUS_COLOR[Status.off_track]}" in opening_tags[1][10]
    # Numbers to the right and on one line; the rank change (▲ 2) reads as a word.
    kinds = [re.search(r'class="(\w+)"', tag) for tag in opening_tags[0]]
    assert [k.group(1) if k else "" for k in kinds] == ["num", "", "", "", "num", "num", "num", "num", "num", "", "", "num", ""]


def test_scorecard_shows_rank_gap_and_lagging_districts_from_queries(monkeypatch, demo_sqlite):
    from queries.scorecard import scorecard
    from present import format as fmt

    at = open_page(monkeypatch, demo_sqlite, "app_pages/scorecard.py", as_of="2021-05-20", province="26")
    assert not at.exception
    engine = make_engine(demo_sqlite)
    with engine.connect() as conn:
        card = scorecard(conn, province="26", as_of=date(2021, 5, 20), metric="applications_received", denominator="eligible")
    assert at.title[0].value == card.province["name"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Hạng cả nước"] == f"{card.province['rank']}/63"
    assert metrics["Thời hạn"] == "Còn 42 ngày"
    text = " ".join(md.value for md in at.markdown)
    if card.above is None:
        assert "Đang đứng đầu cả nước" in text
    else:
        assert f"cần thêm **{fmt.number(card.above.people)} hồ sơ**" in text
    neighbours, lagging = at.dataframe[0].value, at.dataframe[1].value
    assert "26" in neighbours.index and len(neighbours) == card.neighbours.height
    assert list(lagging.index) == card.lagging_districts["code"].to_list() and len(lagging) == 5
    # Lowest coverage first.
    assert list(lagging["coverage"]) == sorted(lagging["coverage"])
    assert at.query_params["province"] == "26"


def test_scorecard_without_a_province_asks_for_one_and_remembers_it(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, "app_pages/scorecard.py", as_of="2021-05-20")
    assert not at.exception
    assert at.title[0].value == "Tỉnh của tôi" and not at.metric
    at.selectbox(key="pick_province").set_value("96").run()
    assert not at.exception
    assert at.query_params["province"] == "96"
    assert at.sidebar.selectbox(key="my_province").value == "96"
    assert at.metric[0].label == "Hạng cả nước"


def test_my_province_follows_every_page(monkeypatch, demo_sqlite):
    at = open_page(monkeypatch, demo_sqlite, "app_pages/rankings.py", as_of="2021-06-15", province="48")
    assert not at.exception
    # The bump chart starts from my province and its neighbours in the table.
    assert "48" in at.multiselect(key="bump_provinces").value
    assert chart_keys(at) == ["rank_bump"]
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert any(md.value.startswith("**Tỉnh của tôi — ") for md in at.markdown)
    assert at.query_params["province"] == "48"


def test_the_sign_in_link_brings_the_reader_back_to_the_same_view(monkeypatch, demo_sqlite):
    # A visitor reading the simulated data set without an account, on a chosen date and province.
    at = open_page(monkeypatch, demo_sqlite, "app_pages/rankings.py", as_of="2021-04-27", province="27")
    [link] = [e.proto.body for e in at.sidebar.get("html") if "Đăng nhập để nhập" in e.proto.body]
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(re.search(r'href="([^"]+)"', link).group(1).replace("&amp;", "&")).query)["next"][0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(back).query)
    assert query["as_of"] == ["2021-04-27"] and query["province"] == ["27"]
