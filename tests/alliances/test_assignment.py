"""The cross-inspection generator (issue 10 §6): for every N from 2 to 40, no self-inspection,
a bijection, no mutual pair when N ≥ 3, the same result for the same seed and any key order."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliances.assignment import assign_inspections


def check(keys, seed):
    assignment = assign_inspections(keys, seed)
    assert set(assignment) == set(keys), "every key inspects"
    assert sorted(assignment.values()) == sorted(keys), "every key is inspected exactly once"
    assert all(inspector != inspected for inspector, inspected in assignment.items())
    if len(keys) >= 3:
        assert all(assignment[inspected] != inspector
                   for inspector, inspected in assignment.items()), "a mutual pair"
    shuffled = list(keys)
    random.Random(seed + 1).shuffle(shuffled)
    assert assign_inspections(shuffled, seed) == assignment, "key order changed the result"
    assert assign_inspections(list(reversed(keys)), seed) == assignment
    return assignment


@pytest.mark.parametrize("n", range(2, 41))
def test_every_size_from_2_to_40_with_several_seeds(n):
    keys = [1000 + 7 * i for i in range(n)]
    for seed in (0, 1, 42, 2026, 2**31 - 1):
        assert check(keys, seed) == assign_inspections(keys, seed)


@settings(max_examples=300, deadline=None)
@given(keys=st.sets(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=40),
       seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_property_any_keys_any_seed(keys, seed):
    check(sorted(keys), seed)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=2, max_value=40), seed=st.integers(min_value=0,
                                                                   max_value=2**31 - 1))
def test_property_every_size(n, seed):
    check([f"联盟{i:02d}" for i in range(n)], seed)


def test_two_alliances_inspect_each_other():
    assert assign_inspections([5, 9], 123) == {5: 9, 9: 5}


def test_seeds_give_different_assignments():
    keys = list(range(10))
    assert len({tuple(sorted(assign_inspections(keys, seed).items()))
                for seed in range(20)}) > 1


@pytest.mark.parametrize("keys", [[], [1]])
def test_fewer_than_two_is_refused_in_chinese(keys):
    with pytest.raises(ValueError, match="至少需要两个联盟"):
        assign_inspections(keys, 1)


def test_duplicates_are_refused():
    with pytest.raises(ValueError, match="不能重复"):
        assign_inspections([1, 2, 2], 1)
