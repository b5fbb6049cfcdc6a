"""Property-based run of the live OpenAPI schema (schemathesis): no 5xx on generated requests,
as a staff user and as a client user, with valid and invalid data, on real and random ids."""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from clients.services import add_purchase, create_api_token
from tests.factories import TimeEntryFactory

# 3 users × 2 modes × at least 170 of 180 examples ≥ 1,020 generated requests (the issue asks
# for 1,000). Measured: 3 min 10 s for the six runs in one process on a busy machine.
# The day entries are logged on unless a test says otherwise.
ENTRY_DAY = datetime.date(2026, 3, 2)


EXAMPLES_PER_RUN = 180
MIN_REQUESTS_PER_RUN = 170


@pytest.fixture(scope="module")
def api_schema():
    # Like Django's test client: a request must not close the test's transaction-bound
    # connection (close_old_connections would, since tests run inside a transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(firm, lock_on_invoice):
    add_purchase(client=firm.acme, hours="40", on_date=datetime.date(2026, 1, 1), note="Block")
    entries = [
        TimeEntryFactory(
            task=firm.acme_task,
            member=firm.staff_member,
            duration_minutes=30 + i * 15,
            on_date=datetime.date(2026, 3, 1 + i),
        )
        for i in range(4)
    ]
    entries.append(
        TimeEntryFactory(task=firm.globex_task, member=firm.other_member, on_date=ENTRY_DAY)
    )
    lock_on_invoice(entries[0])
    return firm, entries


def _known_ids(firm, entries, path: str) -> list[int]:
    if path.startswith("/api/v1/clients"):
        return [firm.acme.pk, firm.globex.pk, firm.internal.pk]
    return [entry.pk for entry in entries]


@pytest.mark.parametrize("who", ["staff", "finance", "acme_user"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_server_error(api_schema, seeded, who, mode):
    firm, entries = seeded
    _, raw_token = create_api_token(user=getattr(firm, who))
    headers = {"Authorization": f"Bearer {raw_token}"}
    sent = []

    @settings(
        max_examples=EXAMPLES_PER_RUN,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=api_schema.as_strategy(mode), data=st.data())
    def run(case, data):
        path_parameters = case.path_parameters or {}
        if "id" in path_parameters and data.draw(st.booleans(), label="known id"):
            path_parameters["id"] = data.draw(
                st.sampled_from(_known_ids(firm, entries, case.operation.path))
            )
        if isinstance(case.body, dict) and data.draw(st.booleans(), label="plausible body"):
            # Reach the services too, not only the validation of random values.
            if "task_id" in case.body:
                case.body["task_id"] = data.draw(
                    st.sampled_from([firm.acme_task.pk, firm.globex_task.pk, firm.internal_task.pk])
                )
            if "duration" in case.body:
                case.body["duration"] = data.draw(
                    st.sampled_from(["1h 30m", 90, "1:15", "2.5h", "25h", 0])
                )
            if "member" in case.body:
                case.body["member"] = data.draw(
                    st.sampled_from([None, "staff", "staff2", "manager", "nobody"])
                )
        response = case.call(headers=headers)
        sent.append((case.method, case.formatted_path, response.status_code))
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
        )
        if mode == GenerationMode.POSITIVE and response.status_code == 200:
            case.validate_response(response, checks=[response_schema_conformance])

    run()
    assert len(sent) >= MIN_REQUESTS_PER_RUN, f"only {len(sent)} requests were generated"
    statuses = {status for _, _, status in sent}
    # The run got past authentication to real answers, not only to 400s and 404s.
    assert (403 if who == "acme_user" else 200) in statuses
