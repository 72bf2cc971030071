"""Points rules of automatic indicators (考核明细表的计分规则). Pure functions, no ORM.

A rule turns the metric values of the whole cohort into points, capped at the indicator's
`max_points`. Several rules are relative to the cohort (by rank, in proportion to the best,
against the average), so a rule always sees every value at once. The rule is JSON on the
indicator:
- {"type": "per_unit", "points": 5}: 5 points per unit of the value (each month served...);
- {"type": "thresholds", "steps": [[3, 10], [2, 6], [1, 3]]}: the points of the highest step
  the value reaches (3 months → 10, 2 → 6, 1 → 3, 0 → 0);
- {"type": "rank", "first": 60, "step": 3}: 1st 60, 2nd 57, …, never below "floor" (0); ties
  share a rank (1, 2, 2, 4); a value of 0 scores 0;
- {"type": "proportional"}: max_points × value / the best value;
- {"type": "vs_average"}: max_points at or above the cohort average, pro rata below it.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
RULE_TYPES = {
    "per_unit": "按次（月）计分",
    "thresholds": "分档计分",
    "rank": "按排名计分",
    "proportional": "与最高值成比例",
    "vs_average": "与平均值比较",
}


class RuleError(ValueError):
    """A rule that cannot be applied: its message is shown to the scheme's editor."""


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def competition_ranks(values: dict) -> dict:
    """{key: rank} by value, higher first; ties share a rank (1, 2, 2, 4)."""
    ordered = sorted(values.items(), key=lambda kv: kv[1], reverse=True)
    ranks, previous, rank = {}, object(), 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[key] = rank
    return ranks


def _per_unit(rule, values, cap):
    points = _dec(rule.get("points", 1))
    return {k: v * points for k, v in values.items()}


def _thresholds(rule, values, cap):
    steps = sorted(((_dec(low), _dec(pts)) for low, pts in rule.get("steps", [])), reverse=True)
    if not steps:
        raise RuleError("分档计分至少需要一档。")

    def score(value):
        return next((pts for low, pts in steps if value >= low), Decimal(0))

    return {k: score(v) for k, v in values.items()}


def _rank(rule, values, cap):
    first = _dec(rule.get("first", cap))
    step = _dec(rule.get("step", 1))
    floor = _dec(rule.get("floor", 0))
    ranks = competition_ranks(values)
    return {k: (max(first - (ranks[k] - 1) * step, floor) if v > 0 else Decimal(0))
            for k, v in values.items()}


def _proportional(rule, values, cap):
    best = max(values.values(), default=Decimal(0))
    if best <= 0:
        return {k: Decimal(0) for k in values}
    return {k: cap * v / best for k, v in values.items()}


def _vs_average(rule, values, cap):
    if not values:
        return {}
    average = sum(values.values()) / len(values)
    if average <= 0:
        return {k: cap for k in values}
    return {k: cap * min(v / average, Decimal(1)) for k, v in values.items()}


_APPLY = {"per_unit": _per_unit, "thresholds": _thresholds, "rank": _rank,
          "proportional": _proportional, "vs_average": _vs_average}


def check_rule(rule) -> None:
    if not isinstance(rule, dict) or rule.get("type") not in _APPLY:
        raise RuleError("计分规则类型应为：" + "、".join(RULE_TYPES.values()) + "。")


def apply_rule(rule: dict, values: dict, max_points) -> dict:
    """{key: points} for the cohort's {key: value}, each in [0, max_points], to the cent."""
    check_rule(rule)
    cap = _dec(max_points)
    values = {k: _dec(v) for k, v in values.items()}
    raw = _APPLY[rule["type"]](rule, values, cap)
    return {k: _round(min(max(p, Decimal(0)), cap)) for k, p in raw.items()}


def describe_rule(rule: dict, max_points) -> str:
    """The rule in Chinese, for the scoring table and the explanation a person reads."""
    kind = rule.get("type") if isinstance(rule, dict) else None
    cap = f"，最高 {_dec(max_points).normalize():f} 分"
    if kind == "per_unit":
        return f"每 1 计 {_dec(rule.get('points', 1)).normalize():f} 分{cap}"
    if kind == "thresholds":
        steps = "；".join(f"达到 {_dec(low).normalize():f} 计 {_dec(p).normalize():f} 分"
                         for low, p in sorted(rule.get("steps", []), reverse=True))
        return f"分档：{steps}{cap}"
    if kind == "rank":
        return (f"按排名：第 1 名 {_dec(rule.get('first', max_points)).normalize():f} 分，"
                f"每低一名减 {_dec(rule.get('step', 1)).normalize():f} 分（同值同名次）")
    if kind == "proportional":
        return f"与最高值成比例{cap}"
    if kind == "vs_average":
        return f"达到平均值得满分，低于平均值按比例{cap}"
    return "由考核单位录入"
