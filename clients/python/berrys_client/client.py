"""``Berrys``: the typed REST client (``berrys_client.rest``, generated from the OpenAPI document)
plus what a script needs around it: errors as exceptions, pagination, the live event stream, and
waiting for a project (with a progress bar on a terminal)."""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
from httpx_sse import connect_sse
from rich.progress import Progress

from berrys_client.rest.api.projects import (
    approve_plan,
    create_project,
    execute,
    get_project,
    list_deliverables,
    list_tasks,
    plan,
)
from berrys_client.rest.client import AuthenticatedClient
from berrys_client.rest.models import PlanIn, ProjectIn, ProjectPublic, TaskPublic
from berrys_client.rest.types import Response

T = TypeVar("T")
FINISHED = ("completed", "failed", "cancelled", "rejected")


class BerrysError(Exception):
    """A refusal from the API: its HTTP status and its problem document's ``code`` and message."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details

    @classmethod
    def of(cls, status: int, content: bytes) -> BerrysError:
        try:
            problem = json.loads(content)
        except ValueError:
            return cls(status, "error", content.decode(errors="replace")[:500])
        return cls(status, problem.get("code", "error"), problem.get("message", ""), problem.get("details"))


class Berrys:
    """One connection to a Berrys server, with an access token or an API key (``brk_...``).

    Every REST operation is a function of ``berrys_client.rest.api.<tag>.<operation>``; pass it to
    :meth:`call` (``client.call(get_project.sync_detailed, project_id=...)``) to get the parsed
    result or a :class:`BerrysError`."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.rest = AuthenticatedClient(base_url=self.base_url, token=token, timeout=httpx.Timeout(timeout_s))

    def __enter__(self) -> Berrys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.rest.get_httpx_client().close()

    def call(self, operation: Callable[..., Response[Any]], **kwargs: Any) -> Any:
        """Run one generated operation (its ``sync_detailed``); a 4xx/5xx raises ``BerrysError``."""
        response = operation(client=self.rest, **kwargs)
        if response.status_code >= 400:
            raise BerrysError.of(response.status_code, response.content)
        return response.parsed

    def pages(self, operation: Callable[..., Response[Any]], *, per_page: int = 50, **kwargs: Any) -> Iterator[Any]:
        """Every item of a list operation, page after page (``{data, meta: {total, ...}}``).

        A list that pages by cursor (its operation takes ``cursor``) is followed by
        ``meta.next_cursor``: each page starts after the last row seen, so rows added meanwhile
        neither repeat nor shift a row out of reach; other lists go by page number."""
        if "cursor" in inspect.signature(operation).parameters:
            yield from self._cursor_pages(operation, per_page=per_page, **kwargs)
            return
        page = 1
        while True:
            result = self.call(operation, page=page, per_page=per_page, **kwargs)
            yield from result.data
            if page * per_page >= result.meta.total or not result.data:
                return
            page += 1

    def _cursor_pages(self, operation: Callable[..., Response[Any]], *, per_page: int, **kwargs: Any) -> Iterator[Any]:
        cursor: str | None = None
        while True:
            page = {"cursor": cursor} if cursor else {}
            result = self.call(operation, per_page=per_page, **page, **kwargs)
            yield from result.data
            meta = result.meta
            cursor = getattr(meta, "next_cursor", None) or meta.additional_properties.get("next_cursor")
            if not cursor or not result.data:
                return

    def events(
        self, project_id: str, *, after: int = 0, follow: bool = True, read_timeout_s: float | None = None
    ) -> Iterator[dict[str, Any]]:
        """The project's events as they happen (server-sent events): the backlog after ``after``,
        then live ones. Ends when the server closes the stream (``follow=False``: after the backlog)."""
        url = f"{self.base_url}/api/v1/projects/{project_id}/events/stream"
        params = {"after": after, "follow": str(follow).lower()}
        headers = {"Authorization": f"Bearer {self.token}"}
        with (
            httpx.Client(timeout=httpx.Timeout(30.0, read=read_timeout_s)) as http,
            connect_sse(http, "GET", url, params=params, headers=headers) as source,
        ):
            if source.response.status_code >= 400:
                source.response.read()
                raise BerrysError.of(source.response.status_code, source.response.content)
            for event in source.iter_sse():
                if event.event == "stream.closed":
                    raise BerrysError(403, "stream_closed", json.loads(event.data).get("reason", ""))
                yield json.loads(event.data)

    # the journey of a project, one call per step
    def create_project(self, team_id: str, name: str, objectives: list[str], **settings: Any) -> ProjectPublic:
        body = ProjectIn.from_dict({"team_id": team_id, "name": name, "objectives": objectives, **settings})
        return self.call(create_project.sync_detailed, body=body)

    def plan(self, project_id: str, tasks_plan: dict[str, Any] | None = None) -> Any:
        """Ask the planner (no plan given) or submit a hand-made plan (``{"summary", "tasks"}``)."""
        body = PlanIn.from_dict(tasks_plan) if tasks_plan is not None else None
        return self.call(plan.sync_detailed, project_id=project_id, body=body)

    def approve(self, project_id: str) -> ProjectPublic:
        return self.call(approve_plan.sync_detailed, project_id=project_id)

    def run(self, project_id: str) -> ProjectPublic:
        return self.call(execute.sync_detailed, project_id=project_id)

    def project(self, project_id: str) -> ProjectPublic:
        return self.call(get_project.sync_detailed, project_id=project_id)

    def tasks(self, project_id: str) -> list[TaskPublic]:
        return list(self.call(list_tasks.sync_detailed, project_id=project_id, current_only=True).data)

    def results(self, project_id: str) -> str:
        """The project's deliverables as one Markdown text."""
        rows = self.call(list_deliverables.sync_detailed, project_id=project_id).data
        return "\n\n".join(f"# {d.title}\n\n{d.content}" for d in rows)

    def wait(
        self, project_id: str, *, until: tuple[str, ...] = FINISHED, progress: bool = False, timeout_s: float = 3600
    ) -> ProjectPublic:
        """Follow the event stream until the project's status is one of ``until`` (reconnecting
        after the last event seen if the stream drops); with ``progress``, a bar of finished tasks.
        Raises ``TimeoutError`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        last = 0
        with Progress(disable=not progress, transient=True) as bar:
            bar_task = bar.add_task(project_id, total=None)
            while True:
                project = self.project(project_id)
                bar.update(bar_task, description=f"{project.name}: {project.status}")
                if str(project.status) in until:
                    return project
                if time.monotonic() > deadline:
                    raise TimeoutError(f"project {project_id} still {project.status} after {timeout_s} s")
                try:
                    for event in self.events(project_id, after=last, read_timeout_s=60.0):
                        last = event.get("id") or last
                        kind = event.get("kind", "")
                        if kind.startswith("task.") and progress:
                            tasks = self.tasks(project_id)
                            done = sum(1 for t in tasks if str(t.status) in ("completed", "failed", "cancelled"))
                            bar.update(bar_task, total=len(tasks), completed=done)
                        finished = kind == "project.status_changed" and event.get("payload", {}).get("to") in until
                        if finished or time.monotonic() > deadline:
                            break
                except httpx.ReadTimeout:
                    pass  # no event for a minute (keep-alives are not events): look again
