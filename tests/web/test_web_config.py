"""The ``web`` section of the configuration: validated with the rest, every problem placed."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.core.errors import ConfigError
from syncd.service.config import parse_config
from syncd.web.access import Access


def test_the_view_needs_credentials_unless_auth_none_is_written_out() -> None:
    """Without a ``web`` section the pages want a bearer token from SYNCD_WEB_TOKEN."""
    config = parse_config("log_level: info\n", environ={})
    assert (config.web.auth, config.web.secret_env) == ("token", "SYNCD_WEB_TOKEN")
    assert config.web.secret({}) is None
    assert not Access.of(config.web).allows("Bearer anything")
    assert config.web.secret({"SYNCD_WEB_TOKEN": " t0ken \n"}).get_secret_value() == "t0ken"


def test_a_mounted_secret_file_wins_over_the_environment(tmp_path: Path) -> None:
    """``secret_file`` is read first, stripped of its trailing newline."""
    secret = tmp_path / "token"
    secret.write_text("from-file\n", encoding="utf-8")
    config = parse_config(f"web:\n  secret_file: {secret}\n", environ={})
    assert config.web.secret({"SYNCD_WEB_TOKEN": "env"}).get_secret_value() == "from-file"


def test_every_web_problem_is_listed_with_its_line() -> None:
    """A wrong scheme, a relative open path and a page size out of range: all three reported."""
    text = "web:\n  auth: cookie\n  open_paths: [metrics]\n  page_size: 5\n"
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "syncd.yaml", environ={})
    rendered = str(raised.value) + " ".join(str(p) for p in raised.value.problems)
    assert len(raised.value.problems) == 3
    assert "web.auth" in rendered
    assert "web.page_size" in rendered
    assert "open_paths" in rendered
