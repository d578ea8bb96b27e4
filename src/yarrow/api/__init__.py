"""HTTP layer: routers per audience, the error mapping, SSE helpers and dependencies."""
