"""Reading single cells: Jira keys, dates, hints, and bounded excerpts.

Cells are text and stay text. A spreadsheet formula such as ``=HYPERLINK("…/browse/SHOP-12",
"SHOP-12")`` is never evaluated: Jira keys are found in it by a regular expression over its
characters, exactly as in a plain ``SHOP-12, SHOP-13`` cell or a list of browse URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from syncd.core.errors import RecordError

__all__ = [
    "DEFAULT_DATE_FORMATS",
    "FORMULA_PREFIXES",
    "excerpt",
    "first_value",
    "jira_keys",
    "normalise_hint",
    "parse_date",
]

FORMULA_PREFIXES = ("=", "+", "-", "@")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y")
_EXCERPT_CHARS = 200
# A project key is 2+ characters starting with a letter; browse URLs and HYPERLINK labels
# both match, and a key repeated in the URL and the label is kept once.
_JIRA_KEY = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]+-[1-9][0-9]*)(?![0-9])")
_TECHNOLOGY = ("tech", "platform", "infra", "debt", "ktlo", "security", "maintenance")
_PRODUCT = ("product", "feature", "customer", "growth", "business")


def jira_keys(text: str | None) -> tuple[str, ...]:
    """Every distinct Jira key in *text*, in order of first appearance."""
    if not text:
        return ()
    return tuple(dict.fromkeys(_JIRA_KEY.findall(text)))


def first_value(text: str | None) -> str | None:
    """The first entry of a comma- or semicolon-separated cell, stripped; ``None`` if blank."""
    if text is None:
        return None
    for part in re.split(r"[,;\n]", text):
        if part.strip():
            return part.strip()
    return None


def parse_date(text: str | None, formats: Iterable[str] = ()) -> date | None:
    """A calendar date from an export cell; ``None`` when blank.

    ISO dates and datetimes are always accepted (a datetime keeps its date part), then the
    configured *formats* or, without any, a few unambiguous written forms. Raises
    ``RecordError`` naming the accepted forms when nothing matches; ``01/02/2024`` is never
    guessed (day-first and month-first exports both exist): configure ``date_formats``.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    candidates = tuple(formats) or DEFAULT_DATE_FORMATS
    for pattern in candidates:
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    accepted = ", ".join(("ISO 8601", *candidates))
    raise RecordError(f"{value!r} is not a date (accepted: {accepted})")


def normalise_hint(text: str | None) -> str | None:
    """``product`` or ``technology`` when the cell says so recognisably, else the text itself."""
    if text is None or not text.strip():
        return None
    lowered = text.strip().lower()
    if any(word in lowered for word in _TECHNOLOGY):
        return "technology"
    if any(word in lowered for word in _PRODUCT):
        return "product"
    return text.strip()


def excerpt(text: str) -> str:
    """*text* cut to a bounded length, for quarantined records and error messages."""
    flat = text.replace("\r", " ").replace("\n", " ")
    return flat if len(flat) <= _EXCERPT_CHARS else flat[: _EXCERPT_CHARS - 1] + "…"
