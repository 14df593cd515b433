"""The HTTP API against a running server (`streamlit run asgi.py` on 127.0.0.1, SQLite and PostgreSQL), with an
HTTP client: reports in (stored, visible on the next read, idempotent), every kind of bad report refused with its
row and column, another province refused whole, tokens refused when wrong, revoked or expired, concurrent
provinces, the documented curl examples run verbatim, and a bounded schemathesis run that finds no 500."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl
import pytest
from sqlalchemy import func, select

from db import tokens, users
from db.access import operator
from db.schema import audit_log, daily_fact, import_batch
from intake.problems import MESSAGES
from scripts import local_server
from tests.conftest import load_mini_country, migrated_engine, mini_reports

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
HEADER = "Ngày báo cáo,Mã tỉnh,Mã huyện,Mã xã,Số hồ sơ tiếp nhận,Số thẻ đã trả cho công dân,Số phiếu thu thập thông tin dân cư,Số bản ghi đã cập nhật vào CSDL"
PASSWORD = "mot-cum-tu-de-nho-2021"
FUZZ_EXAMPLES = int(os.environ.get("CCCD_FUZZ_EXAMPLES", "12"))  # derandomised: the same cases every run
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


class Api:
    """The running server, its database, and one token per caller."""

    def __init__(self, base: str, engine, raw: dict[str, str]):
        self.base, self.engine, self.raw = base, engine, raw
        self.client = httpx.Client(base_url=base, timeout=60)

    def call(self, method: str, path: str, who: str | None = None, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who:
            headers["Authorization"] = f"Bearer {self.raw[who]}"
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def send(self, who: str, body: bytes, *, params: dict | None = None, content_type: str = "text/csv", **kwargs) -> httpx.Response:
        return self.call("POST", "/reports", who, content=body, params=params, headers={"Content-Type": content_type, **kwargs})

    def written(self) -> tuple[int, int, int]:
        """(facts, batches, sum of applications) — to show that a refusal wrote nothing."""
        with self.engine.connect() as conn:
            return (
                conn.execute(select(func.count()).select_from(daily_fact)).scalar_one(),
                conn.execute(select(func.count()).select_from(import_batch)).scalar_one(),
                conn.execute(select(func.sum(daily_fact.c.applications_received))).scalar_one(),
            )

    def province_cumulative(self, who: str, code: str, as_of: str = "2021-06-20") -> int:
        rows = self.call("GET", "/progress", who, params={"level": "province", "as_of": as_of}).json()["rows"]
        return next(r["cumulative"] for r in rows if r["code"] == code)


def _accounts(engine) -> dict[str, str]:
    """Accounts and tokens: provinces 01 and 02, the data team, a viewer; a revoked, an expired and a
    disabled account's token."""
    op = operator("test")
    raw: dict[str, str] = {}
    with engine.begin() as conn:
        for name, role, province in (
            ("tinh01", "province", "01"),
            ("tinh02", "province", "02"),
            ("c06", "data_team", None),
            ("lanhdao", "viewer", None),
            ("nghiviec", "province", "01"),
        ):
            users.add_user(conn, op, username=name, display_name=f"Người {name}", role=role, province_code=province, password=PASSWORD)
            raw[name] = tokens.create_token(conn, op, username=name, name=f"he-thong-{name}")[1]
        raw["fuzz"] = tokens.create_token(conn, op, username="c06", name="fuzz")[1]
        revoked_id, raw["revoked"] = tokens.create_token(conn, op, username="tinh01", name="cu")
        tokens.revoke_token(conn, op, revoked_id)
        raw["expired"] = tokens.create_token(conn, op, username="tinh01", name="het-han", days=1, now=datetime.now() - timedelta(days=2))[1]
        users.set_active(conn, op, "nghiviec", False)
    return raw


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory):
    with migrated_engine(request.param, tmp_path_factory.mktemp(f"api-{request.param}")) as engine:
        with engine.begin() as conn:
            load_mini_country(conn)
            facts, batches = mini_reports()
            from db import store

            store.write_reports(conn, facts, batches)
        raw = _accounts(engine)
        url = engine.url.render_as_string(hide_password=False)
        ARTIFACTS.mkdir(exist_ok=True)
        env = {"CCCD_API_RATE_PER_MINUTE": "100000", "CCCD_API_BURST": "100000", "CCCD_PUBLIC_READ": "0"}
        with local_server.streamlit_server(url, log=ARTIFACTS / f"server-api-{request.param}.log", env=env, start_timeout=120) as base:
            client = Api(base, engine, raw)
            yield client
            client.client.close()


