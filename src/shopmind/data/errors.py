"""Errors the store raises (re-exported by :mod:`shopmind.data.store`)."""

from __future__ import annotations


class NotFoundError(LookupError):
    """A requested entity does not exist."""


class InvalidTransitionError(ValueError):
    """An order change that the order life cycle does not allow; ``status`` is the order's current one."""

    def __init__(self, message: str, status: str = "") -> None:
        super().__init__(message)
        self.status = status
