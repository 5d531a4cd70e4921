"""Hostile summaries against catastrophic rule patterns: decided correctly, in linear time.

Each family of patterns below makes a backtracking engine try exponentially many ways (or
polynomially many of a high degree) on a long run of one letter followed by a character that
spoils the match. Summaries are generated around that run; every one must be decided as an
equivalent, harmless condition (the oracle) says. Decisions are made in a worker process
that must answer each within 30 s: under a backtracking engine the first long run holds the
interpreter lock for years, so nothing inside the process (not even pytest's timeout) could
end the test.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from multiprocessing.pool import Pool
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import run_syncd, scaled, tally

from mappings import RuleSet, check_rule_text, decide_all, parse_rule_set
from syncd.core.domain import Issue, StatusCategory

Oracle = Callable[[str, str, int], bool]
# family → (pattern with {c} for a letter and {k} for a count, what it means for a summary)
FAMILIES: dict[str, tuple[str, Oracle]] = {
    "nested quantifier": ("({c}+)+$", lambda s, c, k: s.endswith(c)),
    "doubly nested quantifier": ("(({c}+)+)+$", lambda s, c, k: s.endswith(c)),
    "overlapping alternation": ("^({c}|{c})*$", lambda s, c, k: set(s) <= {c}),
    "prefix alternation": ("({c}|{c}{c})+$", lambda s, c, k: s.endswith(c)),
    "counted greedy group": ("(.*{c}){{{k}}}", lambda s, c, k: s.count(c) >= k),
    "star of a star": ("({c}*)*!{c}", lambda s, c, k: f"!{c}" in s),
    "words and spaces": (r"(\w+\s?)+$", lambda s, c, k: re.search(r"\w\s?$", s) is not None),
}
SPOILERS = "!#. -_1"
_settings = settings(
    max_examples=scaled(150, 2000),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
_ids = iter(range(1, 10**9))


def _rules(pattern: str) -> str:
    return f"""\
format: 1
rules:
  - id: matched
    when: {{summary_matches: ['{pattern}']}}
    then: {{work_class: technology}}
  - id: not-matched
    then: {{work_class: product}}
"""


def _issue(summary: str) -> Issue:
    created = datetime(2026, 10, 1, tzinfo=UTC)
    return Issue(
        source="acme",
        issue_id=next(_ids),
        key="SHOP-1",
        project="SHOP",
        issue_type="Task",
        summary=summary,
        status="Done",
        status_category=StatusCategory.DONE,
        created=created,
        updated=created,
    )


@lru_cache(maxsize=64)
def _rule_set(pattern: str) -> RuleSet:
    return parse_rule_set(_rules(pattern), "rules.yaml")


def _decide(pattern: str, summary: str) -> str | None:
    """The rule that decides an issue titled *summary* (run in the worker process)."""
    (decision,) = decide_all([_issue(summary)], [], _rule_set(pattern)).values()
    return decision.rule_id


class _Worker:
    """One process deciding issues; once it misses a deadline every later call fails at once
    (it is still stuck), so Hypothesis's shrinking does not wait 30 s per attempt."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._stuck: str | None = None

    def decide(self, pattern: str, summary: str, timeout: float = 30) -> str | None:
        if self._stuck is not None:
            raise AssertionError(f"the classifier is still stuck on {self._stuck}")
        try:
            rule_id: str | None = self._pool.apply_async(_decide, (pattern, summary)).get(timeout)
        except multiprocessing.TimeoutError:
            self._stuck = f"{pattern!r} against a summary of {len(summary)} characters"
            raise AssertionError(f"no decision within {timeout:.0f} s: {self._stuck}") from None
        return rule_id


@pytest.fixture(scope="module")
def worker() -> Iterator[_Worker]:
    """A worker process for decisions, ended (if need be, while stuck) after the tests."""
    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        yield _Worker(pool)
    finally:
        pool.terminate()
        pool.join()


