"""Helpers for the automation tests: a template with two parameters, made over REST."""

from __future__ import annotations

from typing import Any

PLAN = {
    "summary": "research {{topic}}",
    "tasks": [
        {"id": "research", "title": "Research {{topic}}"},
        {"id": "write", "title": "Write about {{topic}}", "depends_on": ["research"]},
    ],
}
TEMPLATE = {
    "name": "Weekly report",
    "description": "a report on one topic",
    "parameters": [
        {"name": "topic", "description": "what the report is about", "max_length": 80},
        {"name": "audience", "required": False, "default": "the team"},
    ],
    "body": {
        "project": {
            "name": "Report on {{topic}}",
            "objectives": ["Summarise {{topic}} for {{audience}}"],
            "max_agents": 2,
        },
        "plan": PLAN,
    },
}


def headers(crew: dict[str, Any], role: str) -> dict[str, str]:
    return crew[role].headers


async def make_template(http: Any, crew: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A template of team A, created by its member over REST."""
    body = {**TEMPLATE, **changes}
    r = await http.post(f"/api/v1/teams/{crew['team_a']}/project-templates", json=body, headers=headers(crew, "member"))
    assert r.status_code == 201, r.text
    return r.json()
