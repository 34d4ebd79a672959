"""The fake LINE platform, and the app pointed at it, for the notification tests."""
from __future__ import annotations

import pytest

from tests.line.fake_line import CHANNEL_ACCESS_TOKEN, fake_line  # noqa: F401

CHANNEL_SECRET = "fake-line-channel-secret"


@pytest.fixture
def line_on(app, fake_line, monkeypatch):  # noqa: F811
    """The app's LINE channel is the fake: pushes go to it, its webhook secret is ours."""
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", CHANNEL_ACCESS_TOKEN)
    monkeypatch.setitem(app.config, "LINE_CHANNEL_SECRET", CHANNEL_SECRET)
    monkeypatch.setitem(app.config, "LINE_API_URL", fake_line.url)
    return fake_line
