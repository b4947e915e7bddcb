import torch

from model.prefix_cache import PrefixCache


def entry(value: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.full((5,), value), torch.full((2, 3), value), torch.full((2, 3), -value)


def test_the_longest_stored_prefix_is_found():
    cache = PrefixCache()
    cache.put([1, 2], *entry(1.0))
    cache.put([1, 2, 3, 4], *entry(2.0))
    cache.put([1, 9, 3], *entry(3.0))
    assert cache.longest([1, 2, 3, 4, 5])[0] == 4
    assert cache.longest([1, 2, 3, 4])[1][0][0] == 2.0  # a prompt stored whole is found whole
    assert cache.longest([1, 2, 3])[0] == 2
    assert cache.longest([7, 1, 2]) == (0, None)


def test_it_keeps_only_the_most_recently_used():
    cache = PrefixCache(capacity=2)
    cache.put([1], *entry(1.0))
    cache.put([2], *entry(2.0))
    cache.longest([1, 5])  # used: [2] is now the oldest
    cache.put([3], *entry(3.0))
    assert len(cache) == 2
    assert cache.longest([2, 5]) == (0, None)
    assert cache.longest([1, 5])[0] == 1 and cache.longest([3])[0] == 1


def test_stored_tensors_are_copies():
    cache = PrefixCache()
    logits, h, c = entry(1.0)
    cache.put([1], logits, h, c)
    h += 5
    assert cache.longest([1])[1][1][0, 0] == 1.0
