"""What the web tests share: the running service's handle and the hostile summary."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from syncd.service.config import Config

__all__ = ["HOSTILE_SUMMARY", "WebRig"]

HOSTILE_SUMMARY = '<script>alert("x")</script><b>bold</b> & "quoted"'


@dataclass(frozen=True)
class WebRig:
    """A running service: its base URL, configuration, token and the hostile issue's key."""

    url: str
    config: Config
    token: str | None
    hostile_key: str

    def get(self, path: str, **params: str) -> requests.Response:
        """GET *path* with the token (when there is one)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return requests.get(self.url + path, params=params, headers=headers, timeout=60)
