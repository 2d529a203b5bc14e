"""The one exception hierarchy of tkgmem: catch `TkgError` to catch everything we raise on purpose."""

from __future__ import annotations


class TkgError(Exception):
    """Root of every error tkgmem raises deliberately. Messages say how to fix the problem."""


class ConfigError(TkgError):
    """Bad settings, store URL or flag."""


class InputError(TkgError):
    """A record, file or question that cannot be understood."""


class NotFoundError(TkgError):
    """An id that names nothing in this tenant."""


class ConflictError(TkgError):
    """A write that would break the bi-temporal rules (e.g. expiring a version before it was recorded)."""


class StoreError(TkgError):
    """The store failed or is in a state we cannot work with."""


class PermissionDenied(TkgError):
    """An API key without the role or tenant needed."""
