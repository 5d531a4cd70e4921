"""Share rows against bands, the weighting-disagreement signal, and classification coverage."""

from __future__ import annotations

from collections.abc import Iterable

from syncd.analytics.aggregate import CLASSES, UNCLASSIFIED, SubjectKey, Totals
from syncd.analytics.bands import (
    AgreementBook,
    drift,
    forecast_share,
    recovery_needed,
    share_of,
)
from syncd.analytics.items import WEIGHTINGS
from syncd.analytics.rows import CoverageRow, DisagreementRow, ShareRow, Window
from syncd.core.domain import Agreement

__all__ = ["coverage_rows", "disagreement_rows", "share_rows"]


def share_rows(
    totals: Totals,
    teams: tuple[str, ...],
    windows: tuple[Window, ...],
    weightings: tuple[str, ...],
    book: AgreementBook,
) -> tuple[ShareRow, ...]:
    """One row per team, subject, window and weighting, in that nesting order.

    The denominator of every share is the team's classified completed work (product plus
    technology) in the window; unclassified work is left out and reported by coverage rows.
    """
    rows: list[ShareRow] = []
    for team in teams:
        for subject in totals.subjects:
            for window in windows:
                agreement = book.in_force(team, *subject, window.reference_day)
                changed = book.changed_within(
                    team,
                    *subject,
                    min(window.start.date(), window.reference_day),
                    window.reference_day,
                )
                rows.extend(
                    _row(
                        totals,
                        team,
                        subject=subject,
                        window=window,
                        weighting=weighting,
                        agreement=agreement,
                        changed=changed,
                    )
                    for weighting in weightings
                )
    return tuple(rows)


def _row(
    totals: Totals,
    team: str,
    *,
    subject: SubjectKey,
    window: Window,
    weighting: str,
    agreement: Agreement | None,
    changed: bool,
) -> ShareRow:
    index = WEIGHTINGS.index(weighting)
    part, total = _completed(totals, team, window, subject, index)
    part_wip, total_wip = _in_progress(totals, team, subject, index)
    share = share_of(part, total)
    low = agreement.min_share if agreement else None
    high = agreement.max_share if agreement else None
    return ShareRow(
        team=team,
        work_class=subject[0],
        category=subject[1],
        window=window.name,
        weighting=weighting,
        completed=part,
        total=total,
        in_progress=part_wip,
        share=share,
        forecast_share=forecast_share(part, part_wip, total, total_wip),
        band_min=low,
        band_max=high,
        agreement_id=agreement.agreement_id if agreement else None,
        drift=drift(share, low, high) if share is not None and agreement else None,
        recovery_needed=recovery_needed(part, total, low) if agreement else None,
        judged=agreement is not None
        and (agreement.window, agreement.weighting) == (window.name, weighting),
        agreement_changed=changed,
    )


def _completed(
    totals: Totals, team: str, window: Window, subject: SubjectKey, index: int
) -> tuple[float, float]:
    part = totals.completed_weight(team, window.name, subject)[index]
    total = sum(totals.completed_weight(team, window.name, (c, ""))[index] for c in CLASSES)
    return part, total


def _in_progress(totals: Totals, team: str, subject: SubjectKey, index: int) -> tuple[float, float]:
    part = totals.wip_weight(team, subject)[index]
    total = sum(totals.wip_weight(team, (c, ""))[index] for c in CLASSES)
    return part, total


def disagreement_rows(rows: Iterable[ShareRow]) -> tuple[DisagreementRow, ...]:
    """Per team, work class and window: the largest share minus the smallest across weightings.

    Only work classes as a whole (``category == ""``) are compared, and only where at least
    two weightings have a share.
    """
    groups: dict[tuple[str, str, str], list[tuple[float, str]]] = {}
    for row in rows:
        if row.category == "" and row.share is not None:
            key = (row.team, row.work_class, row.window)
            groups.setdefault(key, []).append((row.share, row.weighting))
    found = []
    for (team, work_class, window), shares in groups.items():
        if len(shares) < 2:
            continue
        lowest, highest = min(shares), max(shares)
        found.append(
            DisagreementRow(
                team=team,
                work_class=work_class,
                window=window,
                spread=highest[0] - lowest[0],
                lowest=lowest[1],
                highest=highest[1],
            )
        )
    return tuple(found)


def coverage_rows(
    totals: Totals, teams: tuple[str, ...], windows: tuple[Window, ...]
) -> tuple[CoverageRow, ...]:
    """Classified versus unclassified completed work, for every weighting (configured or not:
    the coverage metric is by issue count)."""
    rows = []
    for team in teams:
        for window in windows:
            for index, weighting in enumerate(WEIGHTINGS):
                classified = sum(
                    totals.completed_weight(team, window.name, (c, ""))[index] for c in CLASSES
                )
                unclassified = totals.completed_weight(team, window.name, UNCLASSIFIED)[index]
                rows.append(
                    CoverageRow(
                        team=team,
                        window=window.name,
                        weighting=weighting,
                        classified=classified,
                        unclassified=unclassified,
                        coverage=share_of(classified, classified + unclassified),
                    )
                )
    return tuple(rows)
