"""The read-only web view and its JSON API (``/api/v1``), as one Flask blueprint.

Every page has a JSON twin with the same content (docs/web.md):

* ``/`` and ``/api/v1/overview``: per team and window, each subject's share in every
  weighting against its band, drift and coverage; data freshness per source.
* ``/drilldown`` and ``/api/v1/drilldown``: the issues behind one figure
  (``team``, ``window``, ``work_class``, ``category``, ``weighting``), sortable and paged,
  with the figure's numerator and the listed weights' sum.
* ``/issues/<source>/<key>`` and ``/api/v1/issues/<source>/<key>``: ``syncd explain``.
* ``/unclassified`` and ``/integrity`` (and their API twins): each issue or problem listed.

Bad query parameters answer 400 listing every problem with its parameter; before the first
snapshot the pages answer 503. Only GET and HEAD are routed: nothing changes state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from mappings.classify import Verdict
from syncd.analytics import WEIGHTINGS, ShareRow, Snapshot
from syncd.core.domain import WorkClass
from syncd.web.drilldown import SORTS, Figure, FigurePage, Listed, WorkIndex, WorkIndexCache
from syncd.web.reading import ViewSources, explain_issue

__all__ = ["WebView", "pages"]

pages = Blueprint("pages", __name__)
_View = Callable[..., Response]

_UNITS = {
    "issues": "issues",
    "story_points": "points",
    "time_spent": "hours",
    "capacity": "person-days",
}


@dataclass(frozen=True, slots=True)
class WebView:
    """What the pages read: the sources, the index of the served snapshot, the page size."""

    sources: ViewSources
    index: WorkIndexCache
    page_size: int = 100


def _routed(page: str, api: str) -> Callable[[_View], _View]:
    """Route a view at *page* (endpoint ``pages.<name>``) and at its API twin *api*
    (``pages.api_<name>``), so ``url_for`` names the page."""

    def register(view: _View) -> _View:
        pages.add_url_rule(page, view.__name__, view, methods=["GET"])
        pages.add_url_rule(api, f"api_{view.__name__}", view, methods=["GET"])
        return view

    return register


def _view() -> WebView:
    view: WebView = current_app.extensions["syncd_view"]
    return view


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _answer(template: str, code: int = 200, **data: Any) -> Response:
    if _wants_json():
        response = jsonify(data)
        response.status_code = code
        return response
    body = render_template(template, units=_UNITS, **data)
    return Response(body, status=code, mimetype="text/html")


def _current() -> tuple[Snapshot, WorkIndex] | Response:
    found = _view().index.current()
    return _no_snapshot() if found is None else found


def _no_snapshot() -> Response:
    """503 until the first refresh has computed a snapshot."""
    return _answer(
        "error.html", 503, error="no snapshot yet", problems=["the first refresh is not done"]
    )


@_routed("/", "/api/v1/overview")
def overview() -> Response:
    """Shares against bands per team and window, coverage, and freshness per source."""
    snapshot = _view().sources.snapshot()
    if snapshot is None:
        return _no_snapshot()
    store = _view().sources.store
    freshness = [
        {
            "source": status.source,
            "last_success_at": _iso(status.last_success_at),
            "issues_stored": status.issues_stored,
        }
        for status in store.status()
    ]
    freshness += [
        {"source": name, "last_success_at": _iso(moment), "issues_stored": None}
        for name, moment in sorted(store.roadmap_confirmed().items())
    ]
    return _answer(
        "overview.html",
        computed_at=snapshot.computed_at.isoformat(),
        weightings=list(snapshot.weightings),
        windows=[window.to_dict() for window in snapshot.windows],
        teams=[_team_overview(snapshot, team) for team in snapshot.teams],
        freshness=freshness,
        integrity=dict(snapshot.integrity),
    )


def _team_overview(snapshot: Snapshot, team: str) -> dict[str, Any]:
    rows = [r for r in snapshot.shares if r.team == team and _reported(r)]
    return {
        "team": team,
        "windows": [
            {
                "window": window.name,
                "subjects": _subjects(rows, window.name),
                "coverage": {
                    c.weighting: c.coverage
                    for c in snapshot.coverage
                    if c.team == team and c.window == window.name
                },
            }
            for window in snapshot.windows
        ],
    }


def _reported(row: ShareRow) -> bool:
    return row.category == "" or row.agreement_id is not None


def _subjects(rows: list[ShareRow], window: str) -> list[dict[str, Any]]:
    subjects: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row.window != window:
            continue
        entry = subjects.setdefault(
            (row.work_class, row.category),
            {"work_class": row.work_class, "category": row.category, "weightings": {}},
        )
        entry["weightings"][row.weighting] = _figure_json(row)
    return list(subjects.values())


def _figure_json(row: ShareRow) -> dict[str, Any]:
    return {
        "completed": row.completed,
        "share": row.share,
        "band_min": row.band_min,
        "band_max": row.band_max,
        "drift": row.drift,
        "status": row.status,
        "agreement_id": row.agreement_id,
    }


@_routed("/drilldown", "/api/v1/drilldown")
def drilldown() -> Response:
    """The issues behind one figure, with the figure's numerator and the listed weights' sum."""
    found = _current()
    if isinstance(found, Response):
        return found
    snapshot, index = found
    problems, figure, paging = _figure_from(request.args, snapshot)
    if problems or figure is None:
        return _answer("error.html", 400, error="bad drill-down parameters", problems=problems)
    page = index.page(figure, size=_view().page_size, **paging)
    row = _share_row(snapshot, figure)
    return _answer(
        "drilldown.html",
        **_page_json(page, row, _completed(snapshot, figure, row)),
        issues=[_listed_json(item, weight) for item, weight in page.rows],
        sorts=list(SORTS),
        weightings=list(snapshot.weightings),
    )


def _figure_from(
    args: Mapping[str, str], snapshot: Snapshot
) -> tuple[list[str], Figure | None, dict[str, Any]]:
    """The figure and paging the query names, or every problem with its parameter."""
    team = args.get("team") or "all"
    window = args.get("window") or (snapshot.windows[0].name if snapshot.windows else "")
    work_class = args.get("work_class", "")
    category = args.get("category", "")
    weighting = args.get("weighting") or "issues"
    sort = args.get("sort", "weight")
    order = args.get("order", "desc")
    problems = []
    problems += _choice("team", team, snapshot.teams)
    problems += _choice("window", window, tuple(w.name for w in snapshot.windows))
    problems += _choice("work_class", work_class, tuple(c.value for c in WorkClass))
    problems += _choice("weighting", weighting, snapshot.weightings)
    problems += _choice("sort", sort, SORTS)
    problems += _choice("order", order, ("asc", "desc"))
    if work_class == WorkClass.UNCLASSIFIED.value and category:
        problems.append("category: unclassified work has no category")
    page_text = args.get("page", "1")
    if not page_text.isdigit() or int(page_text) < 1:
        problems.append(f"page: {page_text!r} is not a page number (1, 2, ...)")
    if problems:
        return problems, None, {}
    paging = {"sort": sort, "descending": order == "desc", "page": int(page_text)}
    return [], Figure(team, window, work_class, category, weighting), paging


def _choice(name: str, value: str, known: tuple[str, ...]) -> list[str]:
    if value in known:
        return []
    return [f"{name}: {value!r} is not one of {', '.join(known) or 'none'}"]


def _share_row(snapshot: Snapshot, figure: Figure) -> ShareRow | None:
    for row in snapshot.shares:
        if (row.team, row.window, row.work_class, row.category, row.weighting) == figure:
            return row
    return None


def _completed(snapshot: Snapshot, figure: Figure, row: ShareRow | None) -> float | None:
    """The figure's completed amount in the snapshot: its share row's, or for unclassified
    work its coverage row's unclassified amount."""
    if row is not None:
        return row.completed
    if figure.work_class != WorkClass.UNCLASSIFIED.value:
        return None
    for coverage in snapshot.coverage:
        if (coverage.team, coverage.window, coverage.weighting) == (
            figure.team,
            figure.window,
            figure.weighting,
        ):
            return coverage.unclassified
    return None


