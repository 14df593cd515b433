"""One place for configuration: database URL, report cut-off, data directory (env vars and secrets.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "cccd.sqlite"


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Reports received after this hour (local time) on the report day count as late.
    report_cutoff_hour: int = 17
    # Reports are rejected when larger than this (bytes).
    max_upload_bytes: int = 20 * 1024 * 1024


def _url_from_secrets(path: Path) -> str | None:
    """`url` under `[connections.cccd]` in .streamlit/secrets.toml, if the file exists."""
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data.get("connections", {}).get("cccd", {}).get("url")


def database_url() -> str:
    """DATABASE_URL wins, then secrets.toml, then the embedded SQLite file under data/."""
    url = os.environ.get("DATABASE_URL") or _url_from_secrets(SECRETS_FILE)
    if url:
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load() -> Settings:
    return Settings(
        database_url=database_url(),
        report_cutoff_hour=int(os.environ.get("CCCD_REPORT_CUTOFF_HOUR", "17")),
    )
