"""What the pages show and refuse: escaping, security headers, bad parameters, read-only."""

from __future__ import annotations

import gzip

import pytest
import requests

from syncd.web.application import SECURITY_HEADERS

from .web_support import HOSTILE_SUMMARY, WebRig


def test_an_html_summary_renders_as_text(demo_web: WebRig) -> None:
    """An issue whose summary holds HTML shows that HTML as text on its page and in lists."""
    page = demo_web.get(f"/issues/acme/{demo_web.hostile_key}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp;"
    assert escaped in page.text
    api = demo_web.get(f"/api/v1/issues/acme/{demo_web.hostile_key}").json()
    assert api["summary"] == HOSTILE_SUMMARY


def test_every_page_carries_the_security_headers(demo_web: WebRig) -> None:
    """The Content-Security-Policy (no script at all) and its companions are on each answer."""
    for path in ("/", "/api/v1/overview", "/unclassified", "/metrics"):
        headers = demo_web.get(path).headers
        assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_bad_drilldown_parameters_are_400_listing_every_problem(demo_web: WebRig) -> None:
    """Each wrong parameter is named with the values it could take."""
    response = demo_web.get(
        "/api/v1/drilldown", team="nobody", window="decade", work_class="x", page="0"
    )
    problems = response.json()["problems"]
    assert response.status_code == 400
    assert [p.split(":")[0] for p in problems] == ["team", "window", "work_class", "page"]


def test_only_get_and_head_are_routed(demo_web: WebRig) -> None:
    """Nothing changes state: POST, PUT and DELETE are 405 on pages, API and /metrics."""
    headers = {"Authorization": f"Bearer {demo_web.token}"}
    for method in ("POST", "PUT", "DELETE"):
        for path in ("/", "/api/v1/drilldown", "/metrics"):
            response = requests.request(method, demo_web.url + path, headers=headers, timeout=30)
            assert response.status_code == 405, (method, path)


def test_metrics_gzip_when_asked_and_head_without_body(demo_web: WebRig) -> None:
    """/metrics is gzip-compressed for a scraper that accepts it, and HEAD has no body."""
    identity = {"Accept-Encoding": "identity"}
    plain = requests.get(demo_web.url + "/metrics", headers=identity, timeout=30)
    raw = requests.get(
        demo_web.url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    assert b"syncd_work_share_ratio" in gzip.decompress(raw.raw.read())
    assert "Content-Encoding" not in plain.headers
    head = requests.head(demo_web.url + "/metrics", timeout=30)
    assert (head.status_code, head.content) == (200, b"")


def test_the_overview_links_every_share_to_its_drilldown(demo_web: WebRig) -> None:
    """Each share cell is a link to the drill-down of that team, window, subject, weighting."""
    overview = demo_web.get("/api/v1/overview").json()
    page = demo_web.get("/").text
    team = overview["teams"][1]["team"]
    assert f"/drilldown?team={team}&amp;window=" in page
    assert {"capacity", "issues"} <= set(overview["weightings"])


def test_unclassified_and_integrity_are_listed(demo_web: WebRig) -> None:
    """The unclassified list holds only unclassified issues; integrity lists each problem."""
    first = demo_web.get("/api/v1/unclassified").json()
    listed = [
        issue
        for page in range(1, first["pages"] + 1)
        for issue in demo_web.get("/api/v1/unclassified", page=str(page)).json()["issues"]
    ]
    assert first["count"] == len(listed) == len({issue["key"] for issue in listed}) > 0
    assert {issue["work_class"] for issue in listed} == {"unclassified"}
    integrity = demo_web.get("/api/v1/integrity").json()
    overview = demo_web.get("/api/v1/overview").json()
    kinds: dict[str, int] = {}
    for problem in integrity["problems"]:
        kinds[problem["kind"]] = kinds.get(problem["kind"], 0) + 1
    assert kinds == {k: v for k, v in overview["integrity"].items() if v}


def test_an_issue_page_shows_its_weight_in_every_weighting_capacity_included(
    demo_web: WebRig,
) -> None:
    """The issue page gives the issue's count, points and hours, and per window the
    person-days the organisation's capacity drill-down lists for it."""
    window = demo_web.get("/api/v1/overview").json()["windows"][0]["name"]
    figure = {"team": "all", "window": window, "work_class": "technology", "weighting": "capacity"}
    listed = demo_web.get("/api/v1/drilldown", **figure).json()["issues"][0]
    page = demo_web.get(f"/api/v1/issues/{listed['source']}/{listed['key']}").json()
    assert page["weights"]["capacity_by_window"][window] == pytest.approx(listed["weight"])
    assert {k: page["weights"][k] for k in ("issues", "story_points", "time_spent")} == listed[
        "weights"
    ]
