"""Events on the trend charts: default rows from the migration, add / edit / delete with who and when
(SQLite and PostgreSQL), the CLI, the events page, and how the trend chart draws them."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from cli import app as cli_app
from db.access import AccessDenied
from db.engine import make_engine
from db.schema import annotation
from db import events as E
from queries import annotations as A
from simulate.anchors import DISRUPTIONS, HOLIDAYS
from tests.conftest import cli_account, person, sign_in_apptest
from present.figures import event_lanes, event_text, trend_figure

APP = str(Path(__file__).resolve().parent.parent / "app.py")
runner = CliRunner()


def test_default_events_are_in_every_migrated_database(empty_engine):
    with empty_engine.connect() as conn:
        frame = A.events(conn)
    rows = {r["label_vi"]: r for r in frame.iter_rows(named=True)}
    tet = rows["Tết Tân Sửu"]
    assert (tet["day_from"], tet["day_to"], tet["kind"], tet["provinces"]) == (date(2021, 2, 10), date(2021, 2, 16), "holiday", None)
    deadline = rows["Hạn chót 01/07/2021"]
    assert (deadline["day_from"], deadline["day_to"], deadline["kind"]) == (date(2021, 7, 1), None, "deadline")
    disruptions = frame.filter(pl.col("kind") == "disruption")
    assert disruptions.height == 4  # BRIEF §4: Hải Dương; Bắc Giang/Bắc Ninh; HCMC and the south; Hà Nội
    assert all(r["created_by"] and r["created_at"] for r in frame.iter_rows(named=True))


def test_default_events_agree_with_the_simulation():
    """The migration's frozen rows say what simulate/anchors.py simulates (BRIEF §4)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "db" / "migrations" / "versions" / "0002_annotation.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    events = {label: (start, end, kind, provinces) for start, end, label, kind, provinces in migration.DEFAULT_EVENTS}
    start, end, _, _ = events["Tết Tân Sửu"]
    tet_days = sorted(d for d, factor in HOLIDAYS.items() if d.month == 2 and d.year == 2021)
    assert (start, end) == (tet_days[0], tet_days[-1])
    simulated_starts = {(code, d.start) for d in DISRUPTIONS for code in d.provinces}
    for label, (start, end, kind, provinces) in events.items():
        if kind != "disruption":
            continue
        codes = provinces.split(",")
        # Each default disruption starts when the simulation slows one of its provinces down (Bắc Giang and
        # Bắc Ninh share one event from the earlier date; HCMC and the south from 9/7).
        assert any((code, start) in simulated_starts for code in codes), label
        assert end > start


def test_add_edit_delete_record_who_and_when(mini_engine):
    engine = mini_engine  # SQLite and PostgreSQL
    t0 = datetime(2021, 6, 16, 9, 30)
    with engine.begin() as conn:
        before = A.events_stamp(conn)
        new_id = E.add_event(
            conn,
            E.EventInput(date(2021, 6, 5), date(2021, 6, 8), "  Mất điện  ", "other", ("1",)),
            actor=person("Nguyễn Văn A", role="data_team"),
            now=t0,
        )
        assert A.events_stamp(conn) != before
    with engine.connect() as conn:
        row = A.events(conn).filter(pl.col("id") == new_id).row(0, named=True)
    assert row["label_vi"] == "Mất điện" and row["provinces"] == "01"  # trimmed; code padded to the GSO width
    assert (row["created_by"], row["created_at"], row["updated_by"]) == ("Nguyễn Văn A", t0, None)

    with engine.begin() as conn:
        stamp = A.events_stamp(conn)
        E.update_event(
            conn,
            new_id,
            E.EventInput(date(2021, 6, 5), None, "Mất điện toàn tỉnh", "disruption", ("01", "02")),
            actor=person("Trần Thị B", role="data_team"),
            now=t0 + timedelta(hours=1),
        )
        assert A.events_stamp(conn) != stamp
    with engine.connect() as conn:
        row = A.events(conn).filter(pl.col("id") == new_id).row(0, named=True)
    assert (row["label_vi"], row["day_to"], row["kind"], row["provinces"]) == ("Mất điện toàn tỉnh", None, "disruption", "01,02")
    assert (row["created_by"], row["updated_by"], row["updated_at"]) == ("Nguyễn Văn A", "Trần Thị B", t0 + timedelta(hours=1))

    with engine.begin() as conn:
        E.delete_event(conn, new_id, actor=person("Lê C", role="data_team"), now=t0 + timedelta(hours=2))
    with engine.connect() as conn:
        assert new_id not in A.events(conn)["id"].to_list()
        kept = A.events(conn, include_deleted=True).filter(pl.col("id") == new_id).row(0, named=True)
        assert (kept["deleted_by"], kept["deleted_at"]) == ("Lê C", t0 + timedelta(hours=2))
        with pytest.raises(E.EventError, match="đã bị xóa"):
            E.delete_event(conn, new_id, actor=person("Lê C", role="data_team"))


