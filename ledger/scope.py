"""Ledger capabilities per role.

ledger.log: write activities for one's own org; ledger.confirm / ledger.reopen: the township
checks its villages' entries and reopens closed months; resident.*: villagers' requests carry
personal data, visible to the village, township and county only.
"""

from portal.scope import (
    ASSESSOR,
    COUNTY_ADMIN,
    LEADER,
    TALENT,
    TOWNSHIP_ADMIN,
    UNIT_CONTACT,
    VILLAGE_SECRETARY,
    declare_capabilities,
    register_capabilities,
)

declare_capabilities({
    "ledger.view": "查看活动台账", "ledger.log": "登记活动", "ledger.confirm": "确认活动台账",
    "ledger.reopen": "开放补录", "ledger.export": "导出台账", "ledger.compliance": "查看履职情况",
    "resident.view": "查看民情诉求", "resident.change": "登记和研判民情诉求",
    "report.view": "查看半年报告", "report.write": "撰写半年报告", "report.file": "备案半年报告",
})

register_capabilities(COUNTY_ADMIN, {
    "ledger.view", "ledger.confirm", "ledger.reopen", "ledger.export", "ledger.compliance",
    "resident.view", "report.view", "report.file",
})
register_capabilities(LEADER, {"ledger.view", "ledger.export", "ledger.compliance",
                               "report.view"})
register_capabilities(TOWNSHIP_ADMIN, {
    "ledger.view", "ledger.confirm", "ledger.reopen", "ledger.export", "ledger.compliance",
    "resident.view", "report.view", "report.write",
})
register_capabilities(VILLAGE_SECRETARY, {"ledger.view", "ledger.log", "ledger.export",
                                          "resident.view", "resident.change"})
register_capabilities(UNIT_CONTACT, {"ledger.view", "ledger.log", "ledger.export"})
register_capabilities(TALENT, {"ledger.view"})
register_capabilities(ASSESSOR, {"ledger.view", "ledger.export", "ledger.compliance"})
