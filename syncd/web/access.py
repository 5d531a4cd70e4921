"""Who may read the web view: a bearer token or basic credentials, compared in constant time.

``Access.allows(authorization)`` answers for one request's ``Authorization`` header. With
``auth: none`` every request is allowed; with no secret configured none is (the view fails
closed rather than open). The secret is held as a ``SecretStr`` and never echoed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from pydantic import SecretStr

from syncd.web.settings import WebConfig

__all__ = ["Access"]


@dataclass(frozen=True, slots=True)
class Access:
    """The credentials the view accepts: *scheme* ``token``, ``basic`` or ``none``."""

    scheme: str
    secret: SecretStr | None
    open_paths: tuple[str, ...]

    @classmethod
    def of(cls, config: WebConfig) -> Access:
        """The access the configuration describes, with its secret read now."""
        return cls(config.auth, config.secret(), config.open_paths)

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value a 401 carries."""
        return 'Basic realm="syncd"' if self.scheme == "basic" else 'Bearer realm="syncd"'

    @property
    def readable(self) -> bool:
        """True when some request can read the view: ``auth: none``, or a secret to match."""
        return self.scheme == "none" or self.secret is not None

    def is_open(self, path: str) -> bool:
        """True for a path served without credentials."""
        return path in self.open_paths

    def allows(self, authorization: str | None) -> bool:
        """True when *authorization* (the request's header) carries the configured secret."""
        if self.scheme == "none":
            return True
        if self.secret is None or not authorization:
            return False
        kind, _, given = authorization.partition(" ")
        expected = self.secret.get_secret_value().encode()
        if self.scheme == "token" and kind.lower() == "bearer":
            return hmac.compare_digest(given.strip().encode(), expected)
        if self.scheme == "basic" and kind.lower() == "basic":
            return hmac.compare_digest(_decoded(given.strip()), expected)
        return False


def _decoded(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""
