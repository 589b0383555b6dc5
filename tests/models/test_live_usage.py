"""Each model call tells the dashboard its cost and tokens live (transient messages, no extra rows)."""

from __future__ import annotations

import pytest
import redis

from berrys_app.keys import events_channel
from berrys_app.services import events
from berrys_app.services.models import CompletionRequest, complete, scripted

PROMPT = [{"role": "user", "content": "one two three four"}]  # 4 scripted tokens


def _messages(pubsub) -> list[dict]:
    found = []
    while (message := pubsub.get_message(timeout=0.5)) is not None:
        if message["type"] == "message":
            found.extend(events.unpack(message["data"]))
    return found


@pytest.mark.parametrize("stream", [False, True])
async def test_a_priced_call_publishes_its_cost_and_tokens(env, add_model, make_project, stream: bool) -> None:
    add_model("scripted/priced", input_price="0.001", output_price="0.003")
    project = make_project(budget_usd=1.0)
    scripted.rule("priced", contains="one", step={"content": "a b"})
    pubsub = redis.Redis.from_url(env["REDIS_URL"], decode_responses=True).pubsub()
    pubsub.subscribe(events_channel())
    result = await complete(
        CompletionRequest(model="scripted/priced", messages=PROMPT, project_id=project.id, stream=stream, max_tokens=6)
    )
    usage = [m for m in _messages(pubsub) if "cost_usd" in m["payload"]]
    assert len(usage) == 1  # once per call: on the stream's last message, else its own message
    [message] = usage
    assert message["kind"] == ("model.token" if stream else "model.usage")
    assert message["project_id"] == str(project.id) and message["id"] is None
    assert message["payload"]["cost_usd"] == pytest.approx(result.cost_usd) == pytest.approx(4 * 0.001 + 2 * 0.003)
    assert message["payload"]["tokens"] == 6
