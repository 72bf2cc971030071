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
    register_capabilities,
)

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
