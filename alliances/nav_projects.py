"""Navigation of alliances: projects — 书记任务清单 in the 党建联盟 group (the task list of the
signed-in secretary's own 书记领办 projects)."""

from portal.dashboard import NavItem, register_nav

GROUP = "党建联盟"

register_nav(NavItem("书记任务清单", "alliances:my_tasks", "bi-list-check", "alliance.view", 62,
                     GROUP))
