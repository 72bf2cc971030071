"""The result rule of the year-end review (年底述职相互评), in one place; pure, no ORM.

- A member's average is the mean of the peer scores it received from the other members,
  2 decimals rounded half up; a member nobody scored has no average and no rank.
- Ranks go by average, highest first; equal averages share a rank and the next rank skips
  (1, 2, 2, 4).
- The alliance's 年度考评 score is the mean of the members' averages, 2 decimals half up;
  none when nobody was scored.

Only scores between two different members count: a score of or by an organization outside
`members` (a former member) or of oneself is left out. Used by alliances.services.reviews
(standing and close) and the demo.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PeerResults:
    """Each member's average, rank and number of scores received, and the alliance's score.
    Every dict has every member as a key; average and rank are None for an unscored one."""

    averages: dict
    ranks: dict
    raters: dict
    score: Decimal | None

    @property
    def scored(self) -> int:
        return sum(1 for value in self.averages.values() if value is not None)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def results_from_totals(totals: dict, members) -> PeerResults:
    """The results from {ratee: (sum of the scores received, how many)}, already limited to
    scores between two different members (a database can sum them: integers, exact)."""
    members = list(dict.fromkeys(members))
    averages, raters = {}, {}
    for member in members:
        total, count = totals.get(member, (0, 0))
        averages[member] = _half_up(Decimal(total) / count) if count else None
        raters[member] = count
    scored = [value for value in averages.values() if value is not None]
    ranks = {member: (None if value is None else 1 + sum(other > value for other in scored))
             for member, value in averages.items()}
    score = _half_up(sum(scored) / len(scored)) if scored else None
    return PeerResults(averages, ranks, raters, score)


def peer_results(scores, members) -> PeerResults:
    """The results from (rater, ratee, score) tuples and the members' ids."""
    members = list(dict.fromkeys(members))
    known = set(members)
    totals = {}
    for rater, ratee, score in scores:
        if rater == ratee or rater not in known or ratee not in known:
            continue
        total, count = totals.get(ratee, (0, 0))
        totals[ratee] = (total + score, count + 1)
    return results_from_totals(totals, members)
