"""A rule file whose patterns backtrack catastrophically, and Jira summaries that trigger them.

Rule authors are not attackers, but a summary is anyone's text: under a backtracking engine
one issue titled ``aaaa…a!`` holds the interpreter inside the matcher for longer than the age
of the universe, and with it ``/healthz``, ``/metrics`` and the SIGTERM handler. The service
must keep answering, decide every issue, and stop on SIGTERM.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from service_support import BUNDLED, SyncdProcess, http_get, wait_until, write_config

from connectors.jira.emulator import JiraEmulator
from syncd.store import Store, create_store_engine

GRACE_SECONDS = 10.0
# pattern → a summary that makes a backtracking engine try exponentially (or, for the
# counted group, polynomially with a degree of 20) many ways before it fails.
CATASTROPHIC = {
    "nested-quantifier": (r"(a+)+$", "a" * 40 + "!"),
    "overlapping-alternation": (r"^(a|a)*$", "a" * 40 + "!"),
    "prefix-alternation": (r"(a|aa)+$", "a" * 60 + "!"),
    "counted-greedy-group": (r"(.*b){20}", "b" * 19 + "!" * 80),
    "words-and-spaces": (r"(\w+\s?)+$", "word " * 16 + "!"),
}


def _rule_file(folder: Path) -> Path:
    rules = ["format: 1", "name: hostile", "rules:"]
    for name, (pattern, _) in CATASTROPHIC.items():
        rules += [
            f"  - id: {name}",
            f"    when: {{project: PLAT, summary_matches: ['{pattern}']}}",
            "    then: {work_class: technology}",
        ]
    rules += ["  - id: all-the-rest", "    then: {work_class: product}"]
    path = folder / "hostile-rules.yaml"
    path.write_text("\n".join(rules) + "\n", encoding="utf-8")
    return path


def test_catastrophic_patterns_never_stop_the_endpoints_or_sigterm(
    tmp_path: Path, emulator: JiraEmulator
) -> None:
    """Issues whose summaries trigger every catastrophic pattern of the rule file: /healthz
    answers within 2 s throughout, each issue is decided (the attack strings match nothing, a
    plain run of ``a`` matches the first rule), and SIGTERM ends the process with exit 0."""
    attacks = {
        emulator.create("PLAT", "Task", summary=summary): "all-the-rest"
        for _, summary in CATASTROPHIC.values()
    }
    attacks[emulator.create("PLAT", "Task", summary="a" * 40)] = "nested-quantifier"
    store_url = f"sqlite:///{tmp_path / 'syncd.db'}"
    config = write_config(
        tmp_path,
        emulator.url,
        store_url,
        interval_seconds=120,
        grace_seconds=GRACE_SECONDS,
        mapping_files={"rules": _rule_file(tmp_path)},
    )
    with SyncdProcess(["run", "--config", str(config)], tmp_path) as syncd:
        base = syncd.base_url()

        def refreshed() -> bool:
            # Every poll must be answered quickly, not only the last one.
            try:
                status = http_get(f"{base}/healthz", timeout=2)[0]
            except OSError as error:
                raise AssertionError(f"/healthz did not answer within 2 s: {error}") from None
            assert status == 200
            return bool(syncd.events("refreshed"))

        wait_until(refreshed, timeout=60, what="the first refresh")
        assert http_get(f"{base}/metrics", timeout=2)[0] == 200
        code = syncd.terminate(timeout=GRACE_SECONDS + 5)

    assert code == 0, syncd.stderr()
    decided = {
        d.issue_id: d.rule_id for d in Store(create_store_engine(store_url)).iter_decisions()
    }
    assert {issue_id: decided.get(issue_id) for issue_id in attacks} == attacks


# -- hostile mapping files on reload ---------------------------------------------------------
def _conditions_bomb(fan: int = 10, levels: int = 6) -> str:
    """A valid condition that repeats the one before it *fan* times, *levels* deep: a few
    hundred bytes that name fan**levels conditions (a million here)."""
    nodes = ["&c0 {project: PLAT}"]
    nodes += [f"&c{n} {{any: [{', '.join([f'*c{n - 1}'] * fan)}]}}" for n in range(1, levels + 1)]
    return "{any: [" + ", ".join(nodes) + "]}"


def _list_bomb(fan: int = 10, levels: int = 7) -> str:
    nodes = [f"&l0 [{', '.join(['x'] * fan)}]"]
    nodes += [f"&l{n} [{', '.join([f'*l{n - 1}'] * fan)}]" for n in range(1, levels + 1)]
    return "[" + ", ".join(nodes) + "]"


DEEP = "[" * 1000 + "x" + "]" * 1000
# kind → (original text, its replacement, what the hostile version says)
HOSTILE_FILES = [
    (
        "rules",
        "when: {labels: {any: [tech-debt, refactor]}}",
        f"when: {_conditions_bomb()}",
        "refused: ",
    ),
    ("rules", "when: {labels: {any: [tech-debt, refactor]}}", f"when: {DEEP}", "refused: "),
    ("rules", r"'^(bump|upgrade)\b'", "'(?<!no )upgrade'", "invalid perl operator"),
    ("okrs", "    teams: [checkout]", f"    teams: {_list_bomb()}", "refused: "),
    ("agreements", "subject: {work_class: technology}", f"subject: {DEEP}", "refused: "),
    (
        "teams",
        "teams: [checkout, growth, mobile, platform, data]",
        f"teams: {_list_bomb()}",
        "refused: ",
    ),
]


def test_a_running_service_refuses_hostile_mapping_files_and_keeps_its_rules(
    tmp_path: Path, emulator: JiraEmulator
) -> None:
    """Each mapping file in turn edited into a million-condition anchor bomb, a 1,000-deep
    nest or a lookbehind pattern while the service runs: the reload logs
    `mapping_files_invalid` with the file and line and the version it keeps, the next
    refresh decides with that version, and restoring the file reloads it."""
    files = {kind: tmp_path / f"{kind}.yaml" for kind in ("rules", "okrs", "agreements", "teams")}
    originals = {kind: (BUNDLED / f"{kind}.yaml").read_text(encoding="utf-8") for kind in files}
    for kind, path in files.items():
        path.write_text(originals[kind], encoding="utf-8")
    store_url = f"sqlite:///{tmp_path / 'syncd.db'}"
    config = write_config(
        tmp_path, emulator.url, store_url, interval_seconds=1, mapping_files=files
    )
    with SyncdProcess(["run", "--config", str(config)], tmp_path) as syncd:
        syncd.wait_ready()
        version = syncd.events("refreshed")[-1]["ruleset"]
        for kind, old, new, says in HOSTILE_FILES:
            text = originals[kind].replace(old, new, 1)
            line = text[: text.index(new)].count("\n") + 1
            edit = partial(files[kind].write_text, text)
            invalid = _after(syncd, "mapping_files_invalid", edit)
            assert invalid["keeping"] == version
            place = f"{files[kind]}:{line}: "
            assert [p for p in invalid["problems"] if p.startswith(place) and says in p], invalid
            refreshed = _after(syncd, "refreshed", lambda: None)
            assert refreshed["ruleset"] == version
            restore = partial(files[kind].write_text, originals[kind])
            assert _after(syncd, "mapping_files_reloaded", restore)["ruleset"] == version
        assert syncd.terminate(timeout=GRACE_SECONDS + 5) == 0


def _after(syncd: SyncdProcess, event: str, action: Callable[[], object]) -> dict[str, Any]:
    """The first *event* logged after *action* (within 30 s)."""
    seen = len(syncd.events(event))
    action()

    def logged() -> dict[str, Any] | None:
        found = syncd.events(event)
        return found[seen] if len(found) > seen else None

    return wait_until(logged, timeout=30, what=f"`{event}` in the log")
