"""The web process freezes its heap after the startup imports (full collections stay short)."""

from __future__ import annotations

import gc

from berrys_app.ui import live


async def test_the_heap_is_frozen_after_the_heavy_startup_imports() -> None:
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        await live._warm_imports()
        assert gc.get_freeze_count() > 100_000  # litellm & co. moved to the permanent generation
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
