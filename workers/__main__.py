"""``python -m workers``: run one arq worker process until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import os

import uvloop

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from berrys_app.observability import logs, scrape  # deferred: after the env defaults above
    from berrys_app.settings import get_settings  # deferred: after the env defaults above

    settings = get_settings()
    logs.configure(settings.log_level, fmt=settings.log_format)  # BERRYS_LOG_LEVEL; INFO logs every job
    import berrys_app.domain  # noqa: F401  # deferred: after logging is set up (registers every table)
    from workers.settings import build_worker  # deferred: loads litellm, after logging is set up

    scrape.serve_worker_metrics()  # BERRYS_WORKER_METRICS_PORT (+ BERRYS_WORKER_INDEX); off when 0

    # libuv's event loop: less CPU per task than asyncio's own (bench/engine.py); arq's Worker()
    # takes the current loop. The web process gets it from Granian, which picks uvloop when installed.
    asyncio.set_event_loop(uvloop.new_event_loop())

    build_worker().run()


if __name__ == "__main__":
    main()
