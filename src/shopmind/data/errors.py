"""Errors the store raises (re-exported by :mod:`shopmind.data.store`)."""

from __future__ import annotations

from sqlalchemy import exc as _sa_exc

# What the database driver raises when the database cannot be reached or the pool has no connection
# left (the API answers these 503; callers outside the data layer name them through this tuple).
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    _sa_exc.OperationalError,
    _sa_exc.InterfaceError,
    _sa_exc.DisconnectionError,
    _sa_exc.TimeoutError,
)


class NotFoundError(LookupError):
    """A requested entity does not exist."""


class InvalidTransitionError(ValueError):
    """An order change that the order life cycle does not allow; ``status`` is the order's current one."""

    def __init__(self, message: str, status: str = "") -> None:
        super().__init__(message)
        self.status = status