@st.composite
def attacks(draw: st.DrawFn) -> tuple[str, str, int, str]:
    """A family, its letter and count, and a summary: a long run of the letter (in either
    case) with spoilers around it, near the count where the counted family tips over."""
    family = draw(st.sampled_from(sorted(FAMILIES)))
    letter = draw(st.sampled_from("abkxz"))
    count = draw(st.integers(3, 25))
    run = draw(st.integers(0, 20) | st.integers(20, 5000) | st.integers(count - 2, count + 1))
    upper = draw(st.booleans())
    noise = st.text(alphabet=letter + letter.upper() + SPOILERS, max_size=6)
    summary = draw(noise) + (letter.upper() if upper else letter) * max(0, run) + draw(noise)
    return family, letter, count, summary


@_settings
@given(case=attacks())
def test_catastrophic_patterns_decide_generated_attacks_as_their_meaning_says(
    worker: _Worker, case: tuple[str, str, int, str]
) -> None:
    """Every family and attack: decided within the deadline, by the rule exactly when the
    oracle says the (case-insensitive) pattern is found in the summary."""
    family, letter, count, summary = case
    template, oracle = FAMILIES[family]
    rule_id = worker.decide(template.format(c=letter, k=count), summary)
    expected = oracle(summary.casefold(), letter, count)
    assert rule_id == ("matched" if expected else "not-matched"), (family, summary)
    tally(f"hostile patterns: attacks decided ({family})")


REFUSED = {
    "backreference": (r"(\w+)\1", "invalid escape sequence: \\1"),
    "lookahead": ("fix(?=ed)", "invalid perl operator: (?="),
    "lookbehind": ("(?<!hot)fix", "invalid perl operator: (?<"),
    "atomic group": ("(?>a+)b", "invalid perl operator: (?>"),
    "possessive quantifier": ("a++b", "bad repetition operator: ++"),
    "Python's end of text": (r"done\Z", "invalid escape sequence: \\Z"),
    "more than 1000 repetitions": ("a{1001}", "invalid repetition size: {1001}"),
    "too large once compiled": (r"(\pL{100}){10}", "the pattern is too large"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_patterns_the_linear_engine_refuses_are_placed_problems(name: str) -> None:
    """Syntax a backtracking engine accepts and RE2 does not: a problem on the pattern's own
    line (the second item of a block list) with RE2's reason, never a rule that cannot run."""
    pattern, reason = REFUSED[name]
    text = (
        "format: 1\nrules:\n  - id: fixes\n    when:\n      summary_matches:\n"
        f"        - '^fix'\n        - '{pattern}'\n    then: {{work_class: technology}}\n"
    )
    (problem,) = check_rule_text(text, "rules.yaml")
    assert (problem.file, problem.line) == ("rules.yaml", 7)
    assert problem.message.startswith(f"pattern {pattern!r} is not a valid regular expression")
    assert reason in problem.message, problem.message


def test_rules_check_and_service_start_refuse_a_lookaround_pattern_with_exit_2(
    tmp_path: Path,
) -> None:
    """``syncd rules check`` and ``syncd run`` on a rule file with a lookbehind: exit 2,
    the file, line and reason on stderr, no traceback."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(_rules("(?<!hot)fix"), encoding="utf-8")
    config = tmp_path / "syncd.yaml"
    config.write_text(
        f"store: {{url: 'sqlite:///{tmp_path / 'syncd.db'}'}}\nmappings: {{rules: {rules}}}\n",
        encoding="utf-8",
    )
    for command in (("rules", "check", str(rules)), ("run", "--config", str(config))):
        done = run_syncd(*command, timeout=60)
        assert done.returncode == 2, (command, done.stderr)
        assert "Traceback" not in done.stderr
        assert f"{rules}:4: rules[0].when.summary_matches" in done.stderr, done.stderr
        assert "invalid perl operator: (?<" in done.stderr, done.stderr
