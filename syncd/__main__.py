"""``python -m syncd``: the same command line as the ``syncd`` entry point."""

from __future__ import annotations

import sys

from syncd.cli import main

if __name__ == "__main__":
    sys.exit(main())