def _page_json(page: FigurePage, row: ShareRow | None, completed: float | None) -> dict[str, Any]:
    figure = page.figure
    return {
        "figure": figure._asdict(),
        "unit": _UNITS[figure.weighting],
        "snapshot_completed": completed,
        "share": None if row is None else _figure_json(row),
        "listed_total": page.total,
        "count": page.count,
        "page": page.page,
        "pages": page.pages,
        "sort": page.sort,
        "order": "desc" if page.descending else "asc",
    }


def _listed_json(item: Listed, weight: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": item.source,
        "key": item.key,
        "jira_url": _jira_url(item.source, item.key),
        "summary": item.summary,
        "type": item.issue_type,
        "status": item.status,
        "resolved": _iso(item.resolved),
        "team": item.team,
        "work_class": item.work_class,
        "category": item.category,
        "rule_id": item.rule_id,
        "path": list(item.path),
        "reason": item.reason,
        "weights": dict(zip(WEIGHTINGS[:3], item.weights[:3], strict=True)),
    }
    if weight is not None:
        data["weight"] = weight
    return data


def _jira_url(source: str, key: str) -> str | None:
    base = _view().sources.jira_urls.get(source)
    return None if base is None else f"{base}/browse/{key}"


@_routed("/issues/<source>/<key>", "/api/v1/issues/<source>/<key>")
def issue(source: str, key: str) -> Response:
    """``syncd explain`` for one issue: decision, rule, rule-set version, path, near misses,
    and the decision's history."""
    found = explain_issue(_view().sources, source, key)
    if found is None:
        return _answer("error.html", 404, error="no such issue", problems=[f"{source}/{key}"])
    explanation, history = found
    decision = explanation.decision
    rule = explanation.deciding_rule
    return _answer(
        "issue.html",
        key=explanation.issue.key,
        source=source,
        jira_url=_jira_url(source, explanation.issue.key),
        summary=explanation.issue.summary,
        type=explanation.issue.issue_type,
        status=explanation.issue.status,
        team=explanation.team,
        team_source=explanation.team_source,
        decision={
            "work_class": decision.work_class.value,
            "category": decision.category,
            "key_result": decision.key_result,
            "rule_id": decision.rule_id,
            "ruleset_version": decision.ruleset_version,
            "path": list(decision.path),
            "reason": decision.reason,
        },
        weights=_weights_of(source, explanation.issue.key),
        rule_description=rule.rule.description if rule is not None else None,
        conditions=list(explanation.deciding_conditions),
        steps=[
            {"node": step.node, "verdict": _verdict(step.verdict)} for step in explanation.steps
        ],
        near_misses=[
            {
                "rule_id": m.rule_id,
                "position": m.position + 1,
                "failed": m.failed,
                "actual": m.actual,
            }
            for m in explanation.near_misses
        ],
        history=[
            {
                "decided_at": record.decided_at.isoformat(),
                "work_class": record.decision.work_class.value,
                "category": record.decision.category,
                "rule_id": record.decision.rule_id,
                "ruleset_version": record.decision.ruleset_version,
            }
            for record in history
        ],
    )


