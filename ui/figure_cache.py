"""Built figures shared by every session of this process (issue 15: what a new visitor costs).

Building a Plotly figure (plotly's property validation) was about a fifth of a page's server CPU per new
session, for figures that only change when the data or the question changes. `shared(build, *args,
**kwargs)` returns `build(*args, **kwargs)`, built once per process for equal arguments:

- a polars frame by its content (schema, height and a hash of every row), so a new batch, another
  database or another as-of date is a new figure — no data version to get wrong;
- a str, number, bool, date, enum, None, or a tuple/list/dict of those, by value;
- any other object (the shared geometry from ui.map_data) by identity: it must be the same object on
  every run, i.e. a `st.cache_resource` value.

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
_VALUES = (str, int, float, bool, date, datetime, type(None))


def frame_key(frame: pl.DataFrame) -> tuple:
    """A polars frame's content as a key: schema, height and a digest of its rows' hashes."""
    digest = hashlib.blake2b(frame.hash_rows(seed=0).to_numpy().tobytes(), digest_size=16).hexdigest() if frame.height else ""
    return ("frame", tuple((name, str(dtype)) for name, dtype in frame.schema.items()), frame.height, digest)


def key_of(value) -> object:
    """The part of a cache key that stands for `value` (see the module's docstring)."""
    if isinstance(value, pl.DataFrame):
        return frame_key(value)
    if isinstance(value, Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, _VALUES):
        return value
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *map(key_of, value))
    if isinstance(value, dict) and len(value) <= 64:
        return ("dict", *((key_of(k), key_of(v)) for k, v in value.items()))
    return ("object", type(value).__qualname__, id(value))


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES)
def _shared(key: tuple, _build: Callable[[], object]) -> object:
    return _build()


def shared(build: Callable[..., T], *args, **kwargs) -> T:
    """`build(*args, **kwargs)`, built once per process for equal arguments; do not mutate the result."""
    if build.__name__ == "<lambda>":
        raise TypeError("figure_cache.shared needs a named function: its name is part of the key")
    key = (build.__module__, build.__qualname__, *map(key_of, args), *((name, key_of(v)) for name, v in sorted(kwargs.items())))
    return _shared(key, lambda: build(*args, **kwargs))  # type: ignore[return-value]
