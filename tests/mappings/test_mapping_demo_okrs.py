"""The bundled OKR file and the demo organisation name the same key results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.jira.emulator import generate_organisation, key_result_of
from mappings import load_okrs
from mappings.examples import OKRS


@pytest.mark.parametrize("seed", [3, 7, 11])
def test_every_key_result_label_in_the_demo_names_a_bundled_key_result(seed: int) -> None:
    """A kr: label the generator writes always names a key result of okrs.yaml, so the demo's
    key-result progress and integrity findings are about real key results."""
    org = generate_organisation(issues=3000, seed=seed, now=datetime(2026, 11, 2, tzinfo=UTC))
    bundled = load_okrs(OKRS).key_result_ids

    generated = {kr.id for kr in org.key_results}
    labelled = {key_result_of(issue) for issue in org.issues} - {None}

    assert generated <= bundled
    assert labelled
    assert labelled <= bundled
