"""Navigation and the person-page section of 结果运用."""

from assessment.views.results import person_section
from portal.dashboard import DetailSection, NavItem, register_nav, register_section

register_nav(NavItem("结果运用", "assessment:results", "bi-award", "assessment.view", 58,
                     "考核评价"))
register_section(DetailSection("assessment", "person", "assessment/results/person_section.html",
                               person_section, order=50))
register_nav(NavItem("导入行动报名", "assessment:enrolment_import", "bi-upload", "assessment.enrol",
                     59, "考核评价"))
