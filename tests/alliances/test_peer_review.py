"""The year-end review's result rule (alliances.peer_review), without a database: a member's
average of the peer scores received (2 decimals half up), ranks shared on ties (1, 2, 2, 4),
members nobody scored without average or rank, the alliance's score (the mean of the members'
averages, 2 decimals half up), and scores of oneself or involving a non-member left out."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from alliances.peer_review import PeerResults, peer_results, results_from_totals


def received(scores_by_ratee):
    """(rater, ratee, score) tuples from {ratee: [scores]}, each from a distinct rater."""
    return [(f"r{ratee}-{n}", ratee, score)
            for ratee, scores in scores_by_ratee.items() for n, score in enumerate(scores)]


def members_with_raters(scores_by_ratee):
    raters = [rater for rater, _, _ in received(scores_by_ratee)]
    return list(scores_by_ratee) + raters


def test_averages_ranks_with_ties_and_the_alliance_score():
    scores = [("a", "b", 90), ("a", "c", 85), ("a", "d", 70),
              ("b", "a", 81), ("b", "c", 86), ("b", "d", 70),
              ("c", "a", 90), ("c", "b", 80), ("c", "d", 70),
              ("d", "a", 85), ("d", "b", 85), ("d", "c", 85)]
    result = peer_results(scores, ["a", "b", "c", "d"])
    # a (81+90+85)/3 = 85.33; b (90+80+85)/3 = 85.00; c (85+86+85)/3 = 85.33; d 70.
    assert result.averages == {"a": Decimal("85.33"), "b": Decimal("85.00"),
                               "c": Decimal("85.33"), "d": Decimal("70.00")}
    assert result.ranks == {"a": 1, "b": 3, "c": 1, "d": 4}
    assert result.raters == {"a": 3, "b": 3, "c": 3, "d": 3}
    assert result.score == Decimal("81.42")  # 325.66 / 4 = 81.415, half up
    assert result.scored == 4


def test_ranks_skip_after_a_shared_place():
    result = peer_results([("x", 1, 90), ("x", 2, 80), ("x", 3, 80), ("x", 4, 70)],
                          ["x", 1, 2, 3, 4])
    assert [result.ranks[m] for m in (1, 2, 3, 4)] == [1, 2, 2, 4]


def test_averages_round_half_up_not_to_even():
    # 3401 / 40 = 85.025 exactly: half up gives 85.03 (to even, or a float, 85.02).
    scores = [(f"r{n}", "m", 85) for n in range(39)] + [("r39", "m", 86)]
    result = peer_results(scores, ["m", *(f"r{n}" for n in range(40))])
    assert result.averages["m"] == Decimal("85.03")
    assert peer_results([("a", "b", 80), ("c", "b", 81), ("a", "c", 80)],
                        ["a", "b", "c"]).averages["b"] == Decimal("80.50")
    assert peer_results(received({1: [80, 81, 81]}), members_with_raters({1: [80, 81, 81]})) \
        .averages[1] == Decimal("80.67")


def test_the_alliance_score_rounds_half_up():
    # Averages 80.33, 90, 90, 70.33: their mean 82.665 becomes 82.67.
    result = results_from_totals({"a": (241, 3), "b": (270, 3), "c": (270, 3), "d": (211, 3)},
                                 ["a", "b", "c", "d"])
    assert result.score == Decimal("82.67")


def test_a_member_nobody_scored_has_no_average_nor_rank_and_does_not_count():
    result = peer_results([("a", "b", 90), ("b", "a", 80)], ["a", "b", "c"])
    assert result.averages["c"] is None and result.ranks["c"] is None
    assert result.raters["c"] == 0
    assert result.score == Decimal("85.00")  # c is not a zero in the mean
    assert result.scored == 2


def test_nobody_scored():
    assert peer_results([], ["a", "b"]) == PeerResults(
        {"a": None, "b": None}, {"a": None, "b": None}, {"a": 0, "b": 0}, None)
    assert peer_results([], []) == PeerResults({}, {}, {}, None)


def test_scores_of_oneself_or_with_a_non_member_are_left_out():
    scores = [("a", "a", 100),  # of oneself
              ("gone", "a", 10),  # by a former member
              ("a", "gone", 50),  # of a former member
              ("b", "a", 80), ("a", "b", 90)]
    result = peer_results(scores, ["a", "b"])
    assert result.averages == {"a": Decimal("80.00"), "b": Decimal("90.00")}
    assert result.raters == {"a": 1, "b": 1} and "gone" not in result.averages


member_ids = st.lists(st.integers(1, 12), min_size=1, max_size=8, unique=True)


@st.composite
def reviews(draw):
    members = draw(member_ids)
    pairs = [(r, t) for r in members for t in members if r != t]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) \
        if pairs else []
    return members, [(r, t, draw(st.integers(0, 100))) for r, t in chosen]


@given(reviews())
def test_rule_properties(review):
    members, scores = review
    result = peer_results(scores, members)
    assert set(result.averages) == set(result.ranks) == set(result.raters) == set(members)
    scored = {m: a for m, a in result.averages.items() if a is not None}
    for member, average in result.averages.items():
        mine = [s for _, t, s in scores if t == member]
        assert result.raters[member] == len(mine)
        if not mine:
            assert average is None and result.ranks[member] is None
            continue
        assert average == (Decimal(sum(mine)) / len(mine)).quantize(Decimal("0.01"),
                                                                     "ROUND_HALF_UP")
        # Rank: one more than the members with a strictly higher average.
        assert result.ranks[member] == 1 + sum(other > average for other in scored.values())
    if scored:
        assert min(result.ranks[m] for m in scored) == 1
        assert min(scored.values()) <= result.score <= max(scored.values())
    else:
        assert result.score is None
    # The order of the scores does not matter, and totals give the same results.
    assert peer_results(list(reversed(scores)), members) == result
    totals = {m: (sum(s for _, t, s in scores if t == m), result.raters[m]) for m in scored}
    assert results_from_totals(totals, members) == result
