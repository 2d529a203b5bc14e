"""What every resolver sees: the caller, its tenant's memory, the limits, the request's loaders and clock.

The memory is already scoped to the key's tenant (`Memory.for_tenant`), so no resolver can reach
another tenant's data. `now` is fixed once per request: every default basis of one response is the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool

from tkgmem.errors import PermissionDenied
from tkgmem.graphql.keys import Principal, Role
from tkgmem.graphql.limits import Limits
from tkgmem.graphql.loaders import Loaders
from tkgmem.memory import Memory
from tkgmem.temporal import Basis, ResolvedBasis

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class RequestContext:
    memory: Memory
    principal: Principal
    limits: Limits
    now: datetime
    loaders: Loaders
    request: Any = None
    response: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    def require(self, role: Role) -> None:
        if not self.principal.role.allows(role):
            raise PermissionDenied(
                f"this operation needs a key with role {role.value!r}; your key {self.principal.key_id} has role "
                f"{self.principal.role.value!r} (create one with `tkgmem keys create --tenant "
                f"{self.principal.tenant} --role {role.value}`)"
            )

    def resolve(self, basis: Basis | None) -> ResolvedBasis:
        """A client's basis with defaults filled from this request's clock."""
        return (basis or Basis()).resolved(self.now)

    async def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a synchronous memory call in the threadpool, so the event loop keeps serving."""
        return await run_in_threadpool(fn, *args, **kwargs)


def ctx(info: strawberry.Info) -> RequestContext:
    context: RequestContext = info.context
    return context


def as_basis(rb: ResolvedBasis) -> Basis:
    return Basis(valid_at=rb.valid_at, as_of=rb.as_of)
