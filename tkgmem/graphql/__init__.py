"""The GraphQL API: strawberry on Starlette, served by `tkgmem serve` at /graphql.

Modules: `scalars` (DateTime), `values` (basis, intervals), `filters` (where inputs), `connections`
(Relay paging), `types` (Entity/Fact/Event/Episode), `results`, `queries`, `questions`, `mutations`,
`loaders` (per-request DataLoaders), `keys` (API keys), `limits` (limits, error policy), `context`,
`schema`, `console` (offline console page) and `app` (the ASGI app with the bearer-key gate).
"""
