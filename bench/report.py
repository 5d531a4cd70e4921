"""Rendering measured outcomes as ``docs/benchmarks.md``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import describe_machine, describe_versions
from bench.plan import Outcome
from bench.runner import Samples

__all__ = ["render"]

_REGENERATE = {
    "SQLite": "Regenerate with `make bench` (all sizes) or `python -m bench --quick` "
    "(a smoke run).",
    "PostgreSQL": "Regenerate with `make bench-postgresql` (`SYNCD_BENCH_POSTGRES` names "
    "the server).",
}
_HOW_TO_READ = """\
## How to read this

Every figure is the median of the repetitions stated in the command line, measured on the
machine above. Each contender ran in its own process (so *peak RSS* is that process's
`VmHWM` alone), and the emulated Jira ran in another process, on loopback, so its work does
not count against any contender's. Within one organisation the contenders ran interleaved
(raw, syncd, raw, syncd, ...), and every ratio compares figures from the same run, never
from different days. *Raw-fetch ceiling*: the same pages syncd asks for (same JQL per
project, same fields, same page size), fetched sequentially with `requests` and decoded, and
nothing else; it is the floor of any sync's wall time, and mostly measures the emulator.
*Naive baseline*: the `jira` package's `search_issues(maxResults=False)` over all projects,
then one SQLAlchemy ORM `Session.merge` per issue and one commit, into SQLite. *syncd*:
`SyncEngine.sync` through the real wiring (config file, the store named above, 5 fetch
threads, one transaction per page), from an empty store. "OK"/"missed" compares the median with the
target. The machine is shared: absolute times move with its load; ratios are the figures
to compare.
"""


def render(
    outcomes: Sequence[Outcome],
    command: str,
    repeats: str,
    profile_tops: dict[str, str],
    store: str,
) -> str:
    """The whole results document; *store* names syncd's store (``SQLite 3.40.1 (WAL)``)."""
    backend = store.split(maxsplit=1)[0]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` ({repeats}).",
        _REGENERATE[backend],
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in describe_machine()),
        f"| syncd's store | {store} |",
        "",
        "| software | version |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in describe_versions()),
        "",
        _HOW_TO_READ,
    ]
    lines += _full_sync(outcomes)
    lines += _naive(outcomes)
    lines += _latency(outcomes)
    lines += _incremental(outcomes)
    lines += _redecide(outcomes)
    lines += _scrape(outcomes)
    notes = list(dict.fromkeys(note for outcome in outcomes for note in outcome.notes))
    if notes:
        lines += ["## Notes", "", *(f"- {note}" for note in notes), ""]
    lines += [_FINDINGS[backend]]
    for title, text in profile_tops.items():
        lines += [
            f"## Profile: {title}",
            "",
            "pyinstrument, wall time of the thread that writes pages (fetching and parsing run "
            "on the fetch threads, which this profile does not show).",
            "",
            "```",
            text.rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


