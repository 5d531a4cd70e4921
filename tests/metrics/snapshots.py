"""A small hand-made snapshot for collector and endpoint tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from syncd.analytics import (
    CoverageRow,
    DisagreementRow,
    KeyResultRow,
    ShareRow,
    Snapshot,
    Window,
)

COMPUTED_AT = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)


def row(
    work_class: str = "technology",
    *,
    category: str = "",
    weighting: str = "issues",
    share: float | None = 0.25,
    band: tuple[float | None, float | None] | None = (0.3, 0.5),
    team: str = "platform",
    judged: bool = False,
) -> ShareRow:
    """A 30d share row (team platform unless given): 1 of 4 issues done, 2 in progress;
    *judged* when its agreement is judged on this window and weighting."""
    low, high = band if band is not None else (None, None)
    return ShareRow(
        team=team,
        work_class=work_class,
        category=category,
        window="30d",
        weighting=weighting,
        completed=1.0,
        in_progress=2.0,
        share=share,
        forecast_share=0.5 if share is not None else None,
        band_min=low,
        band_max=high,
        agreement_id="a1" if band is not None else None,
        drift=-0.05 if share is not None and band is not None else None,
        recovery_needed=1 / 0.7 * 0.2 if band is not None and share is not None else None,
        judged=judged and band is not None,
    )


def snapshot(
    *shares: ShareRow, weightings: tuple[str, ...] = ("issues", "story_points")
) -> Snapshot:
    """A snapshot of *shares* plus one key result, coverage rows and one integrity count."""
    return Snapshot(
        computed_at=COMPUTED_AT,
        windows=(
            Window(
                "30d",
                "rolling",
                datetime(2025, 4, 20, 12, tzinfo=UTC),
                COMPUTED_AT,
                date(2025, 5, 20),
            ),
        ),
        weightings=weightings,
        shares=shares,
        disagreements=(
            DisagreementRow("platform", "technology", "30d", 0.16, "issues", "story_points"),
        ),
        key_results=(
            KeyResultRow(
                key_result="PLAT-KR1",
                team="platform",
                measure="issue_count",
                target=4.0,
                value=1.0,
                progress=0.25,
                expected=0.5,
                period_start=date(2025, 4, 1),
                period_end=date(2025, 6, 30),
                work=(("issues", 1.0), ("story_points", 3.0)),
                unmeasurable=0,
            ),
        ),
        coverage=(
            CoverageRow("platform", "30d", "issues", 4.0, 1.0, 0.8),
            CoverageRow("platform", "30d", "story_points", 0.0, 0.0, None),
            CoverageRow("platform", "30d", "time_spent", 2.0, 2.0, 0.5),
        ),
        integrity=(("key_result_without_work", 3),),
    )
