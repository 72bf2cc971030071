"""assign_grades: the 10% 差 floor, ties never split, 优秀 only from the top within the rule."""

import math
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.grading import Grade, PoorReason, assign_grades, grade_cohort

E, G, P = "excellent", "good", "poor"


def grades_of(scores, **rules):
    return "".join({E: "E", G: "G", P: "P"}[assign_grades(scores, **rules)[k]] for k in scores)


# Hand-worked cases: keys are listed highest score first; the expected string reads along them.
@pytest.mark.parametrize(("scores", "rules", "expected"), [
    # N = 1: ceil(0.1) = 1, the only person is 差; a 20% cap is floor(0.2) = 0 优秀.
    ([90], {"excellent_max_ratio": Decimal("0.2")}, "P"),
    # N = 3: one 差; cap floor(0.6) = 0.
    ([90, 80, 70], {"excellent_max_ratio": Decimal("0.2")}, "GGP"),
    # N = 10: one 差, two 优秀.
    (list(range(100, 90, -1)), {"excellent_max_ratio": Decimal("0.2")}, "EEGGGGGGGP"),
    # N = 11: ceil(1.1) = 2 差; cap floor(2.2) = 2.
    (list(range(100, 89, -1)), {"excellent_max_ratio": Decimal("0.2")}, "EEGGGGGGGPP"),
    # N = 20: 2 差, 4 优秀.
    (list(range(100, 80, -1)), {"excellent_max_ratio": Decimal("0.2")}, "EEEE" + "G" * 14 + "PP"),
    # A tie straddling the 差 quota goes wholly to 差 (N = 10, quota 1, two tied at the bottom).
    ([100, 99, 98, 97, 96, 95, 94, 93, 90, 90], {}, "GGGGGGGGPP"),
    # A tie straddling the 优秀 cap stays wholly out (cap 2; 2nd and 3rd tied).
    ([100, 99, 99, 97, 96, 95, 94, 93, 92, 91], {"excellent_max_ratio": Decimal("0.2")},
     "EGGGGGGGGP"),
    # Tie-break keys decide before a tie: (score, months served).
    ([(90, 3), (90, 2), (80, 5), (80, 5), (70, 1), (60, 12), (60, 11), (50, 0), (40, 0), (30, 9)],
     {"excellent_max_ratio": Decimal("0.2")}, "EEGGGGGGGP"),
    # A minimum score alone: 优秀 from the top while ≥ 95, no cap.
    ([99, 97, 95, 94, 90, 80, 70, 60, 50, 40], {"excellent_min_score": 95}, "EEEGGGGGGP"),
    # Cap and minimum together: the stricter wins.
    ([99, 94, 93, 92, 91, 90, 89, 88, 87, 86],
     {"excellent_max_ratio": Decimal("0.3"), "excellent_min_score": 95}, "EGGGGGGGGP"),
    # Neither cap nor minimum score: nobody is 优秀.
    ([100, 99, 98, 97, 96, 95, 94, 93, 92, 91], {}, "GGGGGGGGGP"),
])
def test_hand_worked_cases(scores, rules, expected):
    keyed = {f"p{i}": score for i, score in enumerate(scores)}
    assert grades_of(keyed, **rules) == expected


def test_vetoed_are_poor_count_toward_the_quota_and_are_never_excellent():
    scores = {f"p{i}": 100 - i for i in range(20)}  # quota 2
    grading = grade_cohort(scores, excellent_max_ratio=Decimal("0.2"), vetoed={"p0"})
    assert grading.grades["p0"] == Grade.POOR
    assert grading.poor_reasons["p0"] == PoorReason.VETO
    assert [k for k, g in grading.grades.items() if g == Grade.POOR] == ["p0", "p19"]
    assert grading.grades["p1"] == Grade.EXCELLENT and grading.count(Grade.EXCELLENT) == 4


def test_more_vetoes_than_the_quota_leave_the_lowest_alone():
    scores = {f"p{i}": 100 - i for i in range(10)}  # quota 1
    assert assign_grades(scores, vetoed={"p0", "p1"})["p9"] == Grade.GOOD


def test_the_preview_says_how_many_over_the_quota_a_tie_put():
    scores = {"a": 90, "b": 80, "c": 70, "d": 70, "e": 70} | {f"x{i}": 95 for i in range(5)}
    grading = grade_cohort(scores)  # N = 10, quota 1, three tied at the bottom
    assert (grading.poor_quota, grading.over_quota) == (1, 2)
    assert {grading.poor_reasons[k] for k in "cde"} == {PoorReason.TIE}


def test_exact_decimal_arithmetic_at_the_quota():
    # 0.1 × 30 is exactly 3 (a float product would be 3.0000000000000004 → ceil 4).
    scores = {f"p{i}": i for i in range(30)}
    assert sum(g == P for g in assign_grades(scores).values()) == 3


def test_an_empty_cohort():
    assert assign_grades({}) == {}


def test_a_hundred():
    scores = {f"p{i}": i for i in range(100)}
    grades = assign_grades(scores, excellent_max_ratio=Decimal("0.2"))
    assert [sum(g == x for g in grades.values()) for x in (E, G, P)] == [20, 70, 10]


score_values = st.integers(min_value=0, max_value=6)
cohorts = st.dictionaries(st.integers(0, 10_000), st.one_of(
    score_values, st.tuples(score_values, score_values)).map(
        lambda s: s if isinstance(s, tuple) else (s, 0)), min_size=1, max_size=60)
ratios = st.sampled_from([None, Decimal("0.1"), Decimal("0.2"), Decimal("0.25"), Decimal("0.5")])


@settings(max_examples=300, deadline=None)
@given(cohorts, ratios, st.one_of(st.none(), score_values), st.data())
def test_grading_properties(scores, cap, minimum, data):
    vetoed = data.draw(st.sets(st.sampled_from(sorted(scores)), max_size=3))
    rules = {"excellent_max_ratio": cap, "excellent_min_score": minimum, "vetoed": vetoed}
    grades = assign_grades(scores, **rules)
    n = len(scores)
    poor = [k for k, g in grades.items() if g == P]
    excellent = [k for k, g in grades.items() if g == E]
    assert len(poor) >= math.ceil(Decimal("0.1") * n)
    assert all(grades[k] == P for k in vetoed)
    if cap is not None:
        assert len(excellent) <= math.floor(cap * n)
    if cap is None and minimum is None:
        assert not excellent
    if minimum is not None:
        assert all(scores[k][0] >= minimum for k in excellent)
    for a in scores:  # equal scores, equal grades (vetoes aside)
        for b in scores:
            if scores[a] == scores[b] and a not in vetoed and b not in vetoed:
                assert grades[a] == grades[b]
    for a in excellent:  # 优秀 only from the top, 差 (but vetoes) only from the bottom
        assert all(scores[a] > scores[b] for b in scores if grades[b] != E and b not in vetoed)
    for a in poor:
        if a not in vetoed:
            assert all(scores[a] < scores[b] for b in scores if grades[b] != P)
    shuffled = list(scores.items())
    random.Random(n).shuffle(shuffled)
    assert assign_grades(dict(shuffled), **rules) == grades
