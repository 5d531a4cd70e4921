"""Run one command and write what it cost: ``python -m bench.launch REPORT COMMAND...``.

A process started by fork or vfork is charged, as its peak RSS, the peak of the process it
was started from (Linux carries the parent's high-water mark over to the child's exec). A
benchmark process holding a few hundred MB would lend every command it times that much.
This launcher imports only the standard library: the command starts from it, so the floor
it lends is its own (about 10 MB), and it writes the command's wall seconds (spawn to exit),
CPU seconds and peak RSS as JSON to REPORT, then exits with the command's status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    """Run ``sys.argv[2:]``, report to ``sys.argv[1]``."""
    report, command = Path(sys.argv[1]), sys.argv[2:]
    began = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    report.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
            }
        ),
        encoding="utf-8",
    )
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
