"""Project templates over REST: save with {{name}} parameters, start by hand, precise refusals."""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.work import PlanVersion
from tests.automation.helpers import TEMPLATE, headers, make_template


async def test_start_fills_parameters_into_settings_objectives_and_plan(client, people, session: Session) -> None:
    template = await make_template(client, people)
    assert [p["name"] for p in template["parameters"]] == ["topic", "audience"]

    r = await client.post(
        f"/api/v1/project-templates/{template['id']}/projects",
        json={"params": {"topic": "solar power"}},
        headers=headers(people, "member"),
    )
    assert r.status_code == 201, r.text
    project = r.json()
    assert project["name"] == "Report on solar power"
    assert project["objectives"] == ["Summarise solar power for the team"]  # the default filled in
    assert (project["max_agents"], project["status"]) == (2, "plan_review")
    plan = session.exec(select(PlanVersion).where(PlanVersion.project_id == project["id"])).one()
    assert [t["title"] for t in plan.plan["tasks"]] == ["Research solar power", "Write about solar power"]


async def test_values_are_checked_against_the_parameters(client, people) -> None:
    template = await make_template(client, people)
    url = f"/api/v1/project-templates/{template['id']}/projects"
    missing = await client.post(url, json={"params": {}}, headers=headers(people, "member"))
    assert missing.status_code == 422 and "'topic' is a required property" in missing.json()["message"], missing.text
    too_long = await client.post(url, json={"params": {"topic": "x" * 81}}, headers=headers(people, "member"))
    assert too_long.status_code == 422 and "topic: " in too_long.json()["message"], too_long.text
    unknown = await client.post(
        url, json={"params": {"topic": "a", "colour": "red"}}, headers=headers(people, "member")
    )
    assert unknown.status_code == 422 and "colour" in unknown.json()["message"], unknown.text


async def test_a_placeholder_without_a_parameter_is_refused_at_save(client, people) -> None:
    body = {**TEMPLATE, "parameters": [{"name": "topic"}]}  # {{audience}} is used but not declared
    r = await client.post(
        f"/api/v1/teams/{people['team_a']}/project-templates", json=body, headers=headers(people, "member")
    )
    assert r.status_code == 422 and "{{audience}}" in r.json()["message"], r.text


async def test_a_filled_in_project_that_breaks_the_project_rules_is_refused(client, people) -> None:
    template = await make_template(
        client,
        people,
        parameters=[{"name": "agents"}],
        body={"project": {"name": "Crew", "max_agents": "{{agents}}"}, "plan": None},
    )
    r = await client.post(
        f"/api/v1/project-templates/{template['id']}/projects",
        json={"params": {"agents": "500"}},
        headers=headers(people, "member"),
    )
    assert r.status_code == 422 and "max_agents" in r.json()["message"], r.text


async def test_save_a_project_as_a_template(client, people) -> None:
    created = await client.post(
        "/api/v1/projects",
        json={"name": "Original", "team_id": str(people["team_a"]), "objectives": ["find things"], "max_agents": 3},
        headers=headers(people, "member"),
    )
    project_id = created.json()["id"]
    plan = {"summary": "s", "tasks": [{"id": "a", "title": "Find"}]}
    r = await client.post(f"/api/v1/projects/{project_id}/plan", json=plan, headers=headers(people, "member"))
    assert r.status_code < 300, r.text

    r = await client.post(
        f"/api/v1/teams/{people['team_a']}/project-templates",
        json={"name": "From Original", "from_project_id": project_id},
        headers=headers(people, "member"),
    )
    assert r.status_code == 201, r.text
    body = r.json()["body"]
    assert body["project"]["objectives"] == ["find things"] and body["project"]["max_agents"] == 3
    assert body["plan"]["tasks"][0]["title"] == "Find"


async def test_viewers_read_templates_but_do_not_write_them(client, people) -> None:
    template = await make_template(client, people)
    listed = await client.get(f"/api/v1/teams/{people['team_a']}/project-templates", headers=headers(people, "viewer"))
    assert [t["id"] for t in listed.json()["data"]] == [template["id"]]
    refused = await client.post(
        f"/api/v1/project-templates/{template['id']}/projects",
        json={"params": {"topic": "x"}},
        headers=headers(people, "viewer"),
    )
    assert refused.status_code == 403, refused.text
    outsider = await client.get(f"/api/v1/project-templates/{template['id']}", headers=headers(people, "outsider"))
    assert outsider.status_code == 404
