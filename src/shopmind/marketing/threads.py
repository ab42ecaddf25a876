"""A cap on the native thread pools (OpenMP, BLAS) that scikit-learn fits use.

On a small or shared machine, OpenMP's busy-waiting workers oversubscribe the cores and a
sub-second k-means or gradient-boosting fit can take minutes; marketing models are small, so they
run with one native thread unless the caller says otherwise. The caller (the marketing service,
from its config; a benchmark, from its flag) sets the count with :func:`limited_threads` around
its work; every fit and predict decorated with :func:`capped` runs under that count (1 when no
caller set one). The count is held in a context variable, so it is scoped to the calling thread
and restored when the ``with`` block ends.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_THREADS = 1
_threads: ContextVar[int] = ContextVar("shopmind_marketing_threads", default=DEFAULT_THREADS)


def current_threads() -> int:
    """The native thread count in force for marketing fits in this context."""
    return _threads.get()


@contextmanager
def limited_threads(n: int | None = None) -> Iterator[None]:
    """Run the body with at most ``n`` native threads (None: the count already in force, default 1).

    Fits decorated with :func:`capped` inside the body use the same count."""
    from threadpoolctl import threadpool_limits

    n = max(1, int(n)) if n is not None else _threads.get()
    token = _threads.set(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        _threads.reset(token)


def capped(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``fn`` inside :func:`limited_threads` with the count in force."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with limited_threads():
            return fn(*args, **kwargs)

    return wrapper
