"""core.lru.BoundedMemo: the per-process memo behind fragments, excerpts and the reply form."""

from __future__ import annotations

import threading

import pytest

from alongside.core.lru import BoundedMemo


def test_the_least_recently_used_entry_goes_first() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recently used
    memo.put("c", 3)
    assert memo.get("b") is None
    assert (memo.get("a"), memo.get("c")) == (1, 3)
    assert len(memo) == 2


def test_get_or_compute_computes_once_per_key_and_counts() -> None:
    memo: BoundedMemo[str, str] = BoundedMemo(10)
    calls: list[str] = []

    def compute(value: str) -> str:
        calls.append(value)
        return value.upper()

    assert memo.get_or_compute("x", lambda: compute("x")) == "X"
    assert memo.get_or_compute("x", lambda: compute("x")) == "X"
    assert memo.get_or_compute("y", lambda: compute("y")) == "Y"
    assert calls == ["x", "y"]
    assert (memo.hits, memo.misses) == (1, 2)
    memo.clear()
    assert len(memo) == 0 and (memo.hits, memo.misses) == (0, 0)


def test_a_memo_must_hold_something() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BoundedMemo(0)


def test_threads_share_it_without_losing_the_bound() -> None:
    memo: BoundedMemo[int, int] = BoundedMemo(50)

    def work(offset: int) -> None:
        for n in range(2000):
            key = (n * 7 + offset) % 300
            assert memo.get_or_compute(key, lambda key=key: key * 2) == key * 2

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memo) == 50
