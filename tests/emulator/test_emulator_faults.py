"""Injected faults: scripted answers in order, seeded random failures, token repeats, short
pages, rate limits and authentication."""

from __future__ import annotations

import base64
import re
from email.utils import parsedate_to_datetime

import pytest
import requests

from connectors.jira.emulator import Fault, JiraEmulator, Organisation
from connectors.jira.emulator.faults import FaultPlan
from tests.emulator.emulator_support import running

Served = tuple[JiraEmulator, str]
_JQL = {"jql": "project = SHOP", "fields": "id"}


def test_scripted_faults_answer_matching_requests_in_order(
    cloud: Served, http: requests.Session
) -> None:
    emulator, url = cloud
    emulator.faults.script(
        "/search",
        [
            Fault.status(429, retry_after="1"),
            Fault.status(503),
            Fault.status(503, retry_after="1"),
            Fault.status(500),
            Fault.truncated_json(),
            Fault.reset(),
        ],
    )
    search = f"{url}/rest/api/3/search/jql"
    assert http.get(f"{url}/rest/api/2/serverInfo").status_code == 200  # path not scripted
    answers = [http.get(search, params=_JQL) for _ in range(4)]
    assert [(a.status_code, a.headers.get("Retry-After")) for a in answers] == [
        (429, "1"),
        (503, None),
        (503, "1"),
        (500, None),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", answers[0].headers["X-RateLimit-Reset"])
    assert answers[0].headers["RateLimit-Reason"] == "jira-burst-based"
    assert all(set(a.json()) == {"errorMessages", "errors"} for a in answers)
    truncated = http.get(search, params=_JQL)
    assert truncated.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        truncated.json()
    with pytest.raises(requests.ConnectionError):
        http.get(search, params=_JQL)
    assert http.get(search, params=_JQL).status_code == 200
    assert [r.status for r in emulator.requests if "search" in r.path] == [
        429,
        503,
        503,
        500,
        200,
        200,
    ]


def test_timeout_fault_stalls_past_the_client_read_timeout(
    cloud: Served, http: requests.Session
) -> None:
    emulator, url = cloud
    emulator.faults.script("/search/jql", [Fault.timeout(seconds=1.0)])
    with pytest.raises(requests.ReadTimeout):
        http.get(f"{url}/rest/api/3/search/jql", params=_JQL, timeout=0.2)
    assert http.get(f"{url}/rest/api/3/search/jql", params=_JQL, timeout=5).status_code == 200


def test_retry_after_as_an_http_date(cloud: Served, http: requests.Session) -> None:
    emulator, url = cloud
    emulator.faults.script("/search", [Fault.retry_after_date()])
    answer = http.get(f"{url}/rest/api/3/search/jql", params=_JQL)
    assert answer.status_code == 429
    assert parsedate_to_datetime(answer.headers["Retry-After"]).tzinfo is not None


def test_random_faults_are_reproducible_for_a_seed(
    org: Organisation, http: requests.Session
) -> None:
    runs = []
    for _ in range(2):
        with running(org, "cloud") as (emulator, url):
            emulator.faults.random(rate=0.4, seed=5, kinds=("429", "503", "500"))
            runs.append(
                [
                    http.get(f"{url}/rest/api/3/search/jql", params=_JQL).status_code
                    for _ in range(25)
                ]
            )
    assert runs[0] == runs[1]
    assert {200, 429, 503, 500} <= set(runs[0])


def test_cloud_repeat_token_fault_hands_back_the_token_just_sent(
    cloud: Served, http: requests.Session
) -> None:
    emulator, url = cloud
    params = {"jql": "project = SHOP", "maxResults": 10}
    first = http.get(f"{url}/rest/api/3/search/jql", params=params).json()
    emulator.faults.repeat_page_token()
    second = http.get(
        f"{url}/rest/api/3/search/jql", params=params | {"nextPageToken": first["nextPageToken"]}
    ).json()
    assert second["nextPageToken"] == first["nextPageToken"]


def test_dc_short_page_mid_stream_ends_the_jira_client_sweep_early(
    org: Organisation,
) -> None:
    """pycontribs' pager stops at a short page (reference §3.3, pitfall 2)."""
    from jira import JIRA

    with running(org, "dc", dc_max_results=50) as (emulator, url):
        client = JIRA(url, basic_auth=("me", "secret"), max_retries=0)
        everything = client.search_issues("project = SHOP", maxResults=False, fields="id")
        emulator.faults.short_page(times=1, drop=3)
        cut = client.search_issues("project = SHOP", maxResults=False, fields="id")
        assert len(everything) == sum(i.project == "SHOP" for i in org.issues)
        assert len(cut) < len(everything)
        assert cut.total == len(everything)


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_token_bucket_answers_429_with_integer_retry_after(
    org: Organisation, http: requests.Session, mode: str
) -> None:
    with running(org, mode) as (emulator, url):
        emulator.faults.rate_limit(capacity=2, per_second=0.2)
        answers = [http.get(f"{url}/rest/api/2/myself") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"2"}
    limited = answers[2].headers
    assert int(limited["Retry-After"]) >= 1
    assert answers[2].json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    if mode == "dc":
        assert {"X-RateLimit-Interval-Seconds", "X-RateLimit-FillRate"} <= set(limited)
        assert answers[0].headers["retry-after"] == "0"
    else:  # Jira Cloud's 429: when to come back, and why it was refused
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", limited["X-RateLimit-Reset"])
        assert limited["RateLimit-Reason"] == "jira-burst-based"
        near = [a.headers.get("X-RateLimit-NearLimit") for a in answers]
        assert near == [None, "true", "true"]  # under 20% of the budget left


def test_required_token_accepts_basic_and_bearer_and_refuses_the_rest(
    org: Organisation, http: requests.Session
) -> None:
    with running(org, "cloud", required_token="s3cret") as (_emulator, url):
        good_basic = base64.b64encode(b"me@acme.example:s3cret").decode()
        bad_basic = base64.b64encode(b"me@acme.example:wrong").decode()
        statuses = [
            http.get(f"{url}/rest/api/2/myself", headers=headers).status_code
            for headers in (
                {"Authorization": f"Basic {good_basic}"},
                {"Authorization": "Bearer s3cret"},
                {"Authorization": f"Basic {bad_basic}"},
                {"Authorization": "Bearer nope"},
                {},
            )
        ]
        refused = http.get(f"{url}/rest/api/2/myself")
    assert statuses == [200, 200, 401, 401, 401]
    assert refused.json() == {
        "errorMessages": ["Client must be authenticated to access this resource."],
        "errors": {},
    }


def test_page_latency_jitter_stays_within_its_bounds_and_varies() -> None:
    """Each page waits the latency moved by at most the jitter either way, never below zero;
    without jitter, exactly the latency."""
    plan = FaultPlan()
    plan.latency_seconds = 0.3
    assert {plan.page_delay() for _ in range(20)} == {0.3}
    plan.latency_jitter_seconds = 0.1
    delays = [plan.page_delay() for _ in range(200)]
    assert all(0.2 <= delay <= 0.4 for delay in delays)
    assert len(set(delays)) > 100
    plan.latency_jitter_seconds = 0.5
    assert min(plan.page_delay() for _ in range(200)) == 0.0
