"""The families the analytics snapshot is exposed as: names, units, labels and help.

Two rules shape the names (docs/metrics.md, "Metrics contract" in the design):

- **One unit per family, in its name.** Amounts of work come in one family per weighting's
  unit (``..._issues``, ``..._story_points``, ``..._seconds``, ``..._persondays``); ratios
  have no unit, so one
  family carries every weighting under a ``weighting`` label.
- **The organisation is not a team.** Figures of the whole organisation have families of
  their own (``syncd_org_...``, without a ``team`` label), so ``sum by (team)`` over a team
  family never counts anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

__all__ = [
    "CATALOGUE",
    "INTEGRITY_KINDS",
    "WEIGHTING_UNITS",
    "Family",
    "FamilySet",
    "amount",
    "org_or_team",
]

WEIGHTING_UNITS: dict[str, tuple[str, float]] = {
    "issues": ("issues", 1.0),
    "story_points": ("story_points", 1.0),
    # The analytics count time spent in hours; Prometheus's base unit is the second.
    "time_spent": ("seconds", 3600.0),
    # One word: promtool reads a "_days" suffix as a time unit that should be seconds.
    "capacity": ("persondays", 1.0),
}
"""Each weighting's unit, as the suffix of its amount families, and the factor that turns the
analytics' figure into that unit."""

INTEGRITY_KINDS: tuple[str, ...] = (
    "roadmap_item_without_jira_link",
    "epic_without_roadmap_item_or_key_result",
    "key_result_without_work",
    "link_to_unknown_jira_key",
    "link_to_unknown_key_result",
)
"""Integrity problem kinds always exported (at 0 when the snapshot has none of a kind)."""

_CACHED = " From the latest analytics snapshot (see syncd_snapshot_timestamp_seconds)."
_SUBJECT = ("work_class", "category", "window")


@dataclass(frozen=True, slots=True)
class Family:
    """One gauge family: its name, help text and label names."""

    name: str
    help: str
    labels: tuple[str, ...]

    def empty(self) -> GaugeMetricFamily:
        """The family with no samples yet."""
        return GaugeMetricFamily(self.name, self.help + _CACHED, labels=self.labels)


def org_or_team(stem: str, org: bool) -> str:
    """The family name of *stem* for the organisation (``syncd_org_...``) or per team."""
    return f"syncd_org_{stem}" if org else f"syncd_{stem}"


def amount(stem: str, weighting: str, org: bool = False) -> str:
    """The family name of an amount of work of *stem* in *weighting*'s unit."""
    return org_or_team(f"{stem}_{WEIGHTING_UNITS[weighting][0]}", org)


def _scoped(stem: str, help: str, labels: Sequence[str]) -> tuple[Family, Family]:
    """A team family (``team`` first among its labels) and its organisation twin."""
    return (
        Family(org_or_team(stem, False), help, ("team", *labels)),
        Family(org_or_team(stem, True), f"{help} Whole organisation.", tuple(labels)),
    )


def _per_unit(
    stem: str, help: str, labels: Sequence[str], scoped: bool, *, per_person: bool = True
) -> list[Family]:
    """One family per weighting's unit; without the person-days ones unless *per_person*
    (capacity is allocated to people per day: a sum over issues has none)."""
    found: list[Family] = []
    for weighting, (unit, _) in WEIGHTING_UNITS.items():
        if weighting == "capacity" and not per_person:
            continue
        described = f"{help} In {unit.replace('_', ' ')}."
        if scoped:
            found.extend(_scoped(f"{stem}_{unit}", described, labels))
        else:
            found.append(Family(f"syncd_{stem}_{unit}", described, ("key_result", "team")))
    return found


def _catalogue() -> tuple[Family, ...]:
    ratio = (*_SUBJECT, "weighting")
    return (
        *_scoped("work_share_ratio", "Share of classified completed work in the window.", ratio),
        *_scoped(
            "work_share_target_ratio",
            "Edge of the agreed share band in force for the window.",
            (*_SUBJECT, "bound"),
        ),
        *_scoped(
            "work_share_drift_ratio",
            "Share minus the nearest edge of the agreed band; 0 inside the band.",
            ratio,
        ),
        *_scoped(
            "work_forecast_share_ratio",
            "Share if all work in progress completed within the window.",
            ratio,
        ),
        *_scoped(
            "work_share_agreement_info",
            "The window and weighting the agreement in force is judged on; always 1.",
            (*ratio, "agreement"),
        ),
        *_per_unit("work_completed", "Completed work in the window.", _SUBJECT, True),
        *_per_unit("work_in_progress", "Work in progress now.", _SUBJECT, True),
        *_per_unit(
            "work_recovery_needed",
            "Extra completed work of this subject that brings the share back to the band's "
            "minimum.",
            _SUBJECT,
            True,
        ),
        *_scoped(
            "weighting_disagreement_ratio",
            "Largest share minus smallest share of a work class across weightings.",
            ("work_class", "window"),
        ),
        *_scoped(
            "classification_coverage_ratio",
            "Classified share of completed issues (by issue count) in the window.",
            ("window",),
        ),
        *_per_unit(
            "unclassified_work", "Unclassified completed work in the window.", ("window",), True
        ),
        *_scoped(
            "capacity_unallocated_persondays",
            "Working days of the team's people with no issue in progress, in the window "
            "(capacity Jira does not show; not a work class). In person-days.",
            ("window",),
        ),
        Family(
            "syncd_key_result_progress_ratio",
            "Key-result progress towards its target by its own measure.",
            ("key_result", "team"),
        ),
        Family(
            "syncd_key_result_expected_progress_ratio",
            "Key-result progress expected for the time elapsed in its period.",
            ("key_result", "team"),
        ),
        *_per_unit(
            "key_result_work",
            "Completed work linked to the key result within its period.",
            (),
            False,
            per_person=False,
        ),
        Family(
            "syncd_integrity_problems", "Roadmap to Jira to key-result problems by kind.", ("kind",)
        ),
        Family("syncd_snapshot_timestamp_seconds", "When the analytics snapshot was computed.", ()),
    )


CATALOGUE: tuple[Family, ...] = _catalogue()
"""Every family the snapshot collector may export, in exposition order."""


class FamilySet:
    """Every family of ``CATALOGUE``, empty at first, filled sample by sample."""

    def __init__(self) -> None:
        self._families = {family.name: family.empty() for family in CATALOGUE}

    def add(self, name: str, labels: Iterable[str], value: float) -> None:
        """Add one sample to the family *name* (a ``KeyError`` names a family not catalogued)."""
        self._families[name].add_metric(list(labels), value)

    def metrics(self) -> list[Metric]:
        """The families, in catalogue order."""
        return list(self._families.values())
