"""Assessment capabilities per role.

The assessing bodies (考核单位: 县乡村振兴局, 城市社区, 工业园区) hold the `assessor` role on their
own organization; a scheme names its body, and scores and grades are scoped to the scheme's
body as well as to the organization of whoever (or whatever) is scored. 组织部 files the
gradings (备案); leaders read rankings. A talent sees only their own scores, through the
person's account, not through a capability on their unit.
"""

from portal.scope import (
    ASSESSOR,
    COUNTY_ADMIN,
    LEADER,
    TOWNSHIP_ADMIN,
    VILLAGE_SECRETARY,
    declare_capabilities,
    register_capabilities,
)

declare_capabilities({
    "assessment.view": "查看考核排名和等次",
    "assessment.scheme": "维护考核方案和考核明细表",
    "assessment.enrol": "维护行动报名",
    "assessment.score": "考核打分、发布排位、提交等次",
    "assessment.file": "备案考核等次",
    "assessment.evaluate": "评价服务本村的城市人才",
})

register_capabilities(COUNTY_ADMIN, {"assessment.view", "assessment.scheme", "assessment.enrol",
                                     "assessment.file"})
register_capabilities(LEADER, {"assessment.view"})
register_capabilities(ASSESSOR, {"assessment.view", "assessment.score"})
register_capabilities(TOWNSHIP_ADMIN, {"assessment.view"})
register_capabilities(VILLAGE_SECRETARY, {"assessment.evaluate"})
