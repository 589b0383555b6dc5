"""Shared steps of the dashboard journeys (UI actions, plus direct service calls for setup)."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Locator, Page, expect

from tests.mailbox import E2E_INBOX, wait_for_link

PASSWORD = "correct-horse-battery"
XSS = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2"> done **bold**'


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def register(page: Page, *, name: str, email: str) -> None:
    """Create the account, open the mailed link (it asks to sign in first: it confirms only for
    its own account), sign in, and the address is confirmed."""
    page.goto("/register")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#register")
    expect(page.locator("#auth-notice")).to_contain_text("confirm your address", timeout=20_000)
    page.goto(wait_for_link(E2E_INBOX, email, "/verify-email"))
    sign_in_here(page, email=email)
    expect(page.locator("#auth-notice")).to_contain_text("is confirmed", timeout=20_000)
    page.goto("/projects")
    expect(page.locator("#user-name")).to_have_text(name, timeout=20_000)


def sign_in_here(page: Page, *, email: str) -> None:
    """Fill the sign-in page a link sent the browser to (once it is shown: a fill can land on the
    outgoing page); it brings the browser back to the link."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=20_000)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")


def sign_in(page: Page, *, email: str, next_path: str = "/projects") -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(re.compile(re.escape(next_path) + "/?$"), timeout=20_000)


def create_project(page: Page, *, name: str, objectives: str, model: str) -> str:
    """Fill the New Project dialog; returns the new project's id (from the URL)."""
    page.click("#new-project")
    page.fill("#project-name", name)
    page.fill("#project-objectives", objectives)
    page.fill("#project-model", model)
    page.click("#create-project")
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/?$"), timeout=20_000)
    expect(page.locator("#project-status")).to_have_attribute("data-status", "created")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def plan_json(tasks: list[tuple[str, str, list[str]]]) -> str:
    """A planner reply: (id, title, depends_on ids)."""
    return json.dumps(
        {
            "summary": "a small plan",
            "tasks": [
                {
                    "id": key,
                    "title": title,
                    "description": f"do {title.lower()}",
                    "capabilities": ["writing"],
                    "expected_output": "text",
                    "estimated_minutes": 5,
                    "priority": 1,
                    "depends_on": [{"task": d, "type": "completion"} for d in deps],
                }
                for key, title, deps in tasks
            ],
        }
    )


def script_model(name: str, *, plan: str, task_replies: dict[str, str], summary: str = "Final report") -> None:
    """Rules for ``scripted/<name>``: the planner, each task (by a text of its prompt), the aggregator."""
    from berrys_app.services.models import scripted

    scripted.reset(name)
    scripted.rule(name, contains="You combine the results", step={"content": f"# {summary}\n\nAll tasks done."})
    scripted.rule(name, contains="You are the planner", step={"content": plan})
    for contains, reply in task_replies.items():
        scripted.rule(name, contains=contains, step={"content": reply})


def plan_cell(row: Locator, field: str) -> Locator:
    """The text input of one plan-table cell (Radix puts the class on the wrapper or the input)."""
    return row.locator(f".plan-{field}").locator("xpath=descendant-or-self::input").first
