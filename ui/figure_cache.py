"""Built figures shared by every session of this process (issue 15: what a new visitor costs).

Building a Plotly figure (plotly's property validation) was about a fifth of a page's server CPU per new
session, for figures that only change when the data or the question changes. `shared(build, *args,
**kwargs)` returns `build(*args, **kwargs)`, built once per process for equal arguments:

- a polars frame by its content (schema, height and a hash of every row), so a new batch, another
  database or another as-of date is a new figure — no data version to get wrong;
- a str, number, bool, date, enum, None, or a small tuple/list/dict of those (at most SMALL values in
  all), by value;
- any other object — a large structure such as the shared outlines from ui.map_data — by identity: it
  must be the same object on every run, i.e. a `st.cache_resource` value.

The key is digested here (BLAKE2b of its text) so that Streamlit's cache hashes one short string.

The result is shared between sessions: callers never mutate it (st.plotly_chart copies a figure before
it changes anything). At most MAX_ENTRIES results are kept (least recently used dropped); a map figure
holds its province outlines (about 1 MB), the others a few kB.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import TypeVar

import polars as pl
import streamlit as st

T = TypeVar("T")
MAX_ENTRIES = 256
SMALL = 256
_VALUES = (str, int, float, bool, date, datetime, type(None))


def frame_key(frame: pl.DataFrame) -> tuple:
    """A polars frame's content as a key: schema, height and a digest of its rows' hashes."""
    digest = hashlib.blake2b(frame.hash_rows(seed=0).to_numpy().tobytes(), digest_size=16).hexdigest() if frame.height else ""
    return ("frame", tuple((name, str(dtype)) for name, dtype in frame.schema.items()), frame.height, digest)


def key_of(value) -> object:
    """The part of a cache key that stands for `value` (see the module's docstring)."""
    if isinstance(value, pl.DataFrame):
        return frame_key(value)
    small = _by_value(value, [SMALL])
    return small if small is not _LARGE else ("object", type(value).__qualname__, id(value))


_LARGE = object()


def _by_value(value, budget: list[int]) -> object:
    """`value` as a key by value, or _LARGE when it holds more than the budget's count of values."""
    budget[0] -= 1
    if budget[0] < 0:
        return _LARGE
    if isinstance(value, Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, _VALUES):
        return value
    if isinstance(value, (tuple, list)):
        items = [_by_value(v, budget) for v in value]
        return _LARGE if any(i is _LARGE for i in items) else (type(value).__name__, *items)
    if isinstance(value, dict):
        pairs = [(_by_value(k, budget), _by_value(v, budget)) for k, v in value.items()]
        return _LARGE if any(_LARGE in pair for pair in pairs) else ("dict", *pairs)
    return _LARGE


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES)
def _shared(key: str, _build: Callable[[], object]) -> object:
    return _build()


def shared(build: Callable[..., T], *args, **kwargs) -> T:
    """`build(*args, **kwargs)`, built once per process for equal arguments; do not mutate the result."""
    if build.__name__ == "<lambda>":
        raise TypeError("figure_cache.shared needs a named function: its name is part of the key")
    key = (build.__module__, build.__qualname__, *map(key_of, args), *((name, key_of(v)) for name, v in sorted(kwargs.items())))
    digest = hashlib.blake2b(repr(key).encode(), digest_size=20).hexdigest()
    return _shared(digest, lambda: build(*args, **kwargs))  # type: ignore[return-value]
