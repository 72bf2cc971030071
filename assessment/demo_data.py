"""The assessment demo's vocabulary: the three service actions, exemption and replacement
reasons, entered points' reasons, village comments on talents, appeal texts. Plain data (no
Django), turned into rows by `assessment.demo`.
"""

# (code, name, assessing body: "rural" 县乡村振兴局 / "community" a city community / "park" an
# industrial park, universal) — the "三大服务" actions of 004 二, the first one for everybody.
ACTIONS = (
    ("rural", "农村服务行动", "rural", True),
    ("community", "城市社区服务行动", "community", False),
    ("enterprise", "非公企业服务行动", "park", False),
)

EXEMPT_REASONS = (
    "长期病休，经单位党组织研究同意暂不参加",
    "选派驻村第一书记，已在驻村工作中考核",
    "借调市级部门工作，本年度不在岗",
    "休产假",
    "援藏干部，援派期间不参加",
)

REPLACEMENT_REASONS = (
    "工作调整，调离本单位",
    "不能正常履职，按规定更换人员",
    "身体原因无法继续参加，单位推荐接替人员",
)

DEDUCTION_REASONS = (
    "本季度无故未参加服务村活动，经提醒仍未参加",
    "认领的群众需求逾期未完成且未说明原因",
    "服务村党组织反映服务期间不能正常履职",
    "未按要求参加行动月度工作调度会",
)

# (level, points, reason)
BONUSES = (
    ("county", "4", "被县委评为优秀共产党员"),
    ("county", "3", "所办民生实事获县委组织部通报表扬"),
    ("city", "6", "被市委表彰为优秀党务工作者"),
    ("city", "5", "服务事迹被市级媒体专题报道"),
    ("province", "10", "获评省级“担当作为好干部”"),
)

OVERALL_COMMENTS = (
    "工作扎实，群众评价好",
    "能按要求参加行动，服务成效较明显",
    "参加活动积极，服务群众热情",
    "基本完成行动任务，服务主动性有待加强",
    "履职一般，参加服务活动次数偏少",
)

RATING_COMMENTS = {
    5: ("服务主动，帮助解决实际困难", "专业能力强，群众认可度高", "每次活动都认真准备，效果好"),
    4: ("能按时参加村里活动", "服务认真，与群众沟通良好", "完成认领事项，群众满意"),
    3: ("参加活动次数较少", "服务内容较单一"),
    1: ("多次未按约定到村", "服务流于形式，群众意见较大"),
}

APPEALS = {
    "open": ("本季度 8 月参加了村里的产业培训活动，签到表已交村委会，但台账中未登记，"
             "请核实后重新计分。"),
    "rejected": "本季度因单位集中加班未能到村，申请不计入考核。",
    "accepted": ("本人 5 月认领的“果园病虫害防治指导”已按期完成并经村党组织确认，"
                 "季度得分中未计入，请核实。"),
}

DECISIONS = {
    "rejected": "经核实，本季度确未参加服务村活动，单位加班不属于特殊情况，维持原计分。",
    "accepted": "经核实，认领事项已于截止日期前完成确认，同意重新计分。",
}

NOMINATIONS = {
    "outstanding": ("全年坚持每月到服务村开展活动，牵头解决村里产业发展难题，"
                    "考核等次为“优秀”，推荐为表现特别突出人员。"),
    "member": "积极参加服务行动，按期完成认领的群众需求，群众评价好。",
    "refused": "本年度已推荐名额已满，此次不予通过。",
    "org": "村党组织“三清单一协议”落实到位，民情诉求日汇总、日研判，结对共建成效明显。",
    "override": "该同志本年度因抗洪抢险长期在一线，未能正常参加行动，经研究不影响评先评优。",
}