# --- tokens ---------------------------------------------------------------------------------------------


def test_description_is_served_without_a_token(api):
    doc = api.client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and set(doc["paths"]) == {
        "/api/v1/reports",
        "/api/v1/batches",
        "/api/v1/batches/{batch_id}/rollback",
        "/api/v1/progress",
    }


@pytest.mark.parametrize("who", [None, "garbage", "unknown", "revoked", "expired", "nghiviec"])
def test_a_wrong_token_gets_401_without_saying_why(api, who):
    headers = {}
    if who == "garbage":
        headers["Authorization"] = "Bearer not-a-token"
    elif who == "unknown":
        headers["Authorization"] = "Bearer cccd_" + "A" * 43
    elif who:
        headers["Authorization"] = f"Bearer {api.raw[who]}"
    before = api.written()
    for method, path in (("GET", "/batches"), ("POST", "/reports"), ("GET", "/progress"), ("POST", "/batches/1/rollback")):
        r = api.client.request(
            method,
            f"/api/v1{path}",
            headers={**headers, "Content-Type": "text/csv"},
            content=csv_of("16/06/2021,01,001,00001,1,1,1,1") if method == "POST" else None,
        )
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json() == {
            "error": "unauthorized",
            "message_vi": "Thiếu mã API, mã không đúng, đã hết hạn hoặc đã bị thu hồi.",
            "message_en": "The API token is missing, wrong, expired or revoked.",
        }
    assert api.written() == before


# --- reports in -----------------------------------------------------------------------------------------


def test_a_good_report_is_stored_visible_and_idempotent(api):
    before = api.province_cumulative("tinh01", "01", "2021-06-16")
    body = csv_of("16/06/2021,01,001,00001,11,1,1,1", "16/06/2021,01,001,00002,22,1,1,1")
    first = api.send("tinh01", body, params={"filename": "bac-ninh-16-06.csv"})
    assert first.status_code == 201, first.text
    answer = first.json()
    assert answer["status"] == "accepted" and answer["rows_stored"] == 2 and answer["problems"] == []
    assert answer["message_vi"].startswith("Đã nhập tệp „bac-ninh-16-06.csv“: lô #")
    # the next read sees it
    assert api.province_cumulative("tinh01", "01", "2021-06-16") == before + 33
    # the same report again: the same batch, nothing counted twice
    again = api.send("tinh01", body, params={"filename": "bac-ninh-16-06.csv"})
    assert again.status_code == 200 and again.json()["status"] == "unchanged" and again.json()["batch_id"] == answer["batch_id"]
    assert api.province_cumulative("tinh01", "01", "2021-06-16") == before + 33
    with api.engine.connect() as conn:
        digest = hashlib.sha256(body).hexdigest()
        assert conn.execute(select(func.count()).select_from(import_batch).where(import_batch.c.content_hash == digest)).scalar_one() == 1
        batch = conn.execute(select(import_batch).where(import_batch.c.id == answer["batch_id"])).one()
        calls = conn.execute(
            select(audit_log).where(audit_log.c.action == "api_call", audit_log.c.actor == "tinh01").order_by(audit_log.c.id.desc()).limit(2)
        ).all()
        imported = conn.execute(
            select(audit_log).where(audit_log.c.action == "report_import", audit_log.c.target == f"batch #{answer['batch_id']}")
        ).one()
    assert batch.submitted_by == "Người tinh01 (API «he-thong-tinh01»)" and batch.province_code == "01"
    assert (imported.actor, imported.client) == ("tinh01", "127.0.0.1")  # the caller's address, as on the call's own record
    assert calls[0].client == "127.0.0.1"
    assert [json.loads(c.detail)["token"] for c in calls] == ["he-thong-tinh01"] * 2
    assert json.loads(calls[1].detail)["batch"] == answer["batch_id"] and calls[1].target == "POST /api/v1/reports"