def test_invalid_events_are_refused_in_vietnamese(mini_engine):
    good = E.EventInput(date(2021, 6, 1), None, "Sự kiện", "other")
    cases = [
        (good.__class__(good.day_from, None, "   ", "other"), "không được để trống"),
        (good.__class__(good.day_from, date(2021, 5, 1), "X", "other"), "trước ngày bắt đầu"),
        (good.__class__(good.day_from, None, "X", "party"), "Loại sự kiện không hợp lệ"),
        (good.__class__(good.day_from, None, "X", "other", ("99",)), "mã 99"),
        (good.__class__(good.day_from, None, "x" * 121, "other"), "dài quá"),
    ]
    with mini_engine.begin() as conn:
        for event, message in cases:
            with pytest.raises(E.EventError, match=message):
                E.add_event(conn, event, actor=person("A", role="data_team"))
        with pytest.raises(AccessDenied) as viewer:
            E.add_event(conn, good, actor=person("Lãnh đạo", role="viewer"))
        assert "không được sửa sự kiện" in viewer.value.message_vi
        with pytest.raises(AccessDenied) as nobody:
            E.add_event(conn, good, actor=None)
        assert nobody.value.message_vi == "Cần đăng nhập để sửa sự kiện trên biểu đồ."
        with pytest.raises(E.EventError, match="Không có sự kiện số 9999"):
            E.update_event(conn, 9999, good, actor=person("A", role="data_team"))


def test_province_events_show_on_that_province_and_the_nation(mini_engine):
    with mini_engine.begin() as conn:
        E.add_event(conn, E.EventInput(date(2021, 6, 3), None, "Tỉnh A nghỉ", "other", ("01",)), actor=person("A", role="data_team"))
        national = A.events(conn)["label_vi"].to_list()
        of_a = A.events(conn, province="01")["label_vi"].to_list()
        of_b = A.events(conn, province="02")["label_vi"].to_list()
        until = A.events(conn, until=date(2021, 3, 1))["label_vi"].to_list()
    assert "Tỉnh A nghỉ" in national and "Tỉnh A nghỉ" in of_a and "Tỉnh A nghỉ" not in of_b
    assert "Tết Tân Sửu" in of_b and "Hà Nội giãn cách" not in of_b  # national yes, other provinces' no
    assert "Hà Nội giãn cách" not in until and "Tết Tân Sửu" in until


def test_events_cli_list_add_edit_delete(demo_sqlite, tmp_path, monkeypatch):
    copy = tmp_path / "events.sqlite"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), copy)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    engine = make_engine(f"sqlite:///{copy}")
    cli_account(engine, "c06", "Tổ dữ liệu C06")
    engine.dispose()
    listed = runner.invoke(cli_app, ["events", "list"])
    assert listed.exit_code == 0 and "Tết Tân Sửu" in listed.output and "10/02/2021 – 16/02/2021" in listed.output
    added = runner.invoke(
        cli_app, ["--as", "c06", "events", "add", "--from", "2021-04-30", "--to", "2021-05-03", "--label", "Nghỉ 30/4–1/5", "--kind", "holiday"]
    )
    assert added.exit_code == 0, added.output
    new_id = int(added.output.split("#")[1].split(".")[0])
    edited = runner.invoke(
        cli_app,
        [
            "--as",
            "c06",
            "events",
            "edit",
            str(new_id),
            "--from",
            "2021-04-30",
            "--to",
            "2021-05-02",
            "--label",
            "Nghỉ lễ",
            "--kind",
            "holiday",
            "--provinces",
            "48",
        ],
    )
    assert edited.exit_code == 0, edited.output
    assert "Nghỉ lễ" in runner.invoke(cli_app, ["events", "list"]).output
    bad = runner.invoke(cli_app, ["--as", "c06", "events", "add", "--from", "2021-05-02", "--to", "2021-05-01", "--label", "X"])
    assert bad.exit_code == 1 and "trước ngày bắt đầu" in bad.output
    deleted = runner.invoke(cli_app, ["--as", "c06", "events", "delete", str(new_id)])
    assert deleted.exit_code == 0
    assert "Nghỉ lễ" not in runner.invoke(cli_app, ["events", "list"]).output
    with_deleted = runner.invoke(cli_app, ["events", "list", "--deleted"]).output
    assert "Nghỉ lễ" in with_deleted and "xóa: Tổ dữ liệu C06" in with_deleted


