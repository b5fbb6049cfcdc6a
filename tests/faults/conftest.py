"""Fault-test fixtures: the sync tests' Jira-wired firm and broker plumbing, with a fake Jira
that pages its feeds by 5 so a run has a middle to be killed in."""

import pytest

from tests.sync.conftest import (  # noqa: F401
    jira_firm,
    jira_settings,
    sync_queue,
    tasks_on_broker,
)
from tests.sync.fake_atlassian import FakeJira


@pytest.fixture
def fake_jira():
    fake = FakeJira(page_size=5).start()
    yield fake
    fake.stop()