def test_json_rows_xlsx_and_multipart_take_the_same_checks(api):
    rows = [
        {
            "report_date": "2021-06-17",
            "province_code": "02",
            "district_code": "002",
            "commune_code": "00003",
            "applications_received": 4,
            "cards_delivered": 1,
            "records_collected": 1,
            "records_verified": 1,
        },
        {
            "Ngày báo cáo": "18/06/2021",
            "Mã tỉnh": "02",
            "Mã huyện": "002",
            "Mã xã": "00003",
            "Số hồ sơ tiếp nhận": "bốn",
            "Số thẻ đã trả cho công dân": 1,
            "Số phiếu thu thập thông tin dân cư": 1,
            "Số bản ghi đã cập nhật vào CSDL": 1,
        },
    ]
    bad = api.call("POST", "/reports", "tinh02", json={"rows": rows})
    assert bad.status_code == 422
    problems = bad.json()["problems"]
    assert any(p["code"] == "not_numeric" and p["index"] == 1 and p["row"] == 3 and p["value"] == "bốn" for p in problems), problems
    good = api.call("POST", "/reports", "tinh02", json={"rows": rows[:1]}, params={"dry_run": "true"})
    assert good.status_code == 200 and good.json()["status"] == "dry_run" and good.json()["rows_stored"] == 0
    # XLSX as the body, and a multipart field "file"
    book = io.BytesIO()
    pl.DataFrame(
        {
            "Ngày báo cáo": ["17/06/2021"],
            "Mã tỉnh": ["02"],
            "Mã huyện": ["002"],
            "Mã xã": ["00003"],
            "Số hồ sơ tiếp nhận": [4],
            "Số thẻ đã trả cho công dân": [1],
            "Số phiếu thu thập thông tin dân cư": [1],
            "Số bản ghi đã cập nhật vào CSDL": [1],
        }
    ).write_excel(book)
    xlsx = api.send("tinh02", book.getvalue(), content_type=XLSX, params={"dry_run": "true"})
    assert xlsx.status_code == 200 and xlsx.json()["status"] == "dry_run", xlsx.text
    form = api.call("POST", "/reports", "tinh02", files={"file": ("b.csv", csv_of("17/06/2021,02,002,00003,x,1,1,1"), "text/csv")})
    assert form.status_code == 422 and form.json()["problems"][0]["code"] == "not_numeric"