_ON_SQLITE = """\
## What the profiles showed, and what changed

- **Page writes** (full sync). The writer thread spent most of its time in SQLAlchemy's
  generic `executemany`: the `INSERT … ON CONFLICT` construct rebuilt every page, a parameter
  dict processed per row, three conversions per timestamp (nine per issue). Now
  (`syncd/store/bulk.py`) the statements are compiled once, rows reach SQLite's driver as
  tuples bound a column at a time, timestamps bind in one step, JSON columns use orjson.
  `bench/store_write_page.py` (10k issues in pages of 100, SQLite): 3,985 → 10,594 rows/s;
  then column-wise binding took the writer's CPU from about 1.0 s to 0.6 s per 10k issues.
- **`/metrics`**. prometheus_client formats about 11 µs a series; the demo organisation's
  3,545 snapshot series cost ~40 ms per scrape (p99 > 100 ms on this machine). The snapshot's
  exposition is now rendered once per snapshot and appended to the live series: median
  ~2.5 ms, p99 < 10 ms, flat with the organisation's size.
- **Re-deciding**. Reading every raw payload back (decoded, ~1.1 GB at 100k issues) and
  comparing decisions as dicts with one `UPDATE` per restamped decision dominated; raw
  payloads are no longer read, stored outcomes compare as tuples, a new rule-set version is
  restamped with one `UPDATE` per chunk. At 200k issues the refresh still took 17-18 s and
  ~510 MB, holding every `Issue` (about 1.4 KB each) and every `Decision`. Now the stored
  issues stream through once (`Pipeline.refresh`): per issue only a lineage record (own
  verdict, parent and epic keys; `mappings.LineageDecider`), an `IssueState`, its team and a
  shared decision outcome stay; decisions flow to the store in chunks; integrity is checked
  as issues and decisions pass (`IntegrityCheck`). The profile then showed SQLAlchemy's row
  handling as long as the query itself (7.8 s of 20 s), so on SQLite the refresh reads issues
  and stored decisions straight from the driver, a column at a time (`syncd/store/scan.py`);
  and full passes of the cyclic garbage collector over the records already built (about a
  fifth of the time; they hold no cycles), so the refresh runs with it paused
  (`syncd/app/gc_pause.py`). A later profile showed frozen dataclasses' field-by-field
  initialisation at a sixth of the refresh (five records per issue): the per-issue records
  are named tuples now, ancestors' keys share the parent record's text and equal story points
  and hours share one float. 200k issues: 17.5 s / 511 MB -> about 8.5-9.5 s / 210-250 MB
  (the tables above); the service's peak over its first cycle 548 -> 235-275 MB.
- **Latency**. Five project partitions on four threads: the fifth waited, so the slowest
  thread fetched 34% of the pages (≤ 2.9x over a sequential fetch). The benchmark runs one
  thread per partition (`concurrency: 5`).
- **Memory**. The fan-out queue held two pages per thread (Data Center pages hold 1,000
  issues); it now holds one, the writer being the slower side.

What remains: a full sync is bound by one core. With `py-spy --gil` (Cloud, 100k issues) the
interpreter lock is held about 11.5 s of the 13 s run: page writes 44% (binding values 15%:
JSON of the raw payload 7%, timestamps 6%; the driver's `executemany` 7%; the history insert
5%; the per-page stored-version look-up 6%, now read from the driver; transactions 4%),
response decoding 15%, requests' stack 9%, parsing into `Issue` 10%. That is more than the
emulator spends serving the pages, and the two share the machine's two cores, so the ratio to
the raw-fetch ceiling (which is mostly the emulator's time) stays near 1.8. Next: commit the
pages that are waiting together (one transaction and one statement per table for several
pages), and build page rows as tuples. The naive baseline is itself only about 5-7x the
raw-fetch ceiling against this loopback emulator, so no sync can be 10x faster than it here;
against a real Jira, whose pages take far longer to serve than the emulator's, the naive
baseline's per-issue cost adds to a sequential fetch while syncd's overlaps it. Data Center
pages hold 1,000 issues, so 100 ms per page is small beside the work per page and parallel
fetching cannot reach 3x over a sequential fetch on two cores. Memory: a refresh keeps
about 0.5 KB per issue (lineage, state, team, outcome), so the service's peak grows with the
organisation (about 110 MB at 10k, 235-275 MB at 200k); a flat profile would need
inheritance and aggregation done in the database.
"""

