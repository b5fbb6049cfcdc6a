"""The sync tests' fake Jira and Jira-wired firm, reused by the security tests."""

from tests.sync.conftest import fake_jira, jira_firm, jira_settings  # noqa: F401
