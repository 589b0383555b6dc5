"""project_files and search_outputs: a shared workspace in PostgreSQL with no way out of it,
and search over the project's files and earlier task outputs."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.events import Event
from berrys_app.domain.projects import Project
from berrys_app.domain.work import Task
from berrys_app.services.errors import Forbidden, NotFound, ValidationFailed
from berrys_app.services.tools import execute_tool, get_artifact, list_artifacts, put_artifact
from berrys_app.services.tools.files import normalise_path


async def test_write_read_list(session: Session, world) -> None:
    ctx = world.ctx
    wrote = await execute_tool(ctx(), "project_files", {"action": "write", "path": "docs/plan.md", "content": "# Plan"})
    assert wrote.ok and wrote.content == "wrote docs/plan.md (6 bytes)"
    await execute_tool(ctx(), "project_files", {"action": "write", "path": "docs/./notes.txt", "content": "n"})
    await execute_tool(ctx(), "project_files", {"action": "write", "path": "docs2/other.txt", "content": "o"})
    read = await execute_tool(ctx(), "project_files", {"action": "read", "path": "docs/plan.md"})
    assert read.content == "# Plan"
    listing = await execute_tool(ctx(), "project_files", {"action": "list", "path": "docs"})
    assert listing.content.splitlines() == ["docs/notes.txt\t1 bytes", "docs/plan.md\t6 bytes"]
    missing = await execute_tool(ctx(), "project_files", {"action": "read", "path": "nope.txt"})
    assert missing.error_code == "file_not_found"
    no_path = await execute_tool(ctx(), "project_files", {"action": "read"})
    assert no_path.error_code == "invalid_arguments"
    # the dashboard/REST see the same files
    files = list_artifacts(session, world.viewer, project_id=world.project_id, prefix="docs")
    assert [f.path for f in files] == ["docs/notes.txt", "docs/plan.md"]
    written = session.exec(select(Event.payload).where(Event.kind == "artifact.written")).all()
    assert [p["path"] for p in written] == ["docs/plan.md", "docs/notes.txt", "docs2/other.txt"]
    assert get_artifact(session, world.viewer, project_id=world.project_id, path="docs/plan.md").content == "# Plan"


@pytest.mark.parametrize(
    "path",
    ["../etc/passwd", "/etc/passwd", "a/../../b", "..", "a\\..\\b", "a/\x00b", "~/x", "", "a" * 600],
)
async def test_path_traversal_is_impossible(session: Session, world, path: str) -> None:
    with pytest.raises(ValueError):
        normalise_path(path)
    result = await execute_tool(world.ctx(), "project_files", {"action": "write", "path": path, "content": "x"})
    assert not result.ok and result.error_code in {"invalid_path", "invalid_arguments"}
    assert list_artifacts(session, world.admin, project_id=world.project_id) == []


def test_files_service_authz(session: Session, world) -> None:
    with pytest.raises(Forbidden):
        put_artifact(session, world.viewer, project_id=world.project_id, path="a.txt", content="x")
        session.commit()
    put_artifact(session, world.member, project_id=world.project_id, path="a.txt", content="x")
    session.commit()
    with pytest.raises(NotFound):
        list_artifacts(session, world.outsider, project_id=world.project_id)
    with pytest.raises(ValidationFailed):
        get_artifact(session, world.viewer, project_id=world.project_id, path="../a.txt")


async def test_search_finds_files_and_earlier_task_outputs(session: Session, world) -> None:
    await execute_tool(
        world.ctx(),
        "project_files",
        {"action": "write", "path": "research/market.md", "content": "The TAM for berry drones is 4 bn."},
    )
    session.add(
        Task(
            project_id=world.project_id,
            plan_version=1,
            key="t1",
            title="Competitor scan",
            status="completed",
            output="Three competitors sell berry drones in Europe.",
        )
    )
    session.add(Project(name="Other", team_id=world.team_id))
    session.commit()
    result = await execute_tool(world.ctx(), "search_outputs", {"query": "berry drones"})
    lines = result.content.splitlines()
    assert lines[0].startswith("1. [file] research/market.md: The TAM for berry drones")
    assert lines[1].startswith("2. [task] t1: Competitor scan: Three competitors")
    nothing = await execute_tool(world.ctx(), "search_outputs", {"query": "quantum"})
    assert nothing.ok and nothing.content == "no earlier output or file mentions 'quantum'"
    wildcard = await execute_tool(world.ctx(), "search_outputs", {"query": "%"})
    assert "no earlier output" in wildcard.content  # LIKE wildcards are literal
