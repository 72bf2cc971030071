"""Excel import of enrolments on the shared import flow (portal.views.importing)."""

from assessment.importers import ENROLMENT_COLUMNS, EXAMPLE_ROWS, import_enrolments
from portal.views.importing import ExcelImport

ENROLMENT_IMPORT = ExcelImport(
    kind="enrolments", title="导入行动报名", capability="assessment.enrol",
    denied="只有县委组织部可以导入行动报名。", columns=ENROLMENT_COLUMNS,
    importer=import_enrolments, url_name="assessment:enrolment_import", sheet_title="行动报名",
    example_rows=EXAMPLE_ROWS, done_message="已成功导入 {count} 条行动报名。",
    hint="每行一人一项行动：县直单位党员干部除特殊情况外全员参加“全员”行动，其他行动原则上选择 1 项"
         "（004 六.3）。人员按身份证号填写。",
    rules=("同一人同一年度同一行动只能报名一次（文件内或系统中已有报名）。",))
