"""The API's machine-readable description (OpenAPI 3.0, served at /api/v1/openapi.json); docs/api.md is the page for people."""

from __future__ import annotations

from functools import lru_cache

from intake.spec import FIELDS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _flag(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": {"type": "boolean", "default": False}}


_COMMON_ERRORS = {
    "400": _error("Tham số sai / bad parameter"),
    "401": _error("Thiếu mã API, sai, hết hạn hoặc bị thu hồi / missing, wrong, expired or revoked token"),
    "429": _error("Quá nhiều yêu cầu / rate limited (Retry-After)"),
    "500": _error("Lỗi máy chủ, không kèm chi tiết / server error, no details"),
    "503": _error("Không kết nối được cơ sở dữ liệu / database unavailable"),
}


def _cell_schema(kind: str) -> dict:
    if kind == "count":
        return {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string"}], "nullable": True}
    return {"type": "string", "nullable": True}


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    row = {
        "type": "object",
        "description": "Một dòng báo cáo: khóa là mã cột (report_date, …) hoặc tiêu đề cột của mẫu (Ngày báo cáo, …).",
        "properties": {f.id: {**_cell_schema(f.kind), "description": f"{f.label_vi} — {f.label_en}"} for f in FIELDS},
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True},
    }
    problem = {
        "type": "object",
        "required": ["code", "row", "column", "message_vi", "message_en"],
        "properties": {
            "code": {"type": "string", "description": "stable problem code (intake/problems.py)"},
            "row": {"type": "integer", "nullable": True, "description": "spreadsheet row (header = 1); null: the whole file"},
            "index": {"type": "integer", "nullable": True, "description": "JSON input only: position in rows"},
            "column": {"type": "string", "nullable": True, "description": "canonical column id, or the header of an unknown column"},
            "column_letter": {"type": "string", "nullable": True},
            "header": {"type": "string", "nullable": True},
            "value": {"type": "string", "nullable": True},
            "where_vi": {"type": "string"},
            "where_en": {"type": "string"},
            "message_vi": {"type": "string"},
            "message_en": {"type": "string"},
        },
    }
    result = {
        "type": "object",
        "required": ["status", "batch_id", "rows_stored", "problems", "message_vi", "message_en"],
        "properties": {
            "status": {"type": "string", "enum": ["accepted", "unchanged", "dry_run", "rejected"]},
            "batch_id": {"type": "integer", "nullable": True},
            "rows_stored": {"type": "integer"},
            "rows": {"type": "integer"},
            "rows_new": {"type": "integer"},
            "rows_replaced": {"type": "integer"},
            "rows_unchanged": {"type": "integer"},
            "restated": {
                "type": "array",
                "description": "later days reported as cumulative counts whose daily counts this file restated, so that each keeps the cumulative it reported",
                "items": {
                    "type": "object",
                    "properties": {"unit_code": {"type": "string"}, "report_date": {"type": "string", "format": "date"}},
                },
            },
            "suspect_cumulative": {
                "type": "array",
                "description": "a warning, the file is stored: rows of a daily file whose count is at or above all the unit "
                "reported before (at least 200) — most likely running totals; roll the batch back and send it as cumulative if so",
                "items": {
                    "type": "object",
                    "properties": {
                        "row": {"type": "integer"},
                        "unit_code": {"type": "string"},
                        "count": {"type": "string"},
                        "value": {"type": "integer"},
                        "stored_before": {"type": "integer"},
                    },
                },
            },
            "provinces": {"type": "array", "items": {"type": "string"}},
            "message_vi": {"type": "string"},
            "message_en": {"type": "string"},
            "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
        },
    }
    report_errors = {k: v for k, v in _COMMON_ERRORS.items()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tiến độ CCCD gắn chip — API cho hệ thống của các tỉnh",
            "version": "1",
            "description": "Gửi báo cáo, xem và hủy lô, lấy số liệu tiến độ. Xác thực: Authorization: Bearer <mã API>. Xem docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "cccd_… (cli.py tokens create)"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message_vi", "message_en"],
                    "properties": {"error": {"type": "string"}, "message_vi": {"type": "string"}, "message_en": {"type": "string"}},
                },
                "Problem": problem,
                "ImportResult": result,
                "Rows": {"type": "object", "required": ["rows"], "properties": {"rows": {"type": "array", "items": row}}},
            },
        },
        "paths": {
            "/api/v1/reports": {
                "post": {
                    "operationId": "postReport",
                    "summary": "Gửi một báo cáo (kiểm tra như trang Nhập báo cáo và cli.py import)",
                    "parameters": [
                        _flag("dry_run", "chỉ kiểm tra, không ghi / check only"),
                        _flag("cumulative", "số liệu lũy kế / cumulative counts"),
                        {
                            "name": "filename",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "tên tệp ghi vào lô / the name kept with the batch",
                        },
                        {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "pattern": "^[!-~]{1,128}$"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            XLSX: {"schema": {"type": "string", "format": "binary"}},
                            "application/json": {"schema": {"$ref": "#/components/schemas/Rows"}},
                            "multipart/form-data": {
                                "schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
                            },
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Đã ghi: một lô mới / stored as a new batch",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImportResult"}}},
                        },
                        "200": {
                            "description": "Không đổi (lô cũ) hoặc chạy thử / unchanged (earlier batch) or dry run",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImportResult"}}},
                        },
                        "403": _error("Tỉnh khác hoặc vai trò không được nhập / another province or role; nothing written"),
                        "413": _error("Quá giới hạn dung lượng / body over the upload limit"),
                        "415": _error("Loại nội dung không hỗ trợ / unsupported Content-Type"),
                        "422": {
                            "description": "Báo cáo bị từ chối, không ghi gì / rejected, nothing written",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImportResult"}}},
                        },
                        **report_errors,
                    },
                }
            },
            "/api/v1/batches": {
                "get": {
                    "operationId": "listBatches",
                    "summary": "Các lô mới nhất (tài khoản tỉnh: của tỉnh mình)",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "batches",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": {"batches": {"type": "array", "items": {"type": "object"}}}}
                                }
                            },
                        },
                        **_COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/batches/{batch_id}/rollback": {
                "post": {
                    "operationId": "rollbackBatch",
                    "summary": "Hủy một lô (giá trị nó thay thế được khôi phục)",
                    "parameters": [{"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {
                        "200": {"description": "rolled back", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "403": _error("không được hủy lô của tỉnh khác / another province's batch"),
                        "404": _error("không có lô này / no such batch"),
                        "409": _error("đã hủy, hoặc không hủy được / already rolled back or not a report batch"),
                        **_COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/progress": {
                "get": {
                    "operationId": "progress",
                    "summary": "Tiến độ theo đơn vị — cùng bảng với cli.py export progress",
                    "parameters": [
                        {
                            "name": "level",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["national", "region", "province", "district", "commune"]},
                        },
                        {"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"}},
                        {
                            "name": "metric",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["applications_received", "cards_delivered", "records_verified"]},
                        },
                        {"name": "denominator", "in": "query", "schema": {"type": "string", "enum": ["eligible", "target"]}},
                        {"name": "province", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{2}$"}},
                        {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}},
                    ],
                    "responses": {
                        "200": {
                            "description": "one row per unit",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "object"}}}}
                                },
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        **_COMMON_ERRORS,
                    },
                }
            },
        },
    }
