"""``berrys``: drive a Berrys server from a shell or a script.

    export BERRYS_URL=http://localhost:3000 BERRYS_TOKEN=brk_...
    id=$(berrys projects create --team "$TEAM" --name Brief -o "Explain berries" --quiet)
    berrys projects plan "$id" && berrys projects watch "$id" --until plan_review
    berrys projects approve "$id" --run && berrys projects watch "$id"
    berrys projects results "$id" > brief.md

Output is JSON (one object, or one per line for lists) unless ``--quiet`` asks for the id only;
an API refusal prints its status, code and message on stderr and exits 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from berrys_client.client import FINISHED, Berrys, BerrysError
from berrys_client.rest.api.projects import list_projects


def _json(value: Any) -> str:
    return json.dumps(value.to_dict() if hasattr(value, "to_dict") else value, default=str)


@contextmanager
def _client(ctx: click.Context) -> Iterator[Berrys]:
    url, token = ctx.obj["url"], ctx.obj["token"]
    if not token:
        raise click.UsageError("set BERRYS_TOKEN (an API key brk_... or an access token) or pass --token")
    try:
        with Berrys(url, token) as client:
            yield client
    except BerrysError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@click.group()
@click.option("--url", envvar="BERRYS_URL", default="http://localhost:3000", show_default=True)
@click.option("--token", envvar="BERRYS_TOKEN", default="", help="API key or access token (env BERRYS_TOKEN)")
@click.pass_context
def main(ctx: click.Context, url: str, token: str) -> None:
    """Berrys from the command line."""
    ctx.obj = {"url": url, "token": token}


@main.group()
def projects() -> None:
    """Create, plan, approve, run and follow projects."""


@projects.command("list")
@click.option("--team", "team_id", default=None, help="one team's projects (default: all your teams)")
@click.option("--status", default=None)
@click.pass_context
def list_(ctx: click.Context, team_id: str | None, status: str | None) -> None:
    """Every project, one JSON object per line (all pages)."""
    with _client(ctx) as client:
        kwargs = {k: v for k, v in {"team_id": team_id, "status": status}.items() if v}
        for project in client.pages(list_projects.sync_detailed, **kwargs):
            click.echo(_json(project))


@projects.command()
@click.option("--team", "team_id", required=True)
@click.option("--name", required=True)
@click.option("-o", "--objective", "objectives", multiple=True, required=True, help="repeat for several")
@click.option("--model", default=None)
@click.option("--auto-approve", is_flag=True)
@click.option("--quiet", is_flag=True, help="print the id only")
@click.pass_context
def create(
    ctx: click.Context,
    team_id: str,
    name: str,
    objectives: tuple[str, ...],
    model: str | None,
    auto_approve: bool,
    quiet: bool,
) -> None:
    """Create a project."""
    settings: dict[str, Any] = {"auto_approve": auto_approve, **({"model": model} if model else {})}
    with _client(ctx) as client:
        project = client.create_project(team_id, name, list(objectives), **settings)
    click.echo(project.id if quiet else _json(project))


@projects.command("plan")
@click.argument("project_id")
@click.option("--file", "plan_file", type=click.File(), default=None, help="a hand-made plan (JSON)")
@click.pass_context
def plan_(ctx: click.Context, project_id: str, plan_file: Any) -> None:
    """Ask the planner for a plan, or submit one from a file."""
    with _client(ctx) as client:
        click.echo(_json(client.plan(project_id, json.load(plan_file) if plan_file else None)))


@projects.command()
@click.argument("project_id")
@click.option("--run", "run_after", is_flag=True, help="start executing it at once")
@click.pass_context
def approve(ctx: click.Context, project_id: str, run_after: bool) -> None:
    """Approve the proposed plan."""
    with _client(ctx) as client:
        project = client.approve(project_id)
        if run_after and str(project.status) == "ready":
            project = client.run(project_id)
    click.echo(_json(project))


@projects.command()
@click.argument("project_id")
@click.pass_context
def run(ctx: click.Context, project_id: str) -> None:
    """Execute an approved plan."""
    with _client(ctx) as client:
        click.echo(_json(client.run(project_id)))


@projects.command()
@click.argument("project_id")
@click.option("--until", multiple=True, help=f"statuses to stop at (default: {', '.join(FINISHED)})")
@click.option("--timeout", "timeout_s", type=float, default=3600.0, show_default=True)
@click.pass_context
def watch(ctx: click.Context, project_id: str, until: tuple[str, ...], timeout_s: float) -> None:
    """Follow the project live (a progress bar on a terminal) and print it when it gets there;
    exits 1 if it ended failed, cancelled or rejected."""
    with _client(ctx) as client:
        project = client.wait(project_id, until=until or FINISHED, progress=sys.stderr.isatty(), timeout_s=timeout_s)
    click.echo(_json(project))
    if str(project.status) in ("failed", "cancelled", "rejected") and str(project.status) not in until:
        sys.exit(1)


@projects.command()
@click.argument("project_id")
@click.pass_context
def results(ctx: click.Context, project_id: str) -> None:
    """The deliverables as Markdown."""
    with _client(ctx) as client:
        click.echo(client.results(project_id))


if __name__ == "__main__":
    main()
