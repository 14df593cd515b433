"""The map benchmark's report lands in docs/map.md: one block per CPU slowdown, replaced in place."""

from __future__ import annotations

import pytest

from scripts.bench_map import DOC, markers, replace_block


def test_docs_hold_one_measured_block_per_run_mode():
    text = DOC.read_text(encoding="utf-8")
    for rate in (1, 3):
        start, end = markers(rate)
        assert text.count(start) == 1 and text.count(end) == 1
        block = text.split(start, 1)[1].split(end, 1)[0]
        assert block.strip().startswith("Measured ")
        assert "Requests to hosts other than this machine: 0." in block
    assert "CPU throttled 3×" in text.split(markers(3)[0], 1)[1].split(markers(3)[1], 1)[0]


def test_replace_block_replaces_only_its_own_block():
    one, three = markers(1), markers(3)
    text = f"intro\n{one[0]}\nold 1\n{one[1]}\nmiddle\n{three[0]}\nold 3\n{three[1]}\nend\n"
    assert replace_block(text, 3, "new 3") == f"intro\n{one[0]}\nold 1\n{one[1]}\nmiddle\n{three[0]}\nnew 3\n{three[1]}\nend\n"
    assert replace_block(text, 1, "new 1") == f"intro\n{one[0]}\nnew 1\n{one[1]}\nmiddle\n{three[0]}\nold 3\n{three[1]}\nend\n"


def test_replace_block_refuses_a_missing_or_repeated_block():
    one = markers(1)
    with pytest.raises(SystemExit):
        replace_block("no block here", 1, "x")
    with pytest.raises(SystemExit):
        replace_block(f"{one[0]}\na\n{one[1]}\n{one[0]}\nb\n{one[1]}\n", 1, "x")
    with pytest.raises(SystemExit):
        replace_block(f"{one[0]}\na\n{one[1]}\n", 2, "x")
