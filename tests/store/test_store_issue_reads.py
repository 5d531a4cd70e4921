"""Reading every stored issue, with or without the raw payloads."""

from __future__ import annotations

from store_builders import make_issue, page_of

from syncd.store import Store

SOURCE = "jira"


def test_reading_without_raw_payloads_gives_the_same_issues_minus_their_payloads(
    store: Store,
) -> None:
    """``with_raw=False`` returns every normalised field as stored and leaves ``raw`` empty,
    so that a pass over all issues (deciding, analytics) does not hold every payload."""
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(*(make_issue(n, minutes=n) for n in range(1, 6))))

    full = list(store.iter_issues())
    light = list(store.iter_issues(with_raw=False))

    assert light == full
    assert [issue.custom for issue in light] == [issue.custom for issue in full]
    assert all(issue.raw for issue in full)
    assert not any(issue.raw for issue in light)