H8 = HEADER.split(",")
GOOD_ROW = "16/06/2021,03,003,00004,3,1,1,1"
CASES = [
    # (id, body, content type, params, code, row, column)
    ("file_empty", b"", "text/csv", {}, "file_empty", None, None),
    ("header_only", csv_of(), "text/csv", {}, "header_only", None, None),
    ("file_encoding", csv_of("16/06/2021,03,003,00004,3,1,1,1").decode().encode("cp1258", "replace"), "text/csv", {}, "file_encoding", None, None),
    ("file_type", b"\x00\x01\x02binary", "text/csv", {}, "file_type", None, None),
    ("file_xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, XLSX, {}, "file_xls", None, None),
    ("file_unreadable", b"PK\x03\x04 not really a workbook", XLSX, {}, "file_unreadable", None, None),
    ("missing_column", csv_of("16/06/2021,03,003,00004,3,1,1", header=",".join(H8[:7])), "text/csv", {}, "missing_column", 1, "records_verified"),
    ("unknown_column", csv_of(GOOD_ROW + ",x", header=HEADER + ",Ghi chú"), "text/csv", {}, "unknown_column", 1, "Ghi chú"),
    ("duplicate_column", csv_of(GOOD_ROW + ",03", header=HEADER + ",Mã tỉnh"), "text/csv", {}, "duplicate_column", 1, "province_code"),
    ("required", csv_of("16/06/2021,03,003,00004,,1,1,1"), "text/csv", {}, "required", 2, "applications_received"),
    ("date_format", csv_of("31/02/2021,03,003,00004,3,1,1,1"), "text/csv", {}, "date_format", 2, "report_date"),
    ("date_future", csv_of("01/01/2099,03,003,00004,3,1,1,1"), "text/csv", {}, "date_future", 2, "report_date"),
    ("date_too_early", csv_of("01/01/2019,03,003,00004,3,1,1,1"), "text/csv", {}, "date_too_early", 2, "report_date"),
    ("code_format", csv_of(GOOD_ROW, "16/06/2021,0x,003,00005,3,1,1,1"), "text/csv", {}, "code_format", 3, "province_code"),
    ("unknown_province", csv_of("16/06/2021,09,003,00004,3,1,1,1"), "text/csv", {}, "unknown_province", 2, "province_code"),
    ("unknown_district", csv_of("16/06/2021,03,009,00004,3,1,1,1"), "text/csv", {}, "unknown_district", 2, "district_code"),
    ("unknown_commune", csv_of("16/06/2021,03,003,00009,3,1,1,1"), "text/csv", {}, "unknown_commune", 2, "commune_code"),
    ("district_not_in_province", csv_of("16/06/2021,03,002,00003,3,1,1,1"), "text/csv", {}, "district_not_in_province", 2, "district_code"),
    ("commune_not_in_district", csv_of("16/06/2021,03,003,00003,3,1,1,1"), "text/csv", {}, "commune_not_in_district", 2, "commune_code"),
    ("not_numeric", csv_of(GOOD_ROW, "16/06/2021,03,003,00005,3,1,ba,1"), "text/csv", {}, "not_numeric", 3, "records_collected"),
    ("negative", csv_of("16/06/2021,03,003,00004,3,-1,1,1"), "text/csv", {}, "negative", 2, "cards_delivered"),
    ("fractional", csv_of("16/06/2021,03,003,00004,3,1,1,1.5"), "text/csv", {}, "fractional", 2, "records_verified"),
    ("too_large", csv_of("16/06/2021,03,003,00004,999999,1,1,1"), "text/csv", {}, "too_large", 2, "applications_received"),
    ("duplicate_row", csv_of(GOOD_ROW, GOOD_ROW), "text/csv", {}, "duplicate_row", 3, None),
    ("value_type_unknown", csv_of(GOOD_ROW + ",abc", header=HEADER + ",Loại số liệu"), "text/csv", {}, "value_type_unknown", 2, "value_type"),
    (
        "value_type_mixed",
        csv_of(GOOD_ROW + ",theo ngày", "16/06/2021,03,003,00005,3,1,1,1,lũy kế", header=HEADER + ",Loại số liệu"),
        "text/csv",
        {},
        "value_type_mixed",
        3,
        "value_type",
    ),
    (
        "value_type_conflict",
        csv_of(GOOD_ROW + ",theo ngày", header=HEADER + ",Loại số liệu"),
        "text/csv",
        {"cumulative": "true"},
        "value_type_conflict",
        2,
        "value_type",
    ),
    (
        "cumulative_decrease",
        csv_of("16/06/2021,03,003,00004,900,1,1,1", "17/06/2021,03,003,00004,800,1,1,1"),
        "text/csv",
        {"cumulative": "true"},
        "cumulative_decrease",
        3,
        "applications_received",
    ),
    (
        "cumulative_below_stored",
        csv_of("16/06/2021,03,003,00004,5,500,500,500"),
        "text/csv",
        {"cumulative": "true"},
        "cumulative_below_stored",
        2,
        "applications_received",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_bad_report_is_422_with_its_row_and_column(api, case):
    _, body, content_type, params, code, row, column = case
    assert code in MESSAGES
    before = api.written()
    r = api.send("c06", body, params=params, content_type=content_type)
    assert r.status_code == 422, r.text
    answer = r.json()
    assert answer["status"] == "rejected" and answer["batch_id"] is None and answer["rows_stored"] == 0
    found = [p for p in answer["problems"] if p["code"] == code]
    assert found, answer["problems"]
    p = found[0]
    assert (p["row"], p["column"]) == (row, column) if column is not None else p["row"] == row
    assert p["message_vi"] and p["message_en"] and p["message_vi"] != p["message_en"]
    assert api.written() == before


def test_a_body_over_the_upload_limit_is_413(api):
    import settings

    limit = settings.load().max_upload_bytes
    before = api.written()
    r = api.send("c06", csv_of() + b"9" * limit)
    assert r.status_code == 413 and r.json()["error"] == "file_too_large"
    assert "MB" in r.json()["message_vi"]
    assert api.written() == before


def test_unsupported_body_bad_parameters_and_methods_are_json(api):
    assert api.send("c06", b"{}", content_type="application/xml").status_code == 415
    assert api.call("POST", "/reports", "c06", content=b"{not json", headers={"Content-Type": "application/json"}).json()["error"] == "bad_json"
    assert api.call("POST", "/reports", "c06", json=[1, 2]).status_code == 400
    assert api.send("c06", csv_of(GOOD_ROW), params={"dry_run": "perhaps"}).json()["parameter"] == "dry_run"
    for params in ({"level": "planet"}, {"as_of": "2021-13-01"}, {"province": "1"}, {"format": "xml"}):
        r = api.call("GET", "/progress", "c06", params=params)
        assert r.status_code == 400 and r.headers["content-type"] == "application/json", (params, r.text)
    r = api.call("DELETE", "/batches", "c06")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
    assert api.call("GET", "/nothing-here", "c06").json()["error"] == "not_found"


def test_another_province_is_refused_whole_and_nothing_is_written(api):
    before = api.written()
    mixed = csv_of("19/06/2021,01,001,00001,1,1,1,1", "19/06/2021,02,002,00003,1,1,1,1")
    for params in ({}, {"dry_run": "true"}):
        r = api.send("tinh01", mixed, params=params)
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "forbidden" and "chỉ được nhập báo cáo của tỉnh mình" in r.json()["message_vi"]
    viewer = api.send("lanhdao", csv_of("19/06/2021,01,001,00001,1,1,1,1"))
    assert viewer.status_code == 403
    assert api.written() == before
    # Each refusal is in the audit log with what the caller was told.
    with api.engine.connect() as conn:
        calls = conn.execute(select(audit_log).where(audit_log.c.action == "api_call").order_by(audit_log.c.id.desc()).limit(3)).all()
    refusals = [json.loads(c.detail) for c in calls]
    assert [r["status"] for r in refusals] == [403] * 3 and [c.actor for c in calls] == ["lanhdao", "tinh01", "tinh01"]
    assert "không được nhập báo cáo" in refusals[0]["message"] and "chỉ được nhập báo cáo của tỉnh mình" in refusals[1]["message"]


def test_idempotency_key_replays_the_first_answer(api):
    body = csv_of("20/06/2021,03,003,00005,7,1,1,1")
    first = api.send("c06", body, **{"Idempotency-Key": "lan-gui-2021-06-20"})
    assert first.status_code == 201
    after = api.written()
    again = api.send("c06", body, **{"Idempotency-Key": "lan-gui-2021-06-20"})
    assert again.status_code == 201 and again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert api.written() == after
    other = api.send("c06", csv_of("20/06/2021,03,003,00005,8,1,1,1"), **{"Idempotency-Key": "lan-gui-2021-06-20"})
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    assert api.written() == after
    assert api.send("c06", body, **{"Idempotency-Key": "co dau cach"}).status_code == 400


def test_a_late_cumulative_day_restates_the_later_one_and_the_answer_says_so(api):
    counts = [daily_fact.c[c] for c in ("applications_received", "cards_delivered", "records_collected", "records_verified")]

    def cumulative(until: date) -> list[int]:
        with api.engine.connect() as conn:
            row = conn.execute(
                select(*[func.coalesce(func.sum(c), 0) for c in counts]).where(daily_fact.c.unit_code == "00002", daily_fact.c.report_date <= until)
            ).one()
        return [int(v) for v in row]

    base = cumulative(date(2021, 6, 24))

    def cumulative_row(day: str, plus: int) -> str:
        return f"{day},01,001,00002," + ",".join(str(b + plus) for b in base) + ",lũy kế"

    header = HEADER + ",Loại số liệu"
    later = api.send("tinh01", csv_of(cumulative_row("27/06/2021", 50), header=header), params={"filename": "luy-ke-27-06.csv"})
    assert later.status_code == 201, later.text
    assert later.json()["restated"] == []
    earlier = api.send("tinh01", csv_of(cumulative_row("25/06/2021", 20), header=header), params={"filename": "luy-ke-25-06.csv"})
    assert earlier.status_code == 201, earlier.text
    assert earlier.json()["restated"] == [{"unit_code": "00002", "report_date": "2021-06-27"}]
    # 27/06 keeps the cumulative it reported; 25/06 holds the late file's.
    assert cumulative(date(2021, 6, 27)) == [b + 50 for b in base]
    assert cumulative(date(2021, 6, 25)) == [b + 20 for b in base]


def test_batches_and_rollback_keep_to_the_province(api):
    sent = api.send("tinh02", csv_of("19/06/2021,02,002,00003,6,1,1,1"))
    assert sent.status_code == 201, sent.text
    batch = sent.json()["batch_id"]
    own = api.call("GET", "/batches", "tinh01", params={"limit": 500}).json()["batches"]
    assert own and {b["province_code"] for b in own} == {"01"}
    everyone = api.call("GET", "/batches", "c06", params={"limit": 500}).json()["batches"]
    assert {"01", "02", "03"} <= {b["province_code"] for b in everyone}
    before = api.written()
    refused = api.call("POST", f"/batches/{batch}/rollback", "tinh01")
    assert refused.status_code == 403 and api.written() == before
    done = api.call("POST", f"/batches/{batch}/rollback", "tinh02")
    assert done.status_code == 200 and done.json()["facts_removed"] == 1
    assert api.call("POST", f"/batches/{batch}/rollback", "tinh02").status_code == 409
    assert api.call("POST", "/batches/999999/rollback", "c06").status_code == 404
    rolled = next(b for b in api.call("GET", "/batches", "tinh02").json()["batches"] if b["id"] == batch)
    assert rolled["status"] == "rolled_back"


def test_two_provinces_at_the_same_moment_are_both_stored(api):
    before = {code: api.province_cumulative("c06", code, "2021-06-21") for code in ("01", "02", "03")}
    bodies = {
        "tinh01": csv_of("21/06/2021,01,001,00001,100,1,1,1", "21/06/2021,01,001,00002,200,1,1,1"),
        "tinh02": csv_of("21/06/2021,02,002,00003,300,1,1,1"),
        "c06": csv_of("21/06/2021,03,003,00004,40,1,1,1", "21/06/2021,03,003,00005,50,1,1,1"),
    }
    start = threading.Barrier(len(bodies))
    answers: dict[str, httpx.Response] = {}

    def send(who: str) -> None:
        with httpx.Client(base_url=api.base, timeout=60) as client:
            start.wait()
            answers[who] = client.post(
                "/api/v1/reports", content=bodies[who], headers={"Authorization": f"Bearer {api.raw[who]}", "Content-Type": "text/csv"}
            )

    threads = [threading.Thread(target=send, args=(who,)) for who in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {who: r.status_code for who, r in answers.items()} == dict.fromkeys(bodies, 201)
    assert len({r.json()["batch_id"] for r in answers.values()}) == 3
    after = {code: api.province_cumulative("c06", code, "2021-06-21") for code in ("01", "02", "03")}
    assert {c: after[c] - before[c] for c in after} == {"01": 300, "02": 300, "03": 90}


def test_progress_is_the_export_frame_as_json_or_csv(api):
    params = {"level": "province", "as_of": "2021-06-15", "metric": "applications_received", "denominator": "target"}
    as_json = api.call("GET", "/progress", "lanhdao", params=params).json()
    as_csv = api.call("GET", "/progress", "lanhdao", params={**params, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.StringIO(as_csv.text), schema_overrides={"code": pl.String})
    assert frame["code"].to_list() == [r["code"] for r in as_json["rows"]]
    assert frame["cumulative"].to_list() == [r["cumulative"] for r in as_json["rows"]]
    assert list(as_json["rows"][0])[:4] == ["code", "name", "cumulative", "denominator"]
    from queries.export import progress_csv

    with api.engine.connect() as conn:
        assert as_csv.text == progress_csv(
            conn, level="province", as_of=datetime(2021, 6, 15).date(), metric="applications_received", denominator="target"
        )


def test_progress_of_every_commune_of_the_country_is_the_cli_export(api):
    """level=commune without a province: every commune, province by province, as `cli.py export progress`."""
    from queries.export import progress_csv

    as_csv = api.call("GET", "/progress", "lanhdao", params={"level": "commune", "as_of": "2021-06-15", "format": "csv"})
    as_json = api.call("GET", "/progress", "lanhdao", params={"level": "commune", "as_of": "2021-06-15"}).json()
    with api.engine.connect() as conn:
        expected = progress_csv(conn, level="commune", as_of=datetime(2021, 6, 15).date(), metric="applications_received", denominator="eligible")
    assert as_csv.status_code == 200 and as_csv.text == expected
    assert [r["code"] for r in as_json["rows"]] == pl.read_csv(io.StringIO(expected), schema_overrides={"code": pl.String})["code"].to_list()
    assert "reported_at_district" in as_json["rows"][0]


# --- docs/api.md: its curl examples, run as written --------------------------------------------------


def doc_examples() -> list[str]:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if "curl" in b]


def test_the_curl_examples_in_docs_api_md_run_as_written(api, tmp_path):
    examples = doc_examples()
    assert len(examples) >= 5
    env = {**os.environ, "CCCD_API": api.base, "TOKEN": api.raw["tinh01"]}
    for block in examples:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert json.loads((tmp_path / "ket-qua.json").read_text())["status"] == "accepted"
    problems = json.loads((tmp_path / "loi.json").read_text())["problems"]
    assert [(p["code"], p["row"], p["column"]) for p in problems] == [("date_format", 2, "report_date"), ("not_numeric", 2, "applications_received")]
    assert "tien-do.csv" in os.listdir(tmp_path)


# --- fuzz: schemathesis against the description finds no server error ------------------------------


def test_schemathesis_finds_no_server_error(api):
    import schemathesis
    from hypothesis import HealthCheck, given, settings as hsettings

    @schemathesis.serializer("text/csv")
    def _csv(ctx, value):
        return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)

    @schemathesis.serializer(XLSX)
    def _xlsx(ctx, value):
        return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")

    schema = schemathesis.openapi.from_url(f"{api.base}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {api.raw['fuzz']}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hsettings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=api.base, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append((operation.label, response.status_code, response.text[:300]))
            assert "Traceback" not in response.text

        run()
    assert failures == []


def test_a_report_with_endless_problems_answers_the_first_ones_and_the_count(api):
    """As on the upload page and the CLI: the first 1,000 problems, and how many there are in all."""
    from intake.problems import PROBLEMS_SHOWN
    from scripts import hostile_files

    before = api.written()
    r = api.send("c06", hostile_files.all_bad_csv(200))  # 1,800 problems
    body = r.json()
    assert r.status_code == 422 and len(body["problems"]) == PROBLEMS_SHOWN
    assert body["problem_count"] == 1_800 and body["problems_complete"] is True
    assert api.written() == before
