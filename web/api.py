"""The HTTP API for provincial systems (/api/v1/…, docs/api.md): reports in, batches, rollback, progress out — as a token's account.

Every call: the bearer token is checked (401, one answer for every failure), the token's rate limit
applied (429; one bucket per token in the database, shared by every app process), the work done in a worker thread through the same functions as the pages and
cli.py (intake.load.import_report, db.rollback.rollback, queries.progress), and the call recorded
in the audit log under the token's account with the token's name. Answers are JSON (the progress
frame also as CSV); an unexpected error is a 500 with no details, logged on the server.

Over 400 lines on purpose: the five endpoints and the checks every one of them runs (token, rate
limit, size, audit, error answers) read together; the OpenAPI description is already its own module.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import PurePath

import polars as pl
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

import settings
from intake.problems import PROBLEMS_SHOWN
from db import audit, tokens
from db.access import AccessDenied, Role
from db.engine import DatabaseUnavailable
from db.schema import import_batch
from web.api_openapi import openapi_document
from web.auth_routes import client_of, engine

log = logging.getLogger("cccd.api")

PREFIX = "/api/v1"
CSV_TYPES = ("text/csv", "application/csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,128}$")
BATCH_KINDS = ("upload", "cli", "api", "rollback")
# Every path answers every method itself (405 as JSON), not with Starlette's plain-text refusal.
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


# --- answers ----------------------------------------------------------------------------------------


def _plain(value):
    """JSON-safe: dates as ISO text, non-finite numbers as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def answer(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(
        json.dumps(_plain(body), ensure_ascii=False, allow_nan=False), status_code=status, media_type="application/json", headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class ApiError(Exception):
    """A refusal with a stable code and messages for people (Vietnamese and English)."""

    def __init__(self, status: int, code: str, message_vi: str, message_en: str, *, headers: dict | None = None, **extra):
        super().__init__(message_en)
        self.status, self.code, self.message_vi, self.message_en = status, code, message_vi, message_en
        self.headers = headers
        self.extra = extra

    def response(self) -> Response:
        return answer({"error": self.code, "message_vi": self.message_vi, "message_en": self.message_en, **self.extra}, self.status, self.headers)


UNAUTHORIZED = ApiError(
    401,
    "unauthorized",
    "Thiếu mã API, mã không đúng, đã hết hạn hoặc đã bị thu hồi.",
    "The API token is missing, wrong, expired or revoked.",
    headers={"WWW-Authenticate": 'Bearer realm="cccd"'},
)
INTERNAL = ApiError(
    500,
    "internal_error",
    "Lỗi máy chủ. Không có gì được ghi thêm; thử lại sau hoặc báo quản trị hệ thống.",
    "Server error. Try again later or tell the system administrator.",
)
UNAVAILABLE = ApiError(
    503,
    "database_unavailable",
    "Không kết nối được cơ sở dữ liệu; thử lại sau.",
    "The database cannot be reached; try again later.",
    headers={"Retry-After": "30"},
)


def _bad_param(name: str, expected_vi: str, expected_en: str) -> ApiError:
    return ApiError(
        400, "bad_parameter", f"Tham số «{name}» không hợp lệ: {expected_vi}.", f"Parameter “{name}” is invalid: {expected_en}.", parameter=name
    )


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise _bad_param(name, "true hoặc false", "true or false")


# --- rate limit: a bucket per token, in the database (db.tokens.take_call) ----------------------------

_RATE_PER_MINUTE, _BURST = settings.api_rate()


def _take_call(token_id: int) -> float:
    """0 when the token may call now, else the seconds to wait; shared by every app process."""
    with engine().begin() as conn:
        return tokens.take_call(conn, token_id, per_minute=_RATE_PER_MINUTE, burst=_BURST, now=time.time())


# --- one call: token, rate limit, work, audit -------------------------------------------------------


@dataclass
class Outcome:
    response: Response
    province: str | None = None
    detail: dict | None = None


Handler = Callable[[Request, tokens.TokenCaller], Awaitable[Outcome]]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _record(found: tokens.TokenCaller, request: Request, status: int, province: str | None, detail: dict | None) -> None:
    """The call in the audit log (under the token's account, with the token's name) and the token's last use."""
    with engine().begin() as conn:
        audit.record(
            conn,
            found.actor,
            "api_call",
            province_code=province or found.actor.province_code,
            target=f"{request.method} {request.url.path}"[:255],
            client=client_of(request),
            detail={"token": found.token_name, "token_id": found.token_id, "status": status, **(detail or {})},
        )
        tokens.touch(conn, found)


def endpoint(handlers: dict[str, Handler]) -> Callable[[Request], Awaitable[Response]]:
    """One path: its handlers by method, each behind the token check, the rate limit, the audit record
    and the catch-all that keeps details out of answers."""

    async def serve(request: Request) -> Response:
        found: tokens.TokenCaller | None = None
        outcome = Outcome(INTERNAL.response())
        try:
            raw = _bearer(request)
            client = client_of(request)
            found = await run_in_threadpool(lambda: _caller(raw, client)) if raw else None
            if found is None:
                raise UNAUTHORIZED
            handler = handlers.get(request.method)
            if handler is None:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    "Phương thức không được hỗ trợ ở địa chỉ này.",
                    "Method not allowed here.",
                    headers={"Allow": ", ".join(handlers)},
                )
            token_id = found.token_id
            wait = await run_in_threadpool(lambda: _take_call(token_id))
            if wait:
                raise ApiError(
                    429,
                    "rate_limited",
                    "Gửi quá nhiều yêu cầu bằng mã API này; chờ rồi gửi lại.",
                    "Too many requests with this API token; wait and try again.",
                    headers={"Retry-After": str(math.ceil(wait))},
                )
            outcome = await handler(request, found)
        except ApiError as exc:
            outcome = Outcome(exc.response(), detail={"error": exc.code})
        except AccessDenied as exc:
            outcome = Outcome(
                answer({"error": "forbidden", "message_vi": exc.message_vi, "message_en": exc.message_en}, 403),
                detail={"error": "forbidden", "message": exc.message_vi[:500]},
            )
        except (DatabaseUnavailable, DBAPIError):
            log.exception("API %s %s: database error", request.method, request.url.path)
            outcome = Outcome(UNAVAILABLE.response(), detail={"error": "database"})
        except ClientDisconnect:
            return Response(status_code=400)
        except Exception:  # noqa: BLE001 - no stack trace leaves the server; the log keeps it
            log.exception("API %s %s failed", request.method, request.url.path)
            outcome = Outcome(INTERNAL.response(), detail={"error": "internal"})
        if found is not None:
            try:
                await run_in_threadpool(_record, found, request, outcome.response.status_code, outcome.province, outcome.detail)
            except Exception:  # noqa: BLE001 - the answer still goes out; the server log says the record is missing
                log.exception("API %s %s: audit record not written", request.method, request.url.path)
        return outcome.response

    return serve


def _caller(raw: str, client: str | None) -> tokens.TokenCaller | None:
    """The token's account, acting from the caller's address (so a report's audit record names it too)."""
    with engine().connect() as conn:
        found = tokens.caller(conn, raw)
    return None if found is None else replace(found, actor=replace(found.actor, client=client))


# --- POST /reports --------------------------------------------------------------------------------


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is larger than the upload page's limit."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> ApiError:
    from intake import problems

    problem = problems.make("file_too_large", name="(API)", size_mb=size / 2**20, limit_mb=limit // 2**20)
    return ApiError(413, "file_too_large", problem.detail_vi, problem.detail_en, problems=[_problem_json(problem)])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ApiError(400, "bad_json", "Mỗi ô phải là chữ, số hoặc null.", "Each cell must be a string, a number or null.")


def rows_to_csv(payload) -> bytes:
    """JSON rows (objects keyed by the template's column ids or headers, which name the same column) as
    the CSV the upload page reads: the same checks apply, and row N of the problems is rows[N - 2]."""
    rows = payload.get("rows") if isinstance(payload, dict) else payload
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ApiError(
            400, "bad_json", 'Nội dung JSON phải là {"rows": [ {cột: giá trị, …}, … ]}.', 'The JSON body must be {"rows": [ {column: value, …}, … ]}.'
        )
    from intake.spec import field_for_header

    keyed_rows, headers = [], {}
    for index, row in enumerate(rows):
        keyed = {}
        for key, value in row.items():
            column = field_for_header(str(key)) or str(key)  # a column id and its header are the same column
            if column in keyed:
                raise ApiError(
                    400, "bad_json", f"Dòng {index} (rows[{index}]) có cột «{column}» hai lần.", f"rows[{index}] has column “{column}” twice."
                )
            keyed[column] = value
        headers.update(dict.fromkeys(keyed))
        keyed_rows.append(keyed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if headers:
        writer.writerow(headers)
        for keyed in keyed_rows:
            writer.writerow(_cell(keyed.get(h)) for h in headers)
    return out.getvalue().encode("utf-8")


async def _report_payload(request: Request, limit: int) -> tuple[bytes, str, bool]:
    """(file bytes, file name, sent as JSON rows) from the body: CSV, XLSX, JSON rows or a multipart field `file`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    label = PurePath(request.query_params.get("filename") or "api").name[:200] or "api"
    if media == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=8, max_part_size=limit)
        except ApiError:
            raise
        except Exception:  # noqa: BLE001 - a malformed or oversized form
            raise ApiError(
                400, "bad_multipart", "Biểu mẫu gửi lên không đọc được hoặc quá lớn.", "The multipart form cannot be read or is too large."
            ) from None
        part = form.get("file")
        if part is None or isinstance(part, str):
            raise ApiError(400, "missing_file", "Cần trường «file» chứa tệp báo cáo.", "A form field “file” holding the report is needed.")
        data = await part.read(limit + 1)
        if len(data) > limit:
            raise _too_large(len(data), limit)
        return data, PurePath(part.filename or "report.csv").name[:200], False
    data = await _body(request, limit)
    if media in CSV_TYPES:
        return data, label if label.lower().endswith(".csv") else f"{label}.csv", False
    if media == XLSX_TYPE:
        return data, label if label.lower().endswith(".xlsx") else f"{label}.xlsx", False
    if media == "application/json":
        try:
            payload = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "bad_json", "Nội dung không phải JSON hợp lệ (UTF-8).", "The body is not valid JSON (UTF-8).") from None
        return rows_to_csv(payload), label if label.lower().endswith(".csv") else f"{label}.csv", True
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Loại nội dung «{media or 'không có'}» không được hỗ trợ: gửi text/csv, {XLSX_TYPE}, application/json hoặc multipart/form-data.",
        f"Content-Type “{media or 'none'}” is not supported: send text/csv, {XLSX_TYPE}, application/json or multipart/form-data.",
    )


def _problem_json(p, *, json_rows: bool = False) -> dict:
    out = {
        "code": p.code,
        "row": p.row,
        "column": p.column,
        "column_letter": p.letter,
        "header": p.header,
        "value": p.value,
        "where_vi": p.where("vi"),
        "where_en": p.where("en"),
        "message_vi": p.detail_vi,
        "message_en": p.detail_en,
    }
    if json_rows:
        out["index"] = None if p.row is None else p.row - 2  # position in "rows" (the header is row 1)
    return out


def import_answer(result, *, json_rows: bool) -> tuple[int, dict]:
    """HTTP status and body for an ImportResult: 201 stored, 200 unchanged or checked (dry run), 422 rejected."""
    from intake.summary import headline

    status = {"accepted": 201, "unchanged": 200, "dry_run": 200, "rejected": 422}[result.status]
    batch_id = result.batch_id if result.batch_id is not None else (result.duplicate_of or {}).get("id")
    stored = result.rows_new + result.rows_replaced if result.status == "accepted" else 0
    body = {
        "status": result.status,
        "batch_id": batch_id,
        "rows_stored": stored,
        "rows": result.rows,
        "rows_new": result.rows_new,
        "rows_replaced": result.rows_replaced,
        "rows_unchanged": result.rows_unchanged,
        # Later cumulative-report days restated to keep the cumulative they reported (docs/intake.md).
        "restated": [{"unit_code": code, "report_date": day} for code, day in result.restated],
        # Daily counts at or above all the unit reported before: likely cumulative counts (a warning; docs/intake.md).
        "suspect_cumulative": [
            {"row": row, "unit_code": unit, "count": count, "value": value, "stored_before": before}
            for row, unit, count, value, before in result.suspect_cumulative
        ],
        "units": result.units,
        "provinces": result.provinces,
        "date_from": result.date_from,
        "date_to": result.date_to,
        "value_type": result.value_type,
        "totals": result.totals,
        "filename": result.filename,
        "content_hash": result.content_hash,
        "duplicate_of": result.duplicate_of,
        "message_vi": headline(result, "vi"),
        "message_en": headline(result, "en"),
        # The first PROBLEMS_SHOWN (as the upload page and the CLI show them); the count says how many in all,
        # and problems_complete whether every check ran (false: "at least" that many).
        "problems": [_problem_json(p, json_rows=json_rows) for p in result.problems[:PROBLEMS_SHOWN]],
        "problem_count": result.problem_count,
        "problems_complete": result.problems_complete,
    }
    return status, body


async def post_report(request: Request, found: tokens.TokenCaller) -> Outcome:
    from intake.load import import_report

    dry_run, cumulative = _flag(request, "dry_run"), _flag(request, "cumulative")
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY_RE.match(key):
        raise _bad_param("Idempotency-Key", "1–128 ký tự ASCII in được, không có dấu cách", "1–128 printable ASCII characters, no spaces")
    data, filename, json_rows = await _report_payload(request, settings.load().max_upload_bytes)
    request_hash = hashlib.sha256(f"{dry_run}|{cumulative}|{json_rows}|".encode() + data).hexdigest()
    if key is not None:
        kept = await run_in_threadpool(_kept, found.token_id, key)
        if kept is not None:
            if kept.request_hash != request_hash:
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    "Idempotency-Key này đã dùng cho một báo cáo khác; dùng khóa mới cho báo cáo mới.",
                    "This Idempotency-Key was used for another report; use a new key for a new report.",
                )
            detail = {"idempotency_key": key, "replayed": True, "batch": kept.body.get("batch_id")}
            return Outcome(answer(kept.body, kept.status_code, {"Idempotent-Replayed": "true"}), detail=detail)
    result = await run_in_threadpool(
        lambda: import_report(engine(), data, filename, actor=found.actor, cumulative=cumulative, dry_run=dry_run, kind="api")
    )
    status, body = import_answer(result, json_rows=json_rows)
    if key is not None:
        await run_in_threadpool(_keep, found.token_id, key, request_hash, status, body)
    province = result.provinces[0] if len(result.provinces) == 1 else None
    detail = {
        "status": result.status,
        "batch": body["batch_id"],
        "rows": result.rows,
        "file": filename,
        "problems": len(result.problems),
        "dry_run": dry_run,
        **({"idempotency_key": key} if key else {}),
    }
    return Outcome(answer(body, status), province=province, detail=detail)


def _kept(token_id: int, key: str):
    with engine().connect() as conn:
        return tokens.kept_answer(conn, token_id, key)


def _keep(token_id: int, key: str, request_hash: str, status: int, body: dict) -> None:
    try:
        with engine().begin() as conn:
            tokens.keep_answer(conn, token_id, key, request_hash=request_hash, status_code=status, body=_plain(body))
    except IntegrityError:  # the same key sent twice at once: the first answer kept stands
        pass


# --- batches and rollback ---------------------------------------------------------------------------


def _int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise _bad_param(name, f"số nguyên từ {lo} đến {hi}", f"a whole number from {lo} to {hi}")
    return int(raw)


BATCH_FIELDS = ("id", "kind", "status", "source_name", "submitted_by", "received_at", "province_code", "row_count", "date_from", "date_to", "note")


def batches_for(actor, *, limit: int) -> list[dict]:
    """Newest first: a provincial account's own province's batches, everyone else's all (imports and rollbacks)."""
    stmt = (
        select(*[import_batch.c[c] for c in BATCH_FIELDS]).where(import_batch.c.kind.in_(BATCH_KINDS)).order_by(import_batch.c.id.desc()).limit(limit)
    )
    if actor.role is Role.province:
        stmt = stmt.where(import_batch.c.province_code == actor.province_code)
    with engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


async def get_batches(request: Request, found: tokens.TokenCaller) -> Outcome:
    limit = _int_param(request, "limit", 50, 1, 500)
    rows = await run_in_threadpool(batches_for, found.actor, limit=limit)
    return Outcome(answer({"batches": rows}), detail={"count": len(rows)})


async def post_rollback(request: Request, found: tokens.TokenCaller) -> Outcome:
    from db.rollback import RollbackError, rollback

    raw = request.path_params.get("batch_id", "")
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(404, "not_found", f"Không có lô «{raw[:40]}».", f"There is no batch “{raw[:40]}”.")
    batch_id = int(raw)
    try:
        done = await run_in_threadpool(lambda: rollback(engine(), batch_id, actor=found.actor))
    except RollbackError as exc:
        raise ApiError(404 if exc.code == "not_found" else 409, exc.code, exc.message_vi, exc.message_en) from None
    body = {
        "batch_id": done.batch_id,
        "rollback_batch_id": done.rollback_batch_id,
        "facts_removed": done.facts_removed,
        "facts_restored": done.facts_restored,
        "provinces": done.provinces,
        "message_vi": f"Đã hủy lô #{done.batch_id} (lô hủy #{done.rollback_batch_id}).",
        "message_en": f"Batch #{done.batch_id} rolled back (rollback batch #{done.rollback_batch_id}).",
    }
    return Outcome(
        answer(body),
        province=done.provinces[0] if len(done.provinces) == 1 else None,
        detail={"batch": batch_id, "undo_batch": done.rollback_batch_id},
    )


# --- progress -----------------------------------------------------------------------------------------

LEVELS = ("national", "region", "province", "district", "commune")
METRICS = ("applications_received", "cards_delivered", "records_verified")
DENOMINATORS = ("eligible", "target")


def _choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    if value not in choices:
        raise _bad_param(name, "một trong " + ", ".join(choices), "one of " + ", ".join(choices))
    return value


def progress_frame(*, level: str, as_of: date | None, metric: str, denominator: str, province: str | None) -> pl.DataFrame:
    """The frame of `cli.py export progress` (queries.export.progress_frames, every commune of the country
    when the level is commune and no province is given); `as_of` None: the last reported day."""
    from queries.dataset import dataset_info_of
    from queries.export import progress_frames

    with engine().connect() as conn:
        info = dataset_info_of(conn)
        if info.first_day is None:
            raise ApiError(409, "no_reports", "Chưa có báo cáo nào: chưa có số liệu tiến độ.", "No reports yet: no progress to show.")
        as_of = as_of or info.last_day or info.first_day
        if as_of < info.first_day:  # the pages' date picker starts there too
            raise _bad_param(
                "as_of",
                f"không trước ngày báo cáo đầu tiên {info.first_day:%d/%m/%Y}",
                f"not before the first report day {info.first_day.isoformat()}",
            )
        return pl.concat(
            list(progress_frames(conn, level=level, as_of=as_of, metric=metric, denominator=denominator, province=province)), how="vertical_relaxed"
        )


async def get_progress(request: Request, found: tokens.TokenCaller) -> Outcome:
    from queries.export import neutralise_formulas

    level = _choice(request, "level", LEVELS, "province")
    metric = _choice(request, "metric", METRICS, "applications_received")
    denominator = _choice(request, "denominator", DENOMINATORS, "eligible")
    fmt = _choice(request, "format", ("json", "csv"), "csv" if "text/csv" in request.headers.get("accept", "") else "json")
    raw_day = request.query_params.get("as_of") or ""
    try:
        as_of = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        raise _bad_param("as_of", "ngày dạng YYYY-MM-DD", "a date as YYYY-MM-DD") from None
    province = request.query_params.get("province") or None
    if province is not None and not re.fullmatch(r"\d{2}", province):
        raise _bad_param("province", "mã tỉnh 2 chữ số", "a 2-digit province code")
    frame = await run_in_threadpool(lambda: progress_frame(level=level, as_of=as_of, metric=metric, denominator=denominator, province=province))
    detail = {"level": level, "as_of": raw_day or None, "metric": metric, "format": fmt}
    if fmt == "csv":
        response = Response(neutralise_formulas(frame).write_csv(), media_type="text/csv; charset=utf-8", headers={"Cache-Control": "no-store"})
        return Outcome(response, province=province, detail=detail)
    shown_day = frame["as_of"][0] if "as_of" in frame.columns and frame.height else as_of  # later days are the last reported one
    body = {"level": level, "as_of": shown_day, "metric": metric, "denominator": denominator, "province": province, "rows": frame.to_dicts()}
    return Outcome(answer(body), province=province, detail=detail)


# --- the description, and everything else under /api/ ------------------------------------------------


async def openapi(request: Request) -> Response:
    return answer(openapi_document())


async def not_found(request: Request) -> Response:
    return answer(
        {
            "error": "not_found",
            "message_vi": "Không có địa chỉ API này (xem /api/v1/openapi.json).",
            "message_en": "No such API address (see /api/v1/openapi.json).",
        },
        404,
    )


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route(f"{PREFIX}/reports", endpoint({"POST": post_report}), methods=ALL_METHODS),
        Route(f"{PREFIX}/batches", endpoint({"GET": get_batches}), methods=ALL_METHODS),
        Route(f"{PREFIX}/batches/{{batch_id}}/rollback", endpoint({"POST": post_rollback}), methods=ALL_METHODS),
        Route(f"{PREFIX}/progress", endpoint({"GET": get_progress}), methods=ALL_METHODS),
        Route("/api/{rest:path}", not_found, methods=ALL_METHODS),
        Route("/api", not_found, methods=ALL_METHODS),
    ]
