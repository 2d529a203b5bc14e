"""tkgmem: a temporal knowledge-graph memory.

`from tkgmem import Memory` is the entry point; importing the package loads nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Basis", "Interval", "Memory", "TkgError"]

if TYPE_CHECKING:
    from tkgmem.errors import TkgError
    from tkgmem.memory import Memory
    from tkgmem.temporal import Basis, Interval


def __getattr__(name: str) -> Any:
    if name == "Memory":
        from tkgmem.memory import Memory

        return Memory
    if name in {"Basis", "Interval"}:
        from tkgmem import temporal

        return getattr(temporal, name)
    if name == "TkgError":
        from tkgmem.errors import TkgError

        return TkgError
    raise AttributeError(f"module 'tkgmem' has no attribute {name!r}")
