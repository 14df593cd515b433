"""Vietnamese number, percent and date formatting (Babel, locale vi_VN): 1.234.567; 12,5%; dd/mm/yyyy."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from babel.numbers import format_decimal, format_percent

LOCALE = "vi_VN"
DASH = "—"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234567 → '1.234.567'; decimals=1: 1234.5 → '1.234,5'."""
    if value is None or _missing(value):
        return DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(value, decimals) if decimals else round(value), format=pattern, locale=LOCALE)


def percent(ratio: float | None, decimals: int = 1) -> str:
    """0.125 → '12,5%' (ratios above 1 are shown as they are, never clipped)."""
    if ratio is None or _missing(ratio):
        return DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(ratio, format=pattern, locale=LOCALE)


def day(value: date | datetime | None) -> str:
    """date(2021, 7, 1) → '01/07/2021'."""
    if value is None:
        return DASH
    return value.strftime("%d/%m/%Y")


def timestamp(value: datetime | None) -> str:
    """datetime → '31/12/2021 19:38'."""
    if value is None:
        return DASH
    return value.strftime("%d/%m/%Y %H:%M")


def per_day(value: float | None) -> str:
    """A rate: '12.345/ngày'."""
    return DASH if _missing(value) else f"{number(value)}/ngày"


def rank_change(change: int | None) -> str:
    """+3 → '▲ 3', -2 → '▼ 2', 0 → '='."""
    if change is None:
        return DASH
    if change > 0:
        return f"▲ {change}"
    if change < 0:
        return f"▼ {-change}"
    return "="


def deadline_phrase(days_left: int, deadline: date) -> str:
    """'Còn 65 ngày đến hạn 01/07/2021' / 'Hôm nay là hạn chót' / 'Đã quá hạn 183 ngày' — never a negative count."""
    if days_left > 1:
        return f"Còn {number(days_left)} ngày đến hạn {day(deadline)}"
    if days_left == 1:
        return f"Còn 1 ngày — hạn chót {day(deadline)}"
    if days_left == 0:
        return f"Hôm nay là hạn chót {day(deadline)}"
    return f"Đã quá hạn {number(-days_left)} ngày (hạn {day(deadline)})"


def days_left_short(days_left: int) -> str:
    """Days left in a few words for a card: "Còn 65 ngày", "Hôm nay là hạn chót", "Quá hạn 183 ngày"."""
    if days_left > 0:
        return f"Còn {number(days_left)} ngày"
    if days_left == 0:
        return "Hôm nay là hạn chót"
    return f"Quá hạn {number(-days_left)} ngày"


def deadline_card(days_left: int) -> tuple[str, str]:
    """A card's label and value for the deadline, short enough for a third of a 1280 px page:
    ("Thời hạn", "Còn 65 ngày"), ("Thời hạn", "Hôm nay"), ("Đã quá hạn", "183 ngày")."""
    if days_left > 0:
        return "Thời hạn", f"Còn {number(days_left)} ngày"
    if days_left == 0:
        return "Thời hạn", "Hôm nay"
    return "Đã quá hạn", f"{number(-days_left)} ngày"


def rank_change_phrase(change: int | None) -> str:
    """A rank change in words for a sentence: "▲ 2 bậc so với 7 ngày trước", "giữ hạng so với 7 ngày trước"."""
    if change is None:
        return "chưa đủ 7 ngày số liệu để so sánh hạng"
    if change == 0:
        return "giữ hạng so với 7 ngày trước"
    return f"{rank_change(change)} bậc so với 7 ngày trước"


# Characters Markdown (CommonMark + GFM, and Streamlit's math and colour syntax) gives a meaning to
# inside a line. Line-start syntax (lists, headings) cannot arise: names carry no line breaks.
_MD_SPECIAL = frozenset("\\`*_{}[]()<>#|~$&!:")
_WORD_JOINER = "\u2060"


def md_text(text: object) -> str:
    """Text from people (names, file names, labels) made safe to put inside st.markdown / st.success:
    every Markdown character escaped, and the autolinks GFM makes of bare addresses (http://…, www.…,
    a@b.vn) broken with an invisible word joiner — so a name can never become a link, an image the
    browser fetches, or formatting. Seen in Chromium: backslash escapes alone still auto-link."""
    line = " ".join(str(text).splitlines())
    unlinked = line.replace("://", ":" + _WORD_JOINER + "//").replace("www.", "www" + _WORD_JOINER + ".").replace("@", _WORD_JOINER + "@")
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in unlinked)


# Vietnamese alphabetical order: ă and â after a, đ after d, ê after e, ô and ơ after o, ư after u;
# tones only break ties (a, à, ả, ã, á, ạ). Python's own order puts every accented letter after z.
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_MODIFIED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The key that sorts names as a Vietnamese reader expects: Bạc Liêu, Bắc Giang, Bắc Kạn, Bến Tre,
    Bình Dương, Bình Định; Cần Thơ before Đà Nẵng, Đà Nẵng before Gia Lai. Other characters (spaces,
    digits, punctuation) come before letters, in code-point order."""
    letters: list[str] = []  # a letter of _LETTERS, or any other character
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in _TONES and tones:
            tones[-1] = _TONES[ch]
        elif letters and (letters[-1], ch) in _MODIFIED:
            letters[-1] = _MODIFIED[(letters[-1], ch)]
        elif not unicodedata.combining(ch):
            letters.append(ch)
            tones.append(0)
    primary = tuple(0x110000 + _LETTERS.index(c) if c in _LETTERS else ord(c) for c in letters)
    return primary, tuple(tones)


def by_name(names: Mapping[str, str]) -> list[str]:
    """The codes of `names` (code → name) in the Vietnamese alphabetical order of their names."""
    return sorted(names, key=lambda code: (vi_sort_key(names[code]), code))
