"""Header rows of both intake formats (reports and readiness): how names are compared, which column each header names, where a column sits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from intake import problems
from intake.problems import Problem, column_letter

if TYPE_CHECKING:
    from intake.read import RawTable


class ColumnSpec(Protocol):
    """What the header checks need of a column definition (intake.spec.Field, intake.readiness_spec.Col):
    read-only attributes, as both are frozen dataclasses."""

    @property
    def id(self) -> str: ...
    @property
    def label_vi(self) -> str: ...
    @property
    def label_en(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def todo_vi(self) -> str: ...
    @property
    def todo_en(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces, '_' as space: how headers and words are compared.

    Officers type "Mã xã", "ma xa", "MÃ XÃ" or "luỹ kế" (the other tone placement) for the same thing.
    """
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = re.sub(r"[\s_]+", " ", text.replace("*", " ")).strip().casefold()
    return text


def header_index(columns: Iterable[ColumnSpec]) -> dict[str, str]:
    """Folded name → column id, for every name a column answers to: id, Vietnamese and English label, aliases."""
    index: dict[str, str] = {}
    for c in columns:
        for name in (c.id, c.label_vi, c.label_en, *c.aliases):
            index[fold(name)] = c.id
    return index


def map_headers(
    raw: RawTable, columns: tuple[ColumnSpec, ...], *, index: Mapping[str, str] | None = None, wording: str | None = None, **unknown_params
) -> tuple[dict[str, int], list[Problem]]:
    """Where each column of `columns` sits in `raw` (column id → position), and the header's problems:
    unnamed columns holding data, unknown and repeated names, required columns missing. `wording`
    picks a format's own words for a problem (problems.make); `unknown_params` fill the unknown-column message."""
    index = header_index(columns) if index is None else index
    by_id = {c.id: c for c in columns}
    positions: dict[str, int] = {}
    found: list[Problem] = []
    row = raw.header_row
    for i, header in enumerate(raw.headers):
        letter = column_letter(i)
        if not header.strip():
            if raw.frame[f"c{i}"].null_count() < raw.frame.height:
                found.append(problems.make("unnamed_column", row=row, letter=letter, wording=wording))
            continue
        column_id = index.get(fold(header))
        if column_id is None:
            found.append(problems.make("unknown_column", row=row, column=header, letter=letter, header=header, wording=wording, **unknown_params))
        elif column_id in positions:
            c = by_id[column_id]
            found.append(
                problems.make(
                    "duplicate_column",
                    row=row,
                    column=column_id,
                    letter=letter,
                    header=header,
                    other=column_letter(positions[column_id]),
                    label=c.label_vi,
                    label_en=c.label_en,
                    wording=wording,
                )
            )
        else:
            positions[column_id] = i
    for c in columns:
        if c.required and c.id not in positions:
            found.append(
                problems.make(
                    "missing_column", row=row, column=c.id, label=c.label_vi, label_en=c.label_en, todo=c.todo_vi, todo_en=c.todo_en, wording=wording
                )
            )
    return positions, found


@dataclass(frozen=True)
class Columns:
    """Where each column sits in the file, to name it the way the officer sees it: letter and header.
    A column not in the file (a typed row, a missing column) is named by its Vietnamese label, without a letter."""

    where: dict[str, tuple[str, str]]  # column id -> (letter, header as in the file)
    labels: Mapping[str, str]  # column id -> Vietnamese label

    @classmethod
    def of(cls, positions: dict[str, int], headers: list[str], labels: Mapping[str, str]) -> Columns:
        return cls({cid: (column_letter(i), headers[i]) for cid, i in positions.items()}, labels)

    def at(self, column_id: str) -> dict:
        letter, header = self.where.get(column_id, (None, self.labels[column_id]))
        return {"column": column_id, "letter": letter, "header": header}
