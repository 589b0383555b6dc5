"""The Projects page and the Audit log read their later pages by cursor: Next/Previous on the
Projects page walk every project once, and a project created meanwhile shifts nothing; the audit
log's "Older entries" appends the next rows after the last one shown."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from berrys_app.db import session_scope
from berrys_app.domain.accounts import TeamMember
from berrys_app.domain.auth import AuditEntry
from berrys_app.domain.common import utcnow
from berrys_app.domain.projects import Project
from berrys_app.services import auth
from berrys_app.ui.state import audit as audit_state
from berrys_app.ui.state import projects as projects_state


def _signed_in(state_cls, email: str):
    from reflex.state import State

    with session_scope() as session:
        auth.register(session, email=email, password="right-password")
    with session_scope() as session:
        pair = auth.login(session, email=email, password="right-password")
        user_id = auth.authenticate(session, pair.access_token).user_id
        team_id = session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user_id)).one()
    tab = State(_reflex_internal_init=True).get_substate(state_cls.get_full_name().split(".")[1:])
    tab.access_token, tab.refresh_token, tab.team_id = pair.access_token, pair.refresh_token, str(team_id)
    return tab, team_id


def test_projects_page_walks_by_cursor(env) -> None:
    tab, team_id = _signed_in(projects_state.ProjectsState, "pages@example.com")
    at = utcnow() - timedelta(days=1)
    with session_scope() as session:
        rows = [Project(team_id=team_id, name=f"p{i:02}", created_at=at + timedelta(seconds=i)) for i in range(45)]
        session.add_all(rows)
    names = [f"p{i:02}" for i in reversed(range(45))]  # newest first

    tab._refresh()
    assert [p["name"] for p in tab.projects] == names[:20] and tab.total == 45 and tab.pages == 3
    tab.go_page(1)
    assert [p["name"] for p in tab.projects] == names[20:40] and tab.page == 2
    with session_scope() as session:
        session.add(Project(team_id=team_id, name="new", created_at=utcnow()))
    tab.go_page(1)
    assert [p["name"] for p in tab.projects] == names[40:] and tab.page == 3 and tab.next_cursor == ""
    tab.go_page(1)  # no page after the last: nothing changes
    assert tab.page == 3
    tab.go_page(-1)
    assert [p["name"] for p in tab.projects] == names[20:40] and tab.page == 2
    tab.go_page(-1)
    assert [p["name"] for p in tab.projects] == ["new", *names[:19]] and tab.total == 46


def test_audit_log_shows_older_entries_after_the_last_one(env, monkeypatch) -> None:
    monkeypatch.setattr(audit_state, "PER_PAGE", 3)
    tab, team_id = _signed_in(audit_state.AuditState, "auditpages@example.com")
    with session_scope() as session:
        session.add_all([AuditEntry(action="member.added", actor_label=f"a{i}", team_id=team_id) for i in range(4)])
    before = len(tab.entries)
    tab._run(tab._fetch)
    first = [e["actor"] for e in tab.entries]
    assert before == 0 and len(first) == 3 and tab.next_cursor
    tab.older()
    shown = [e["actor"] for e in tab.entries]
    assert shown[:3] == first and len(shown) >= 4 and len(set(shown)) == len(shown)
