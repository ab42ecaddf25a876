"""A cap on the native thread pools (OpenMP, BLAS) that scikit-learn fits use.

On a small or shared machine, OpenMP's busy-waiting workers oversubscribe the cores and a
sub-second k-means or gradient-boosting fit can take minutes; marketing models are small, so they
run with ``SHOPMIND_MARKETING_THREADS`` threads (default 1).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def limited_threads(n: int | None = None) -> Iterator[None]:
    """Run the body with at most ``n`` (default: $SHOPMIND_MARKETING_THREADS or 1) native threads."""
    from threadpoolctl import threadpool_limits

    n = n or int(os.environ.get("SHOPMIND_MARKETING_THREADS", "1"))
    with threadpool_limits(limits=max(1, n)):
        yield


def capped(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``fn`` inside :func:`limited_threads`."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with limited_threads():
            return fn(*args, **kwargs)

    return wrapper
