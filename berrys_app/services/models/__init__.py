"""Model orchestration: every LLM call of Berrys goes through ``complete()``.

    from berrys_app.services.models import complete, CompletionRequest, CompletionResult, ModelError
    result = await complete(CompletionRequest(messages=[...], project_id=..., call_key=...))

Importing the package keeps litellm offline (local cost map) and registers the
in-process providers ``embedded/...`` and ``scripted/...`` with litellm.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from berrys_app.services.models import scripted
from berrys_app.services.models.catalogue import ensure_catalogue
from berrys_app.services.models.errors import ModelError
from berrys_app.services.models.litellm_bridge import register as _register
from berrys_app.services.models.schemas import CompletionRequest, CompletionResult
from berrys_app.services.models.service import complete

_register()

__all__ = [
    "CompletionRequest",
    "CompletionResult",
    "ModelError",
    "complete",
    "ensure_catalogue",
    "scripted",
]
