"""Cross-inspection assignment (交叉检查, 003 三(二).3): who inspects whom in a round.

Pure: no ORM. Each key inspects exactly one other and is inspected exactly once (a
derangement), never itself; with three or more keys no two inspect each other. The keys are
sorted first, so the result depends only on the set of keys and the seed, not on their order.
"""

import random
from collections.abc import Hashable, Iterable


def assign_inspections(keys: Iterable[Hashable], seed: int) -> dict:
    """{inspector: inspected} for `keys` (mutually comparable, e.g. alliance ids).

    The keys are shuffled with `random.Random(seed)` and each inspects the next one round the
    cycle: a single cycle of length N ≥ 3 has no mutual pair; for N = 2 the only possible
    assignment is the mutual one."""
    ordered = sorted(keys)
    if len(set(ordered)) != len(ordered):
        raise ValueError("参加交叉检查的联盟不能重复。")
    if len(ordered) < 2:
        raise ValueError("交叉检查至少需要两个联盟。")
    random.Random(seed).shuffle(ordered)
    return {key: ordered[(i + 1) % len(ordered)] for i, key in enumerate(ordered)}