_ON_POSTGRESQL = """\
## What these figures show

syncd stores in PostgreSQL in production. These are the same benchmarks with syncd's store on
a PostgreSQL server sharing the two cores, so the server's work competes with syncd's and the
emulator's. The raw-fetch ceiling and the naive baseline (which stores in SQLite) never touch
PostgreSQL: the ratios against them show what PostgreSQL costs a sync here. The targets were
set for the SQLite figures in `docs/benchmarks.md`.

- **A first sync that slowed down as it went.** The first run against PostgreSQL did not
  finish 100k issues in ten minutes. Each page's id look-up (`source = … AND issue_id IN …`)
  was planned before `issues` had statistics (autovacuum is off on this server; in production
  a first sync outruns it), so the planner took `source = …` to match a handful of rows and
  read every issue of the source for each page (30k issues: 28 -> 121 ms per page of 100).
  The store now analyses `issues` whenever a source's inserted issues double from 1,000
  (`syncd/store/planner.py`), and the index over every issue's (source, deleted_at), which
  offered that path, covers deleted issues only. A sync's rate is now flat with the
  organisation's size (the tables above).
- **Rows by COPY.** psycopg's `executemany` prepares, binds and answers one execution per row
  through its pipeline, in Python. Page rows are now copied into a temporary staging table
  and moved by one `INSERT … SELECT … ON CONFLICT` (`syncd/store/bulk.py`), JSON columns as
  orjson text. A/B runs of 30k Cloud issues: COPY 8-12% more issues/s than `executemany` with
  15% less CPU; JSON as text a further 4%.

What remains: measured the same day (30k Cloud issues, one emulator, runs interleaved), a
full sync ran at 1,690-1,760 issues/s on PostgreSQL against 2,580-2,720 on SQLite, with about
a fifth more CPU; this machine then ran about three times slower than when
`docs/benchmarks.md` was measured (compare the raw-fetch ceilings), so compare the two
documents by their ratios only. The writer thread's profile (below; Cloud, 100k issues,
62 s) shows the server's side of each page first: finishing the COPY of the issue rows 12 s
and the statements around it (create, move, empty) 8 s, then the stored-version look-up
through SQLAlchemy's generic path 6 s, psycopg formatting rows 5 s and JSON text 3 s. Next:
several waiting pages per COPY and transaction, and the look-up folded into the move.
Re-deciding 100k issues takes 26-28 s, far from 10 s for 200k: on
PostgreSQL the refresh reads issues and stored decisions through SQLAlchemy's generic result
path (a `Row`, a processor per timestamp, an `Issue` per row); a driver-level read like
SQLite's (`syncd/store/scan.py`) is the next step. Incremental syncs (2% of a full sync at
100k) and `/metrics` (p99 under 11 ms, flat) meet their targets.
"""

_FINDINGS = {"SQLite": _ON_SQLITE, "PostgreSQL": _ON_POSTGRESQL}


def _verdict(ok: bool) -> str:
    return "OK" if ok else "missed"


def _get(outcome: Outcome, name: str) -> Samples | None:
    return outcome.samples.get(name)


