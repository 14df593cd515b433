"""How the intake's workbooks (the report and readiness templates) print: A4 landscape, every column on
one page width, the header row on every page, the title above and "Trang X/Y" below. The handouts have
their own, fuller set-up (exports/print_setup.py); these are forms, printed to be filled in by hand."""

from __future__ import annotations

A4 = 9  # xlsxwriter's paper code


def _escape(text: str) -> str:
    return text.replace("&", "&&")  # '&' starts a control code in Excel headers and footers


def form_print_setup(sheet, title: str, *, header_row: int | None = 0) -> None:
    """Print set-up of one xlsxwriter worksheet of a form."""
    sheet.set_paper(A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    if header_row is not None:
        sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    sheet.set_header(f'&C&"-,Bold"{_escape(title)[:200]}', {"margin": 0.3})
    sheet.set_footer("&RTrang &P/&N", {"margin": 0.3})
