"""Summary patterns, matched in time linear in the summary whatever the pattern.

A rule's ``summary_matches`` patterns run against every issue's summary, which is anyone's
text. Python's ``re`` backtracks: ``(a+)+$`` against forty ``a`` and a ``!`` tries about 2**40
ways while holding the interpreter lock, which stops the HTTP endpoints and the SIGTERM
handler with it. So every pattern a rule file supplies is compiled by RE2 (``google-re2``),
an automaton engine with no backtracking: at worst, matching costs the pattern's size times
the summary's length.

RE2 has no backreferences, lookaround, atomic groups or possessive quantifiers, and counts
repetitions up to 1000; such a pattern is refused with RE2's reason, so ``syncd rules check``
and a service (re)load place it. ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII only (as with
``re.ASCII``); ``\\p{L}`` and ``\\p{N}`` name Unicode letters and digits. Matching is
case-insensitive with Unicode case folding, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import re2

__all__ = ["PATTERN_MEMORY_BYTES", "PatternError", "SummaryPattern", "compile_patterns"]

# RE2's budget for one compiled pattern (program and lazily built automaton): room for
# \p{L}{1,50}-sized patterns, while MAX_PATTERN_CONDITIONS (mappings.rules.limits) patterns
# together stay under 500 MiB at the very worst (a typical pattern holds a few KiB).
PATTERN_MEMORY_BYTES = 1024 * 1024
_UNSUPPORTED = ("invalid perl operator", "invalid escape sequence", "invalid repetition size")
_HINT = (
    " (patterns are matched in linear time by RE2, which has no backreferences, lookaround "
    "or atomic groups, repeats at most 1000 times and writes the end of the text \\z; "
    "see docs/mapping.md)"
)


class PatternError(ValueError):
    """A pattern RE2 refuses; the message says which and why."""


class SummaryPattern(Protocol):
    """A compiled pattern: ``search`` gives a match object, or ``None`` when none is found."""

    def search(self, text: str) -> object | None:
        """The first match of the pattern in *text*, or ``None``."""
        ...


def compile_patterns(patterns: Sequence[str]) -> SummaryPattern:
    """One case-insensitive pattern that matches where any of *patterns* matches.

    Raises ``PatternError`` naming the pattern and RE2's reason when one is refused, or when
    together they exceed ``PATTERN_MEMORY_BYTES``.
    """
    for pattern in patterns:
        _compile(pattern, pattern)
    return _compile("|".join(f"(?:{p})" for p in patterns), ", ".join(patterns))


def _compile(pattern: str, named: str) -> SummaryPattern:
    try:
        compiled: SummaryPattern = re2.compile(pattern, _options())
    except re2.error as error:
        reason = _reason(error)
        hint = _HINT if reason.startswith(_UNSUPPORTED) else ""
        raise PatternError(
            f"pattern {named!r} is not a valid regular expression: {reason}{hint}"
        ) from None
    return compiled


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    # Only whether a pattern matches is used: without captures RE2 can answer with its DFA.
    options.never_capture = True
    options.max_mem = PATTERN_MEMORY_BYTES
    options.log_errors = False  # refusals are reported as problems, not on stderr
    return options


def _reason(error: Exception) -> str:
    detail = error.args[0] if error.args else error
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    too_large = f"the pattern is too large (over {PATTERN_MEMORY_BYTES >> 20} MiB compiled)"
    return text.replace("pattern too large - compile failed", too_large)
