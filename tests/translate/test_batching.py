from hypothesis import given
from hypothesis import strategies as st

from xner.translate.base import make_batches


def test_batches_sorted_longest_first_within_budget():
    assert make_batches([3, 10, 2, 9, 1], batch_tokens=20) == [[1, 3], [0, 2, 4]]


def test_oversized_item_gets_its_own_batch():
    assert make_batches([50, 1, 1], batch_tokens=10) == [[0], [1, 2]]


@given(st.lists(st.integers(1, 60), max_size=60), st.integers(1, 200), st.integers(1, 16))
def test_batches_partition_and_respect_limits(lengths, budget, max_size):
    batches = make_batches(lengths, budget, max_size)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= max_size
        assert len(b) == 1 or max(lengths[i] for i in b) * len(b) <= budget
    # deterministic, and non-increasing lengths across the flattened order
    assert make_batches(lengths, budget, max_size) == batches
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
