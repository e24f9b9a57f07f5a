"""A submission form as an Excel workbook: download to fill in offline, upload to save.

`build_template` writes (with XlsxWriter) one sheet per section, laid out as the web form (labels
locked, input cells open, data validation, last year's approved figures beside in grey) plus a very
hidden `_meta` sheet that says which submission the file belongs to and which cell holds which
figure. Uploads are read with openpyxl.

`parse_upload` checks an uploaded file without writing anything: size, zip structure (zip bombs
are refused before openpyxl sees them), the `_meta` sheet against this submission, and every input
cell with the same rules and Dutch messages as the web form (`CountField`). It returns the cells to
hand to `services.save_values` and the changes (old -> new) to show before saving.

Only cells the user actually changed in the file are returned: cells left as downloaded keep
whatever is stored now, so a colleague's web edits made after the download are never overwritten
by stale figures from the file; a cell changed both in the file and on the web since the download
is an error (a conflict) that names the cell.
"""


from apps.submissions.workbook.layout import CONTENT_TYPE, META_SHEET
from apps.submissions.workbook.template import build_template, filename
from apps.submissions.workbook.upload import MAX_UPLOAD_BYTES, UploadResult, figures_after, parse_upload

__all__ = [
    "CONTENT_TYPE",
    "MAX_UPLOAD_BYTES",
    "META_SHEET",
    "UploadResult",
    "build_template",
    "figures_after",
    "filename",
    "parse_upload",
]
