"""No team may be called like the organisation, wherever a mapping file names a team, and
agreements are judged only on windows and weightings the analytics compute."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mappings import Judging, parse_agreements, parse_okrs, parse_teams
from syncd.cli import main
from syncd.core.errors import RuleSetError

# "all" in any case, padded or not: every spelling the analytics would confuse with the
# organisation, or a person would read as it.
_ORGANISATION = st.builds(
    lambda letters, left, right: left + "".join(letters) + right,
    st.tuples(st.sampled_from("aA"), st.sampled_from("lL"), st.sampled_from("lL")),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(["", " ", "\t"]),
)

_AGREEMENT = """\
agreements:
  - id: org-technology
    subject: {work_class: technology}
    min: 0.25
    valid_from: 2026-01-01
    owner: cto@acme.example
"""
_OKRS = """\
objectives:
  - id: O1
    title: Ship
    teams: [platform]
    period: 2026-Q4
    key_results:
      - {id: KR1, title: Ship it, measure: issue_count, target: 4}
"""


def _refused(parse, text: str) -> list[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleSetError) as raised:
        parse(text)
    return [(problem.where, problem.line) for problem in raised.value.problems]


@given(name=_ORGANISATION)
def test_a_team_named_like_the_organisation_is_refused_at_its_place(name: str) -> None:
    """In the team list, as the default, as an alias or map target, as an agreement's team
    and among an objective's teams: each refused with its key path and line."""
    quoted = yaml.safe_dump(name).removesuffix("\n...\n").strip()
    teams = f"teams: [platform, {quoted}]\ndefault: {quoted}\naliases: {{Ops: {quoted}}}\n"
    assert _refused(parse_teams, teams) == [("teams[1]", 1), ("aliases.Ops", 3), ("default", 2)]
    agreement = _AGREEMENT.replace("    min: 0.25", f"    team: {quoted}\n    min: 0.25")
    assert _refused(parse_agreements, agreement) == [("agreements[0].team", 4)]
    okrs = _OKRS.replace("teams: [platform]", f"teams: [platform, {quoted}]")
    assert _refused(parse_okrs, okrs) == [("objectives[0].teams[1]", 4)]


@given(name=st.text(min_size=1, max_size=12).filter(lambda n: n.strip().casefold() != "all"))
def test_any_other_team_name_is_accepted(name: str) -> None:
    """The refusal is about the organisation's name only."""
    assert parse_teams(yaml.safe_dump({"teams": ["platform", name]})).teams[1] == name


def test_an_agreement_judged_on_a_window_or_weighting_not_computed_is_refused() -> None:
    """Its window and weighting (defaults 90d and issues) must be among those configured."""
    judging = Judging(windows=("30d", "quarter"), weightings=("issues",))
    given_text = _AGREEMENT + "    window: 30d\n    weighting: story_points\n"
    with pytest.raises(RuleSetError) as raised:
        parse_agreements(given_text, judging=judging)
    assert [(p.where, p.line) for p in raised.value.problems] == [("agreements[0].weighting", 8)]
    with pytest.raises(RuleSetError) as defaulted:
        parse_agreements(_AGREEMENT, judging=judging)
    assert [(p.where, p.line) for p in defaulted.value.problems] == [("agreements[0].window", 2)]
    assert parse_agreements(_AGREEMENT).agreements[0].window == "90d"


def test_check_config_refuses_a_team_named_all_with_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check-config reads the mapping files as the service would: exit 2, the place named."""
    teams = tmp_path / "teams.yaml"
    teams.write_text("teams: [platform, all]\n", encoding="utf-8")
    config = tmp_path / "syncd.yaml"
    config.write_text(
        textwrap.dedent(f"""\
            store: {{url: "sqlite:///{tmp_path / "syncd.db"}"}}
            mappings: {{teams: {teams}}}
        """),
        encoding="utf-8",
    )
    assert main(["check-config", "--config", str(config)]) == 2
    assert f"{teams}:1: teams[1]:" in capsys.readouterr().err
