"""``python -m workers``: run one arq worker process until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from berrys_app.settings import get_settings

    logging.basicConfig(level=get_settings().log_level)  # BERRYS_LOG_LEVEL; INFO logs every job
    import berrys_app.domain  # noqa: F401  (register every table)
    from workers.settings import build_worker

    build_worker().run()


if __name__ == "__main__":
    main()
