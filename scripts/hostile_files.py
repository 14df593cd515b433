"""Hostile report files (issue 16), made on the spot: small files that used to inflate the server.

Shared by tests/test_intake_limits.py (small sizes: each refusal must be quick) and
scripts/bench_hostile.py (the issue's sizes, peak memory and wall time per file).
"""

from __future__ import annotations

import io
import zipfile


from intake.problems import column_letter
from intake.spec import FIELDS

HEADER = [f.label_vi for f in FIELDS if f.id != "value_type"]  # the template's nine columns
GOOD_ROW = ["16/06/2021", "01", "001", "00001", "7", "", "1", "2", "3"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Báo cáo" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row_xml(number: int, values: list[str]) -> str:
    cells = "".join(_inline(f"{column_letter(i)}{number}", v) for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


def workbook(sheet_xml_chunks, *, level: int = 6) -> bytes:
    """A minimal XLSX whose sheet XML is the concatenation of `sheet_xml_chunks` (str or bytes), streamed into the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_xml_chunks:
                sheet.write(chunk.encode() if isinstance(chunk, str) else chunk)
    return buffer.getvalue()


def sparse_xfd_xlsx(rows: int, *, dimension: bool = True) -> bytes:
    """The template's header, then `rows` rows each holding one value at column XFD (the last one).
    openpyxl pads every such row to 16,384 cells; with `dimension` the sheet declares A1:XFD{n}."""

    def chunks():
        yield _SHEET_HEAD
        if dimension:
            yield f'<dimension ref="A1:XFD{rows + 1}"/>'
        yield "<sheetData>" + _row_xml(1, HEADER)
        for start in range(2, rows + 2, 10_000):
            yield "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(start, min(start + 10_000, rows + 2)))
        yield "</sheetData></worksheet>"

    return workbook(chunks())


def xml_bomb_xlsx(inflated_mb: int) -> bytes:
    """A sheet whose XML inflates to about `inflated_mb` MB of empty formatted cells (compressed about 1,000 times)."""
    row = "".join(f'<c r="{column_letter(i)}2" s="0"/>' for i in range(50))
    block = (f'<row r="2">{row}</row>' * 200).encode()

    def chunks():
        yield _SHEET_HEAD + "<sheetData>" + _row_xml(1, HEADER)
        for _ in range(inflated_mb * 2**20 // len(block)):
            yield block
        yield "</sheetData></worksheet>"

    return workbook(chunks(), level=9)


def commas_csv(columns: int, *, header: bool = False, value_at_end: bool = False) -> bytes:
    """`columns` empty fields on one line (1 MB of commas is a million empty columns); optionally after the
    template's header, optionally with a value in the last field."""
    line = "," * columns + ("x" if value_at_end else "")
    return ((",".join(HEADER) + "\n" if header else "") + line + "\n").encode()


def all_bad_csv(rows: int) -> bytes:
    """The template's header and `rows` rows in which every one of the nine cells is wrong."""
    bad = ",".join(["32/13/2021", "x1", "y", "z", "-1", "a", "2.5", "b", "c"])
    return (",".join(HEADER) + "\n" + "\n".join([bad] * rows) + "\n").encode()


def good_csv(rows: int) -> bytes:
    return (",".join(HEADER) + "\n" + "\n".join([",".join(GOOD_ROW)] * rows) + "\n").encode()


def damaged(data: bytes, part: str, keep: float = 0.5) -> bytes:
    """The workbook with one part cut short (the first `keep` of its bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = content[: int(len(content) * keep)]
            archive.writestr(info.filename, content)
    return buffer.getvalue()
