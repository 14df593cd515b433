"""The documentation a newcomer reads: no section written twice (an edit that pasted a file's tail
back in once left docs/map.md with two "Benchmark" sections), and every relative link leads to a file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_section_twice(doc: Path):
    headings = [line for line in doc.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    assert headings, f"{doc.name} has no sections"
    assert [h for h, n in Counter(headings).items() if n > 1] == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_lead_to_files(doc: Path):
    targets = [t for t in LINK.findall(doc.read_text(encoding="utf-8")) if not re.match(r"[a-z]+:", t)]
    missing = [t for t in targets if not (doc.parent / t).exists()]
    assert missing == []


def test_every_setting_is_documented():
    """Each environment variable the settings module reads is named in the README or a docs page."""
    source = (ROOT / "settings.py").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"\b(CCCD_[A-Z_]+|DATABASE_URL)\b", source)))
    assert "CCCD_PUBLIC_READ" in names and "CCCD_SECRET_KEY" in names  # the settings module was read
    text = "\n".join(d.read_text(encoding="utf-8") for d in DOCS)
    assert [n for n in names if n not in text] == []
