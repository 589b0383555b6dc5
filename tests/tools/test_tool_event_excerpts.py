"""tool.completed events carry excerpts of the arguments and result, so the task drawer shows them live."""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.events import Event
from berrys_app.services.tools import execute_tool
from berrys_app.services.tools.execution import EVENT_EXCERPT


async def test_completed_tool_events_carry_argument_and_result_excerpts(session: Session, world) -> None:
    long_text = "berry " * 400
    await execute_tool(
        world.ctx("k:x1"), "project_files", {"action": "write", "path": "notes.txt", "content": long_text}
    )
    await execute_tool(world.ctx("k:x2"), "project_files", {"action": "read", "path": "notes.txt"})
    session.expire_all()
    rows = session.exec(select(Event).where(Event.project_id == world.project_id).order_by(Event.id)).all()
    write, read = [row for row in rows if row.kind == "tool.completed"]
    assert write.payload["arguments"].startswith('{"action": "write", "path": "notes.txt"')  # a JSON excerpt
    assert len(write.payload["arguments"]) == EVENT_EXCERPT  # bounded: the full call is in tool_calls
    assert '"path": "notes.txt"' in read.payload["arguments"]
    assert read.payload["result"].startswith("berry berry") and len(read.payload["result"]) == EVENT_EXCERPT