def test_events_page_adds_and_lists_with_author(demo_sqlite, tmp_path, monkeypatch):
    copy = tmp_path / "page.sqlite"
    shutil.copy(demo_sqlite.removeprefix("sqlite:///"), copy)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    sign_in_apptest(monkeypatch, person("Phạm D", role="data_team"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["as_of"] = "2021-06-15"
    at.run()
    at.switch_page("app_pages/events.py").run()
    assert not at.exception
    assert at.title[0].value == "Sự kiện trên biểu đồ"
    # Values typed into a form travel with its submit button, in one run.
    at.text_input(key="ev_new_label").set_value("Kiểm tra <b>nhãn</b>")
    at.selectbox(key="ev_new_kind").set_value("other")
    next(b for b in at.button if b.label == "Thêm sự kiện").click()
    at.run()
    assert not at.exception
    assert any("Đã thêm sự kiện" in s.value for s in at.success)
    from db.engine import make_engine

    with make_engine(f"sqlite:///{copy}").connect() as conn:
        row = conn.execute(select(annotation).where(annotation.c.label_vi == "Kiểm tra <b>nhãn</b>")).mappings().one()
    assert row["created_by"] == "Phạm D" and row["day_from"] == date(2021, 6, 15)
    # The form is empty again, so a second click cannot add the same event twice.
    assert at.text_input(key="ev_new_label").value == ""


def test_trend_figure_draws_events_as_bands_and_lines_with_escaped_labels():
    days = [date(2021, 1, 1) + timedelta(days=i) for i in range(120)]
    frame = pl.DataFrame(
        {"day": days, "daily": [1] * 120, "cumulative": list(range(120)), "trajectory": [float(i) for i in range(120)], "goal": [500] * 120}
    )
    events = pl.DataFrame(
        {
            "day_from": [date(2021, 2, 10), date(2021, 2, 16), date(2021, 4, 1), date(2021, 7, 1), date(2021, 6, 1)],
            "day_to": [date(2021, 2, 16), date(2021, 3, 2), None, None, date(2021, 6, 30)],
            "label_vi": ["Tết Tân Sửu", "Hải Dương giãn cách", "<b>Mốc</b>", "Hạn chót 01/07/2021", "Sau ngày số liệu"],
            "kind": ["holiday", "disruption", "other", "deadline", "disruption"],
        }
    )
    as_of = days[-1]  # 30/04/2021
    fig = trend_figure(frame, title="T", unit="hồ sơ", as_of=as_of, deadline=date(2021, 7, 1), goal_label="500", events=events)
    texts = [a.text for a in fig.layout.annotations]
    assert "Hạn chót 01/07/2021" in texts and "Số liệu đến 30/04/2021" in texts  # the existing labels stay
    assert texts.count("Hạn chót 01/07/2021") == 1  # the deadline event is not drawn twice
    assert "Tết Tân Sửu" in texts and "Hải Dương giãn cách" in texts
    assert "&lt;b&gt;Mốc&lt;/b&gt;" in texts and "<b>Mốc</b>" not in texts  # typed text is never markup
    assert "Sau ngày số liệu" not in texts  # not known on the as-of date
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(bands) == 2 and bands[0].x0 == date(2021, 2, 10) and bands[0].x1 == date(2021, 2, 17)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 3  # deadline, as-of, and the one-day event
    # Tết and Hải Dương overlap in time: their labels go to different rows.
    shifts = {a.text: a.yshift for a in fig.layout.annotations if a.name and a.name.startswith("event:")}
    assert shifts["Tết Tân Sửu"] != shifts["Hải Dương giãn cách"]


def test_event_lanes_never_overlap_in_a_row():
    spans = [(0, 10), (5, 12), (11, 20), (12, 14), (21, 30), (0, 40)]
    lanes = event_lanes(spans)
    for lane in set(lanes):
        chosen = sorted(s for s, lane_ in zip(spans, lanes, strict=True) if lane_ == lane)
        assert all(a[1] <= b[0] for a, b in zip(chosen, chosen[1:]))
    assert lanes[:3] == [0, 1, 0]


def test_event_text_shortens_and_escapes():
    assert event_text("a < b & c") == "a &lt; b &amp; c"
    assert len(event_text("x" * 80)) == 40 and event_text("x" * 80).endswith("…")