def _full_sync(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for o in outcomes:
        raw, syncd = _get(o, "raw"), _get(o, "syncd")
        if raw is None or syncd is None:
            continue
        ratio = syncd.median / raw.median
        rows.append(
            f"| {o.mode} | {o.issues:,} | {o.page_size} | {raw.median:.2f} | {syncd.median:.2f} "
            f"| {o.issues / syncd.median:,.0f} | {ratio:.2f} ({_verdict(ratio <= 1.3)}) "
            f"| {syncd.median_of('cpu_seconds'):.2f} | {raw.rss:.0f} "
            f"| {syncd.rss:.0f} ({_verdict(syncd.rss <= 250)}) |"
        )
    return [
        "## Full sync, no added latency",
        "",
        "Targets: syncd ≤ 1.3x the raw-fetch ceiling; peak RSS ≤ 250 MB and flat as the "
        "organisation grows.",
        "",
        "| mode | issues | page | raw ceiling s | syncd s | syncd issues/s | syncd / raw "
        "| syncd CPU s | raw RSS MB | syncd RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def _naive(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    measured: dict[str, Outcome] = {}
    for o in outcomes:
        syncd, naive = _get(o, "syncd"), _get(o, "naive")
        if syncd is None:
            continue
        if naive is not None:
            measured[o.mode] = o
            seconds, rss, how = naive.median, naive.rss, "measured"
        elif o.mode in measured:
            base = measured[o.mode]
            scale = o.issues / base.issues
            reference = base.samples["naive"]
            seconds, rss, how = reference.median * scale, _scaled_rss(base, scale), "extrapolated"
        else:
            continue
        speedup, share = seconds / syncd.median, syncd.rss / rss
        rows.append(
            f"| {o.mode} | {o.issues:,} | {how} | {seconds:.1f} | {syncd.median:.2f} "
            f"| {speedup:.1f}x ({_verdict(speedup >= 10)}) | {rss:.0f} | {syncd.rss:.0f} "
            f"| {share:.2f} ({_verdict(share <= 0.2)}) |"
        )
    return [
        "## Against the naive baseline",
        "",
        "Targets: syncd ≥ 10x faster, at ≤ 1/5 of the baseline's peak memory. Extrapolated rows "
        "scale the largest measured run linearly (time by issues; memory by the part above the "
        "interpreter's own ~60 MB), and are marked so.",
        "",
        "| mode | issues | naive | naive s | syncd s | speed-up | naive RSS MB | syncd RSS MB "
        "| syncd / naive RSS |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def _scaled_rss(base: Outcome, scale: float) -> float:
    floor = 60.0  # a bare interpreter with the packages imported
    return floor + (base.samples["naive"].rss - floor) * scale


def _latency(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for o in outcomes:
        raw, syncd = _get(o, "raw_latency"), _get(o, "syncd_latency")
        if raw is None or syncd is None:
            continue
        speedup = raw.median / syncd.median
        rows.append(
            f"| {o.mode} | {o.issues:,} | {raw.extra['pages'][0]:.0f} | {raw.median:.1f} "
            f"| {syncd.median:.1f} | {speedup:.1f}x ({_verdict(speedup >= 3)}) "
            f"| {len(syncd.seconds)} |"
        )
    return [
        "## Full sync with 100 ms per page",
        "",
        "The emulator adds 100 ms to every search page (a realistic Cloud round trip). Target: "
        "syncd (5 fetch threads, one per project partition, honouring rate-limit answers) "
        "≥ 3x faster than the sequential raw fetch.",
        "",
        "| mode | issues | pages | sequential raw s | syncd s | speed-up | runs |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def _incremental(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for o in outcomes:
        incremental, full = _get(o, "incremental"), _get(o, "syncd")
        if incremental is None or full is None:
            continue
        share = incremental.median / full.median
        rows.append(
            f"| {o.mode} | {o.issues:,} | {o.edited:,} | {incremental.median:.2f} "
            f"| {full.median:.2f} | {100 * share:.1f}% ({_verdict(share <= 0.05)}) "
            f"| {incremental.rss:.0f} |"
        )
    return [
        "## Incremental sync after 1% changed",
        "",
        "1% of the issues are edited in the emulator, then syncd syncs from its watermark "
        "(the query re-reads a 10-minute overlap). Target: ≤ 5% of a full sync.",
        "",
        "| mode | issues | changed | incremental s | full s | share | RSS MB |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def _redecide(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for o in outcomes:
        redecide = _get(o, "redecide")
        if redecide is None:
            continue
        rows.append(
            f"| {o.mode} | {o.issues:,} | {redecide.median:.2f} "
            f"({_verdict(redecide.median <= 10)}) | {redecide.median_of('decide_seconds'):.2f} "
            f"| {redecide.median_of('snapshot_seconds'):.2f} | {redecide.rss:.0f} |"
        )
    return [
        "## Re-deciding every stored issue after a rules change",
        "",
        "One `Pipeline.refresh` after the rule set changed (one rule's decision flipped): read "
        "every stored issue, decide all, write the changed decisions, check integrity, compute "
        "and save the analytics snapshot. Target: ≤ 10 s at 200k issues.",
        "",
        "| mode | issues | refresh s | of which decide s | of which snapshot s | RSS MB |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def _scrape(outcomes: Sequence[Outcome]) -> list[str]:
    rows = []
    for o in outcomes:
        s = o.scrape
        if not s:
            continue
        rows.append(
            f"| {o.mode} | {o.issues:,} | {s['median_ms']:.1f} | {s['p99_ms']:.1f} "
            f"({_verdict(s['p99_ms'] <= 50)}) | {s['series']:,} | {s['bytes']:,} "
            f"| {s['service_rss_mb']:.0f} ({_verdict(s['service_rss_mb'] <= 250)}) |"
        )
    return [
        "## `/metrics` scrape",
        "",
        "`syncd run` serving the stored organisation (after its first cycle); `/metrics` "
        "fetched repeatedly over one connection. The collector serves a precomputed snapshot, "
        "so a scrape does no store query. Target: p99 ≤ 50 ms and flat as the organisation "
        "grows. The service's peak RSS covers its first cycle (incremental sync and refresh).",
        "",
        "| mode | issues | median ms | p99 ms | series | bytes | service peak RSS MB |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def profile_top(path: Path, lines: int = 40) -> str:
    """The first *lines* lines of a pyinstrument text profile, blank lines dropped."""
    text = [line for line in path.read_text().splitlines() if line.strip()]
    return "\n".join(text[:lines])
