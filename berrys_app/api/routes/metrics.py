"""``GET /metrics``: this web process's Prometheus metrics, on the app's own port.

Open unless ``BERRYS_METRICS_TOKEN`` is set; then only with ``Authorization: Bearer <token>``
(the same check as the workers' endpoints, ``observability.scrape.authorized``).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from berrys_app.observability import scrape
from berrys_app.services.errors import Unauthorized

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The text exposition (read off the event loop: the state gauges query Redis and PostgreSQL)."""
    if not scrape.authorized(request.headers.get("authorization")):
        raise Unauthorized("a bearer token is required to read the metrics (BERRYS_METRICS_TOKEN)")
    body, content_type = await asyncio.to_thread(scrape.exposition)
    return Response(body, media_type=content_type)
