"""Attack: flood the dashboard's websocket with events to get past the per-user rate limit.

REST counts every request against the caller's limit; the dashboard's event handlers did
not, so the same person could send unlimited work through the websocket. Each event a
browser sends now counts like a REST request (live deliveries do not).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.settings import get_settings
from tests.security.test_live_outsider_with_project_id import _tab


def test_dashboard_events_count_against_the_users_rate_limit(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from berrys_app.ui.state.session import SessionState

    tab = _tab(SessionState, email="flo@example.com", path="/projects", token="tok-flo")
    monkeypatch.setenv("BERRYS_RATE_LIMIT_API", "5")
    get_settings.cache_clear()
    try:
        for _ in range(8):  # more events than the limit allows in the window
            tab.require_login()
    finally:
        monkeypatch.delenv("BERRYS_RATE_LIMIT_API")
        get_settings.cache_clear()
    assert "too many" in tab._login_notice.lower(), "the websocket let the user past the rate limit"
