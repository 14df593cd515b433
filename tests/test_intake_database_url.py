"""The database URL and the SQLite file (issue 16, item 5): a read never creates a database file, a
folder that does not exist is an error (not a new folder), a malformed URL is one line and exit 2 from
the command line — and building a schema (init-db, demo, migrations) still creates what it needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

import settings
from cli import app
from db import migrate
from db.engine import DatabaseUnavailable, DatabaseUrlError, check_connection, make_engine

runner = CliRunner()
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_a_missing_sqlite_file_is_not_created_by_reading_it(tmp_path):
    path = tmp_path / "cccd.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(DatabaseUnavailable) as caught:
        check_connection(engine)
    assert caught.value.missing_file and "chưa được khởi tạo" in caught.value.message_vi
    assert not path.exists()
    migrate.upgrade(engine)  # building the schema is what creates it
    assert path.exists()
    check_connection(engine)
    engine.dispose()


def test_a_sqlite_file_in_a_missing_folder_is_an_error_not_a_new_folder(tmp_path):
    folder = tmp_path / "khong-co"
    with pytest.raises(DatabaseUrlError) as caught:
        make_engine(f"sqlite:///{folder / 'cccd.sqlite'}")
    assert str(folder) in caught.value.reason and "không tồn tại" in caught.value.message_vi
    assert not folder.exists()


def test_only_the_default_files_folder_is_made(tmp_path, monkeypatch):
    default = tmp_path / "data" / "cccd.sqlite"
    monkeypatch.setattr(settings, "DEFAULT_SQLITE_PATH", default)
    make_engine(f"sqlite:///{default}").dispose()
    assert default.parent.is_dir() and not default.exists()


@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql+psycopg://canbo:mat-khau@db:khong-phai-cong/cccd", "it cannot be parsed"),
        ("khong phai dia chi", "it cannot be parsed"),
        ("oracle+khong://canbo:mat-khau@db/cccd", "unknown driver 'oracle+khong'"),
    ],
)
def test_cli_malformed_database_url_is_one_line_and_exit_2(monkeypatch, url, reason):
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["batches"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"error: the database URL (DATABASE_URL, or [connections.cccd] url in .streamlit/secrets.toml) cannot be used: {reason}"
    ]
    assert "mat-khau" not in result.output


def test_cli_reading_a_missing_database_says_so_and_creates_nothing(monkeypatch, tmp_path):
    path = tmp_path / "cccd.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    for command in (["batches"], ["import", str(Path(__file__)), "--dry-run"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "no database at" in result.output and "init-db" in result.output, command
        assert not path.exists()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'khong-co' / 'cccd.sqlite'}")
    result = runner.invoke(app, ["init-db"])
    assert result.exit_code == 2 and "khong-co does not exist" in result.output and not (tmp_path / "khong-co").exists()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert runner.invoke(app, ["init-db"]).exit_code == 0 and path.exists()  # init-db creates the file it builds


def test_the_app_on_a_missing_database_file_says_not_initialised_and_creates_nothing(monkeypatch, tmp_path):
    path = tmp_path / "cccd.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception and "chưa được khởi tạo" in at.error[0].value
    assert not path.exists()


def test_the_app_on_an_unusable_url_shows_a_vietnamese_message(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'khong-co' / 'cccd.sqlite'}")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception and "Địa chỉ cơ sở dữ liệu không dùng được" in at.error[0].value
