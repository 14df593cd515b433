"""Text from people made plain before it is stored: one line, no control characters, no bidi overrides."""

from __future__ import annotations

import unicodedata

# Unicode categories removed: controls (Cc: tab, newline, bell…), format characters (Cf: the
# bidirectional overrides U+202A–202E and U+2066–2069 that make "txt.exe" look like "exe.txt",
# zero-width characters), line and paragraph separators.
_REMOVED = {"Cc", "Cf", "Zl", "Zp"}


def clean_text(value: str | None, *, limit: int) -> str:
    """NFC-normalised, invisible and control characters removed, runs of spaces folded, cut to `limit`."""
    kept = "".join(ch for ch in unicodedata.normalize("NFC", value or "") if unicodedata.category(ch) not in _REMOVED)
    return " ".join(kept.split())[:limit]
