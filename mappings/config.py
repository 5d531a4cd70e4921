"""Where the mapping layer's files are: rules, OKRs, agreements and teams."""

from __future__ import annotations

from pathlib import Path

from syncd.core.settings import Settings

__all__ = ["MappingsConfig"]


class MappingsConfig(Settings):
    """The mapping layer's files, relative to the configuration file."""

    rules: Path | None = None
    okrs: Path | None = None
    agreements: Path | None = None
    teams: Path | None = None

    def resolved(self, base: Path) -> MappingsConfig:
        """The same files, each relative path resolved against *base* (the config's folder)."""
        return self.model_copy(
            update={
                name: (path if path.is_absolute() else base / path)
                for name in ("rules", "okrs", "agreements", "teams")
                if (path := getattr(self, name)) is not None
            }
        )

    @property
    def paths(self) -> tuple[Path, ...]:
        """The configured files, in the order rules, OKRs, agreements, teams."""
        found = (self.rules, self.okrs, self.agreements, self.teams)
        return tuple(path for path in found if path is not None)
