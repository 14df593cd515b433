"""Vietnamese for the English that Streamlit's own widgets draw (it has no language setting).

The file uploader's "Upload" button and "20.0MB per file" line, the table toolbar's "Show/hide columns",
"Download as CSV", "Search" and "Fullscreen", a table column's menu, and a select box's "Choose options"
and empty list are written into Streamlit's JavaScript bundles as text. `web.static_cache` serves those bundles from
memory; as it loads one, it puts the Vietnamese below in place of the English — each an exact piece of
the bundle, never a pattern, and only in the bundles named. Streamlit is pinned: a new version that no
longer has one of these pieces is caught by `tests/test_static_cache.py` (every piece found exactly
once among the bundles named), and the English then simply stays.

The language Streamlit hands its widgets is Vietnamese whatever the browser's ("vi-VN" in place of
`navigator.language`): the date picker's calendar names months and weekdays in Vietnamese and starts
the week on Monday. The ⋮ menu prints ("In trang") and names Streamlit's version in Vietnamese; its
screen recorder, English throughout, is left out. An address that names no page gets the dialog "Không
tìm thấy trang" over the overview. What is still English: messages of rare cases (a file refused by the
browser before it reaches the app: the app's own limits and messages come first).
"""

from __future__ import annotations

# (the bundle's file name up to its content hash, English as written in the bundle, Vietnamese)
TRANSLATIONS: tuple[tuple[str, str, str], ...] = (
    # The file uploader: its button, the size line under it, the text while a file is dragged over it.
    ("FileUploader.", "label:l?`Upload directories`:`Upload`", "label:l?`Tải thư mục lên`:`Chọn tệp`"),
    ("FileUploader.", "`${T(t,D.Byte,0)} per file`", "`Tối đa ${T(t,D.Byte,0)} mỗi tệp`"),
    (
        "FileUploader.",
        "l?`Drag and drop directories here`:t?`Drag and drop files here`:`Drag and drop a file here`",
        "l?`Thả thư mục vào đây`:t?`Thả các tệp vào đây`:`Thả tệp vào đây`",
    ),
    ("FileUploader.", '"aria-label":`Add files`', '"aria-label":`Thêm tệp`'),
    # The table's toolbar and a column's menu.
    ("DataFrame.", "label:`Show/hide columns`", "label:`Ẩn/hiện cột`"),
    ("DataFrame.", "label:`Download as CSV`", "label:`Tải về (CSV)`"),
    ("DataFrame.", "label:`Search`", "label:`Tìm`"),
    ("DataFrame.", "`Sort ascending`", "`Sắp xếp tăng dần`"),
    ("DataFrame.", "`Sort descending`", "`Sắp xếp giảm dần`"),
    ("DataFrame.", "`Pin column`", "`Ghim cột`"),
    ("DataFrame.", "`Unpin column`", "`Bỏ ghim cột`"),
    ("DataFrame.", "`Hide column`", "`Ẩn cột`"),
    ("DataFrame.", "`Autosize`", "`Vừa nội dung`"),
    ("DataFrame.", "`Format`]", "`Định dạng`]"),
    ("DataFrame.", 'title:`Copy column name`,"aria-label":`Copy column name`', 'title:`Chép tên cột`,"aria-label":`Chép tên cột`'),
    # The full-screen button of the toolbar that tables share with other elements.
    ("Toolbar.", "label:`Fullscreen`", "label:`Toàn màn hình`"),
    ("Toolbar.", "label:`Close fullscreen`", "label:`Thoát toàn màn hình`"),
    # Select boxes: the placeholder of an empty one, and nothing matching what was typed.
    (
        "utils.",
        "e=r?`Add options`:`Add an option`:(e=`No options to select`,i=!0):e=n?r?`Choose or add options`:`Choose or add an option`:r?`Choose options`:`Choose an option`",
        "e=r?`Thêm các mục`:`Thêm một mục`:(e=`Không có mục nào để chọn`,i=!0):e=n?r?`Chọn hoặc thêm các mục`:`Chọn hoặc thêm một mục`:r?`Chọn các mục`:`Chọn một mục`",
    ),
    ("Selectbox.", "renderEmptyState:()=>r(Ae,{children:`No results`})", "renderEmptyState:()=>r(Ae,{children:`Không có kết quả`})"),
    ("Multiselect.", "if(t.maxSelections===0)return`No results`", "if(t.maxSelections===0)return`Không có kết quả`"),
    ("Multiselect.", "Remove an option first.`}return`No results`", "Remove an option first.`}return`Không có kết quả`"),
    ("Multiselect.", '"aria-label":`Clear all`', '"aria-label":`Xóa hết`'),
    # The language Streamlit hands its widgets (the browser's, else): the date picker's calendar names its
    # months and weekdays in it and starts its weeks on the locale's first day (Monday in Vietnam).
    ("index.", "locale:window.navigator.language,formsData", "locale:`vi-VN`,formsData"),
    # The ⋮ menu: "Print", and the line naming Streamlit's version. Its screen recorder is left out: its
    # dialog is English throughout, and a browser records a screen without it.
    ("index.", "label:`Print`,onClick:t}", "label:`In trang`,onClick:t}"),
    ("index.", "if(OT.isSupportedBrowser()){let t=eE[e]||`Record screen`", "if(!1){let t=eE[e]||`Record screen`"),
    ("index.", "[`Made with Streamlit v`,tE(r)]", "[`Làm bằng Streamlit v`,tE(r)]"),
    # The dialog over the default page when an address names no page (a mistyped link).
    (
        "index.",
        "let t=e?`You have requested page /${e}, but no corresponding file was found in the app's pages/ directory`"
        ":`The page that you have requested does not seem to exist`;this.showError(`Page not found`,{message:`${t}. Running the app's main page.`})",
        "let t=e?`Không có trang /${e}`:`Không có trang ở địa chỉ này`;this.showError(`Không tìm thấy trang`,{message:`${t}. Đang mở trang Tổng quan.`})",
    ),
)


def translate(name: str, body: bytes) -> bytes:
    """`body` of the bundle file `name` with its pieces in Vietnamese (unchanged when none is for it)."""
    for prefix, english, vietnamese in TRANSLATIONS:
        if name.startswith(prefix):
            body = body.replace(english.encode(), vietnamese.encode())
    return body
