"""Hard budgets (exact boundary, concurrency) and token/cost accounting."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from berrys_app.domain.events import Event
from berrys_app.domain.models import ModelCall
from berrys_app.services.errors import BudgetExceeded
from berrys_app.services.models import CompletionRequest, complete, scripted, tokens
from berrys_app.services.models.accounting import usage
from berrys_app.services.models.budgets import spent
from berrys_app.services.models.spec import ModelSpec
from berrys_app.settings import get_settings

PROMPT = [{"role": "user", "content": "one two three four"}]  # 4 scripted tokens


def _request(project_id: uuid.UUID, **extra) -> CompletionRequest:
    return CompletionRequest(model="scripted/priced", messages=PROMPT, project_id=project_id, max_tokens=6, **extra)


async def test_token_budget_allows_exactly_the_boundary_and_refuses_one_more(env, session, add_model, make_project):
    add_model("scripted/priced")
    worst = 4 + 6
    at_boundary = make_project(budget_tokens=worst)
    below = make_project(budget_tokens=worst - 1)
    scripted.rule("priced", contains="one", step={"content": "a b"})
    assert (await complete(_request(at_boundary.id))).content == "a b"
    with pytest.raises(BudgetExceeded) as info:
        await complete(_request(below.id))
    assert info.value.code == "budget_exceeded"
    assert info.value.details["scope"] == "project" and info.value.details["unit"] == "tokens"
    assert scripted.calls("priced") == 1  # refused BEFORE calling the provider


async def test_usd_budget_is_exact_at_the_boundary(env, session, add_model, make_project):
    add_model("scripted/priced", input_price="0.001", output_price="0.003")
    assert 4 * 0.001 + 6 * 0.003 != 0.022  # float arithmetic would get this boundary wrong
    exact = make_project(budget_usd=0.022)
    short = make_project(budget_usd=0.0219999)
    scripted.rule("priced", contains="one", step={"content": "a b"})
    result = await complete(_request(exact.id))
    assert result.cost_usd == pytest.approx(4 * 0.001 + 2 * 0.003)
    with pytest.raises(BudgetExceeded) as info:
        await complete(_request(short.id))
    assert info.value.details["unit"] == "usd"


async def test_spent_budget_refuses_the_next_call_and_records_the_refusal(env, session, add_model, make_project):
    add_model("scripted/priced", input_price="0.001", output_price="0.001")
    project = make_project(budget_usd=0.015)  # first call worst 0.010, costs 0.006; second worst 0.010 > 0.009 left
    scripted.rule("priced", contains="one", step={"content": "a b"})
    await complete(_request(project.id, task_id=uuid.uuid4()))
    with pytest.raises(BudgetExceeded):
        await complete(_request(project.id))
    session.expire_all()
    rows = session.exec(select(ModelCall).where(ModelCall.project_id == project.id)).all()
    assert sorted((r.status, r.error) for r in rows) == [("ok", None), ("refused", "budget_exceeded")]
    [event] = session.exec(select(Event).where(Event.kind == "model.budget_exceeded")).all()
    assert event.project_id == project.id and event.payload["unit"] == "usd"


async def test_agent_budget_is_enforced_across_calls(env, add_model):
    add_model("scripted/priced")
    agent = uuid.uuid4()
    scripted.rule("priced", contains="one", step={"content": "a b c d e f"})
    request = CompletionRequest(
        model="scripted/priced", messages=PROMPT, agent_id=agent, agent_budget_tokens=20, max_tokens=6
    )
    await complete(request)  # uses 10 tokens
    await complete(request)  # 10 + 10 <= 20
    with pytest.raises(BudgetExceeded) as info:
        await complete(request)
    assert info.value.details["scope"] == "agent"


def _call_in_thread(request: CompletionRequest) -> str:
    try:
        return asyncio.run(complete(request)).content
    except BudgetExceeded:
        return "refused"


async def test_concurrent_calls_never_overspend_together(env, session, add_model, make_project):
    add_model("scripted/priced", input_price="0.001", output_price="0.001")
    project = make_project(budget_usd=0.030)  # exactly three worst cases of 0.010
    scripted.rule("priced", contains="one", step={"content": "a b c d e f", "delay": 0.3})  # actual == worst case
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=6) as pool:  # separate threads + event loops: real concurrent transactions
        outcomes = await asyncio.gather(
            *(loop.run_in_executor(pool, _call_in_thread, _request(project.id)) for _ in range(6))
        )
    assert outcomes.count("refused") == 3 and outcomes.count("a b c d e f") == 3
    used_usd, used_tokens = spent(session, project_id=project.id)
    assert used_usd == Decimal("0.030") and used_tokens == 30


async def test_settled_calls_release_the_unused_reservation(env, session, add_model, make_project):
    add_model("scripted/priced")
    project = make_project(budget_tokens=25)
    scripted.rule("priced", contains="one", step={"content": "a"})
    for _ in range(4):  # worst case 10 each, actual 5 each: the 4th fits only because earlier ones settled
        await complete(_request(project.id))
    assert spent(session, project_id=project.id) == (Decimal(0), 20)
    with pytest.raises(BudgetExceeded):
        await complete(_request(project.id))


async def test_stale_reservations_of_crashed_calls_count_as_spent(env, session, add_model, make_project):
    """A reservation its worker left behind (killed mid-call) may have been served: it counts."""
    from datetime import timedelta

    from berrys_app.domain.common import utcnow

    add_model("scripted/priced")
    project = make_project(budget_tokens=10)
    session.add(
        ModelCall(
            project_id=project.id,
            model="scripted/priced",
            status="running",
            reserved_tokens=10,
            reserved_until=utcnow() - timedelta(seconds=1),
        )
    )
    session.commit()
    scripted.rule("priced", contains="one", step={"content": "a"})
    with pytest.raises(BudgetExceeded):
        await complete(_request(project.id))
    assert scripted.calls("priced") == 0


async def test_tokens_and_cost_are_recorded_per_call_and_summed_per_project(env, session, add_model, make_project):
    add_model("scripted/priced", input_price="0.000002", output_price="0.00001")
    project = make_project()
    task = uuid.uuid4()
    scripted.push("priced", {"content": "alpha beta gamma"}, {"content": "delta"})
    first = await complete(_request(project.id, task_id=task, call_key=f"task:{task}:model:0"))
    second = await complete(_request(project.id, task_id=task, call_key=f"task:{task}:model:1"))
    assert (first.prompt_tokens, first.completion_tokens) == (4, 3)
    assert first.cost_usd == pytest.approx(4 * 0.000002 + 3 * 0.00001)
    assert second.cost_usd == pytest.approx(4 * 0.000002 + 1 * 0.00001)
    session.expire_all()
    rows = session.exec(select(ModelCall).where(ModelCall.task_id == task)).all()
    assert sorted(r.cost_usd for r in rows) == sorted([Decimal("0.000038"), Decimal("0.000018")])
    assert all(r.latency_ms >= 0 and r.status == "ok" for r in rows)
    totals = usage(session, project_id=project.id)
    assert (totals["calls"], totals["prompt_tokens"], totals["completion_tokens"]) == (2, 8, 4)
    assert totals["cost_usd"] == pytest.approx(0.000056)
    assert totals["by_model"][0]["model"] == "scripted/priced"


async def test_fallback_attempts_are_each_accounted(env, session, add_model, make_project):
    add_model("scripted/cheap2", input_price="0.001")
    add_model("scripted/first", input_price="0.002", fallbacks=["scripted/cheap2"])
    project = make_project(budget_usd=1.0)
    scripted.push("first", {"error": "server_error"})
    scripted.push("cheap2", {"content": "ok"})
    result = await complete(CompletionRequest(model="scripted/first", messages=PROMPT, project_id=project.id))
    assert result.model == "scripted/cheap2" and result.cost_usd == pytest.approx(0.004)
    session.expire_all()
    rows = session.exec(select(ModelCall).where(ModelCall.project_id == project.id)).all()
    assert sorted((r.model, r.status) for r in rows) == [("scripted/cheap2", "ok"), ("scripted/first", "error")]
    assert all(r.reserved_tokens == 0 and r.reserved_until is None for r in rows)  # every reservation settled


def test_spent_is_zero_for_a_new_project(env, session: Session, make_project):
    project = make_project(budget_usd=1)
    assert spent(session, project_id=project.id) == (Decimal(0), 0)


async def test_a_cancelled_call_releases_its_reservation(env, session, add_model, make_project):
    add_model("scripted/priced")
    project = make_project(budget_tokens=10)
    scripted.rule("priced", contains="one", step={"content": "a", "delay": 30})
    task = asyncio.ensure_future(complete(_request(project.id)))
    while spent(session, project_id=project.id) != (Decimal(0), 10):  # wait for the reservation to exist
        await asyncio.sleep(0.02)
        session.rollback()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    session.rollback()
    assert spent(session, project_id=project.id) == (Decimal(0), 0)
    [row] = session.exec(select(ModelCall).where(ModelCall.project_id == project.id)).all()
    assert (row.status, row.error) == ("error", "cancelled")


def test_estimated_prompt_counts_get_a_safety_margin_exact_ones_do_not():
    def spec(provider: str) -> ModelSpec:
        caps = frozenset({"chat"})
        return ModelSpec(
            name=f"{provider}/m", provider=provider, capabilities=caps, context_window=8000, max_output_tokens=9
        )

    tools = [{"type": "function", "function": {"name": "f"}}]
    assert tokens.worst_prompt_tokens(spec("scripted"), 400, tools) == 400  # the scripted count is exact
    assert tokens.worst_prompt_tokens(spec("embedded"), 400) == 400  # the chat template, exactly
    assert tokens.worst_prompt_tokens(spec("embedded"), 400, tools) == 500  # tool preamble: estimated, +25 %
    assert tokens.worst_prompt_tokens(spec("openai"), 400) == 500  # a network tokenizer: estimated
    assert tokens.worst_prompt_tokens(spec("openai"), 10) == 10 + get_settings().model_estimate_margin_min


async def test_a_call_billed_above_its_reservation_emits_budget_overrun(env, session, add_model, make_project):
    add_model("scripted/priced", input_price="0.001", output_price="0.001")
    project = make_project(budget_tokens=10_000)
    scripted.push("priced", {"content": "a b", "extra_prompt_tokens": 50})  # the provider counted 54, we 4
    result = await complete(_request(project.id))
    assert result.prompt_tokens == 54
    [event] = session.exec(select(Event).where(Event.kind == "model.budget_overrun")).all()
    assert event.project_id == project.id
    assert (event.payload["reserved_tokens"], event.payload["used_tokens"]) == (4 + 6, 54 + 2)
    assert Decimal(event.payload["used_usd"]) == Decimal("0.056") > Decimal(event.payload["reserved_usd"])
    assert event.payload["call_id"] == str(result.call_id)


async def test_a_call_within_its_reservation_emits_no_overrun(env, session, add_model, make_project):
    add_model("scripted/priced")
    project = make_project(budget_tokens=10_000)
    scripted.push("priced", {"content": "a b"})
    await complete(_request(project.id))
    assert not session.exec(select(Event).where(Event.kind == "model.budget_overrun")).all()


async def test_an_in_process_call_without_a_budget_is_one_row_written_with_its_answer(
    env, session, add_model, make_project
):
    """No reservation when nothing leaves the process and no budget needs holding; the answer is
    still committed before ``complete`` returns it. With a budget the call is reserved as usual."""
    add_model("scripted/priced")
    free, budgeted = make_project(), make_project(budget_tokens=1000)
    for project in (free, budgeted):
        scripted.rule("priced", contains="one", step={"content": "a", "delay": 0.3})
        task = asyncio.ensure_future(complete(_request(project.id, call_key=f"k:{project.id}")))
        await asyncio.sleep(0.15)  # the call is in flight
        session.rollback()
        in_flight = session.exec(select(ModelCall).where(ModelCall.project_id == project.id)).all()
        assert [r.status for r in in_flight] == ([] if project is free else ["running"])
        result = await task
        session.rollback()
        [row] = session.exec(select(ModelCall).where(ModelCall.project_id == project.id)).all()
        assert (row.status, row.id, row.call_key, row.reserved_until) == ("ok", result.call_id, f"k:{project.id}", None)
