"""Text measured with the deck's font: the lines a text wraps into in a frame of a given width.

The deck names Arial, which every office PC with PowerPoint has. Liberation Sans (exports/fonts,
SIL OFL, shipped so that a fresh machine measures the same) is metric-compatible with Arial: the
same advance width for every glyph and the same ascent and descent. It is also the font
LibreOffice draws for Arial on Debian (fontconfig's metric aliases). So the widths measured here
are the widths both clients lay out, and a frame made as tall as `text_height` says holds its text.

Both clients break lines at more places than a space (after hyphens and dashes too); breaking
only at spaces never gives fewer lines than they do, so the height measured here is never short.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {False: FONT_DIR / "LiberationSans-Regular.ttf", True: FONT_DIR / "LiberationSans-Bold.ttf"}
# One line of a paragraph in em: PowerPoint's single spacing is 1.2 em; LibreOffice draws ascent +
# descent (1.117 em for Arial/Liberation Sans). The larger of the two.
LINE_EM = 1.2
# Wrap a little before the frame's edge: clients round glyph positions to device units, and a
# line measured as just fitting must not wrap in one of them and not in the other.
WIDTH_SLACK = 0.96
# A glyph the font lacks (⚠, ⚑) is drawn from a fallback font: counted as a full em.
MISSING_EM = 1.0


@dataclass(frozen=True)
class _Face:
    units_per_em: int
    advances: dict[int, int]  # code point → advance width in font units

    def width(self, text: str) -> float:
        """Advance width of `text` in em (no kerning: kerning only ever narrows a line)."""
        missing = self.units_per_em * MISSING_EM
        return sum(self.advances.get(ord(ch), missing) for ch in text) / self.units_per_em


@functools.cache
def _face(bold: bool) -> _Face:
    font = TTFont(FONT_FILES[bold], lazy=True)
    metrics = font["hmtx"].metrics
    advances = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    # Combining marks (text typed decomposed) take no room of their own.
    advances.update({code: 0 for code in range(0x300, 0x370)})
    return _Face(font["head"].unitsPerEm, advances)


def text_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of one line of `text` in points."""
    return _face(bold).width(unicodedata.normalize("NFC", text)) * size_pt


def wrap(text: str, width_pt: float, size_pt: float, *, bold: bool = False) -> list[str]:
    """The lines `text` takes in a frame `width_pt` wide (inside its margins): greedy, breaking at
    spaces, and inside a word only when the word alone is wider than the frame."""
    face, limit = _face(bold), width_pt * WIDTH_SLACK / size_pt
    lines: list[str] = []
    current = ""
    for word in unicodedata.normalize("NFC", text).split():
        candidate = f"{current} {word}" if current else word
        if face.width(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while face.width(word) > limit:  # a word wider than the frame: broken between letters
            cut = max(1, max(i for i in range(1, len(word) + 1) if i == 1 or face.width(word[:i]) <= limit))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def line_count(text: str, width_pt: float, size_pt: float, *, bold: bool = False) -> int:
    return len(wrap(text, width_pt, size_pt, bold=bold))


def line_height(size_pt: float) -> float:
    """Height of one line in points."""
    return size_pt * LINE_EM


def text_height(paragraphs: list[tuple[str, float, bool]], width_pt: float) -> float:
    """Height in points of paragraphs (text, size pt, bold) wrapped in `width_pt`, margins excluded."""
    return sum(line_count(text, width_pt, size, bold=bold) * line_height(size) for text, size, bold in paragraphs)
