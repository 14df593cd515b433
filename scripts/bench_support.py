"""What several benchmarks share: a scratch PostgreSQL database, and replacing their block in a docs page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on `server_url` for one run (its URL), dropped afterwards."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from db.engine import make_engine

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_block(doc: Path, begin: str, end: str, block: str) -> None:
    """Replace the text from `begin` to `end` (both included; `block` carries them) in `doc`; exactly one
    such block must be there, so a run never writes its figures twice or nowhere."""
    current = doc.read_text(encoding="utf-8")
    if current.count(begin) != 1 or current.count(end) != 1 or current.index(begin) > current.index(end):
        raise SystemExit(f"{doc} must hold exactly one {begin} … {end} block")
    start, stop = current.index(begin), current.index(end) + len(end)
    doc.write_text(current[:start] + block + current[stop:], encoding="utf-8")


def on_both_backends(measure, postgres: str | None, prefix: str) -> dict:
    """`measure(url)` on a scratch SQLite file and, with `postgres`, on a scratch PostgreSQL database:
    {"SQLite": …, "PostgreSQL": …}."""
    import tempfile

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(f"sqlite:///{folder}/{prefix}.sqlite")
    if postgres:
        with scratch_postgres(postgres, prefix) as url:
            results["PostgreSQL"] = measure(url)
    return results


def backend_arguments(doc: str, *, repeat: int):
    """The command line every database benchmark takes: --postgres, --repeat, --write."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is made and dropped")
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--write", action="store_true", help="replace the block in docs/benchmarks.md")
    return parser.parse_args()


def publish(block: str, *, write: bool, doc: Path, begin: str, end: str) -> None:
    """Print a benchmark's block and, with --write, put it in its place in the docs."""
    print(block)
    if write:
        write_block(doc, begin, end, block)
