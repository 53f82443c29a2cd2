"""What the risk engine finds reaches the moderators' queue first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.communities.conftest import Api
from tests.moderation.conftest import trusted
from tests.safety.crisis import IMMINENT

pytestmark = pytest.mark.django_db


def test_a_high_risk_post_sorts_above_any_report_and_shows_no_words(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    rude, reporter, writer = trusted(api()), trusted(api()), trusted(api())
    rude_thread = rude.thread(title="Rant", body="Everyone here is wrong about everything")
    for reason in ("harassment", "spam", "hate"):
        response = reporter.post(
            "/api/v1/reports",
            {"target_type": "post", "target_id": rude_thread["post"]["id"], "reason": reason},
        )
        assert response.status_code == 202, response.content
    at_risk = writer.thread(title="Tonight", body=IMMINENT)
    assert at_risk["support"]["level"] == "imminent"

    items = moderator().get("/api/v1/moderation/queue").json()["items"]
    assert [i["target_id"] for i in items][:2] == [
        str(at_risk["post"]["id"]),
        str(rude_thread["post"]["id"]),
    ]
    assert items[0]["safety_first"] and not items[1]["safety_first"]
    # The writer's post stays visible (support, not silence), with an automatic warning.
    seen = reporter.get(f"/api/v1/threads/{at_risk['id']}").json()
    assert seen["posts"]["items"][0]["content_warning"]["topics"]
