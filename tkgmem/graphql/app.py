"""The ASGI app: /graphql (GraphQL over GET and POST, a console page in a browser) and /healthz.

Authentication happens before GraphQL runs: a request without a valid bearer key gets HTTP 401 and
no data. The key's tenant picks the memory view (`Memory.for_tenant`) every resolver uses.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from tkgmem.graphql.console import CONSOLE_HTML
from tkgmem.graphql.context import RequestContext
from tkgmem.graphql.keys import KeyStore, Principal
from tkgmem.graphql.limits import Limits
from tkgmem.graphql.loaders import Loaders
from tkgmem.graphql.schema import build_schema
from tkgmem.memory import Memory
from tkgmem.store import Store
from tkgmem.temporal import utcnow

log = logging.getLogger(__name__)


class _View(GraphQL):
    """Strawberry's ASGI view with our context (the caller's tenant memory, loaders, limits, clock)."""

    def __init__(self, memory: Memory, limits: Limits) -> None:
        super().__init__(build_schema(limits), graphql_ide=None, allow_queries_via_get=True)
        self.memory = memory
        self.limits = limits

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Any:
        principal: Principal = request.scope["state"]["principal"]
        memory = self.memory.for_tenant(principal.tenant)
        return RequestContext(memory=memory, principal=principal, limits=self.limits, now=utcnow(),
                              loaders=Loaders(memory), request=request, response=response)


def _wants_page(request: Request) -> bool:
    return (request.method == "GET" and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", ""))


def _too_large(limit: int) -> JSONResponse:
    message = f"request body over maxBodyBytes ({limit} bytes); send smaller batches or shorter variables"
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {
        "code": "LIMIT_EXCEEDED", "limit": "maxBodyBytes"}}]}, status_code=413)


async def _bounded_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it passes `limit` (without reading the rest)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _unauthenticated(message: str) -> JSONResponse:
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
                        status_code=401, headers={"WWW-Authenticate": 'Bearer realm="tkgmem"'})


class GraphQLEndpoint:
    """Bearer-key gate in front of the GraphQL view; serves the console page to browsers."""

    def __init__(self, memory: Memory, keys: KeyStore, limits: Limits) -> None:
        self.view = _View(memory, limits)
        self.keys = keys
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await WebSocket(scope, receive, send).close(code=1008)
            return
        request = Request(scope, receive)
        if _wants_page(request):
            await HTMLResponse(CONSOLE_HTML)(scope, receive, send)
            return
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await _unauthenticated(
                "no API key: send `Authorization: Bearer <key>`; create one with "
                "`tkgmem keys create --tenant NAME --role read`")(scope, receive, send)
            return
        principal = self.keys.verify(token)
        if principal is None:
            await _unauthenticated("invalid or revoked API key")(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        limit = self.limits.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        body = await _bounded_body(receive, limit)
        if body is None:
            await _too_large(limit)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only http.disconnect can come after the body
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.view(scope, replay, send)


async def _healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _home(request: Request) -> RedirectResponse:
    return RedirectResponse("/graphql")


def warm_tenants(store: Store, freeze: bool = False) -> None:
    """What every tenant's first search would load, loaded now (see `Store.warm`); a failure is logged,
    not raised: the first search then loads it itself.

    `freeze` (for a process that only serves) then moves every object alive to the garbage collector's
    permanent generation (`gc.freeze`). A full collection visits every tracked object: ~25 ms with the
    modules a server imports, paid by whichever request triggers it, about one search in twenty."""
    try:
        for tenant in store.tenants():
            store.warm(tenant)
    except Exception as exc:  # best effort on a side thread: requests report their own errors
        log.warning("warming the store's search indexes failed (%s); the first search of a tenant will load "
                    "them instead", type(exc).__name__)
    if freeze:
        gc.collect()
        gc.freeze()


def create_app(memory: Memory, keys: KeyStore, limits: Limits | None = None, freeze_gc: bool = False) -> Starlette:
    """The app for one store; tenants come from the keys. Serving starts at once; the tenants' search
    indexes are loaded meanwhile on a background thread (`warm_tenants`, which freezes the garbage
    collector's view of the process when `freeze_gc`: `tkgmem serve` asks for it, an app embedded in
    another program should not)."""
    endpoint = GraphQLEndpoint(memory, keys, limits or Limits())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.warming = threading.Thread(target=warm_tenants, args=(memory.store, freeze_gc), name="tkgmem-warm",
                                             daemon=True)
        app.state.warming.start()
        yield

    return Starlette(lifespan=lifespan, routes=[
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        Route("/", _home, methods=["GET"]),
    ])