def _weights_of(source: str, key: str) -> dict[str, Any]:
    """The issue's own weight in each weighting, and its person-days per window."""
    indexed = _view().index.current()
    listed = indexed[1].find(source, key) if indexed is not None else None
    if indexed is None or listed is None:
        return {}
    weights: dict[str, Any] = dict(zip(WEIGHTINGS[:3], listed.weights[:3], strict=True))
    weights["capacity_by_window"] = indexed[1].person_days(listed)
    return weights


def _verdict(verdict: Verdict | None) -> str:
    if verdict is None:
        return "roadmap item"
    if not verdict.matched:
        return "no rule matched"
    category = f"/{verdict.category}" if verdict.category else ""
    return f"{verdict.work_class.value}{category} by rule {verdict.rule_id}"


@_routed("/unclassified", "/api/v1/unclassified")
def unclassified() -> Response:
    """Every unclassified issue (of ``team``, when given), a page at a time."""
    found = _current()
    if isinstance(found, Response):
        return found
    snapshot, index = found
    team = request.args.get("team") or None
    page_text = request.args.get("page", "1")
    problems = [] if team is None else _choice("team", team, snapshot.teams)
    if not page_text.isdigit() or int(page_text) < 1:
        problems.append(f"page: {page_text!r} is not a page number (1, 2, ...)")
    if problems:
        return _answer("error.html", 400, error="bad parameters", problems=problems)
    listed = list(index.unclassified(team))
    size = _view().page_size
    pages_count = max(1, -(-len(listed) // size))
    page = min(int(page_text), pages_count)
    shown = listed[(page - 1) * size : page * size]
    return _answer(
        "unclassified.html",
        team=team,
        count=len(listed),
        page=page,
        pages=pages_count,
        issues=[_listed_json(item) for item in shown],
    )


@_routed("/integrity", "/api/v1/integrity")
def integrity() -> Response:
    """Every integrity problem the last refresh found: roadmap → Jira → key result."""
    problems = _view().sources.integrity()
    listed = [
        {"kind": str(p.kind), "subject": p.subject, "target": p.target, "text": str(p)}
        for p in problems
    ]
    return _answer("integrity.html", count=len(listed), problems=listed)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
