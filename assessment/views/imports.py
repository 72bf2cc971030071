"""Excel import of enrolments on the shared import flow (portal.views.importing)."""

from assessment.importers import ENROLMENT_COLUMNS, EXAMPLE_ROWS, import_enrolments
from portal.views.importing import ExcelImport

ENROLMENT_IMPORT = ExcelImport(
    kind="enrolments", title="导入行动报名", capability="assessment.enrol",
    denied="只有县委组织部可以导入行动报名。", columns=ENROLMENT_COLUMNS,
    importer=import_enrolments, url_name="assessment:enrolment_import",
    page_template="assessment/imports/enrolments.html", sheet_title="行动报名",
    example_rows=EXAMPLE_ROWS, done_message="已成功导入 {count} 条行动报名。")
