"""The Dockerfile, read statically (no Docker engine here): it builds in one stage and runs in
another, and agrees with the Deployment about user, port, entry point and writable paths."""

from __future__ import annotations

import re
import shlex

import yaml
from deploy_support import DEPLOY

DOCKERFILE = DEPLOY / "Dockerfile"
BUILD_TOOLS = re.compile(r"\b(apt-get|apk|gcc|g\+\+|make|build-essential|pip install)\b")


def _stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (instruction, arguments), continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def _final(instruction: str) -> list[str]:
    return [args for name, args in _stages()[-1] if name == instruction]


def _container() -> dict:
    deployment = yaml.safe_load((DEPLOY / "kubernetes/base/deployment.yaml").read_text())
    return deployment["spec"]["template"]["spec"]


def test_image_is_multi_stage_on_a_slim_python_pinned_by_digest() -> None:
    """Both stages start from one base image named by tag and digest, so a rebuild gets the
    same bytes until the digest is moved on purpose."""
    stages = _stages()
    assert len(stages) >= 2
    (base,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(), re.M)
    assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", base), base
    assert [args.split()[0] for stage in stages for name, args in stage if name == "FROM"] == [
        "${PYTHON_IMAGE}",
        "${PYTHON_IMAGE}",
    ]
    assert any("--from=build" in args for name, args in stages[-1] if name == "COPY")


def test_dependencies_install_only_from_the_hashed_lock() -> None:
    """The lock file enters the build context and pip installs it with --require-hashes and
    no resolution; syncd's own wheel adds no dependency of its own."""
    runs = " ".join(args for name, args in _stages()[0] if name == "RUN")
    assert "--require-hashes --no-deps --only-binary=:all:" in runs
    assert "--requirement requirements.lock" in runs
    assert "pip install --no-deps /dist/syncd-*.whl" in runs
    copied = [args for name, args in _stages()[0] if name == "COPY"]
    assert "deploy/requirements.lock ./" in copied
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert "!deploy/requirements.lock" in ignore


def test_the_build_revision_reaches_the_running_service() -> None:
    """SYNCD_REVISION is a build argument, an image label, and the environment variable the
    service reads into syncd_build_info."""
    final = _stages()[-1]
    assert ("ARG", "SYNCD_REVISION=unknown") in final
    (env,) = _final("ENV")
    assert "SYNCD_REVISION=${SYNCD_REVISION}" in env
    (label,) = _final("LABEL")
    assert 'org.opencontainers.image.revision="${SYNCD_REVISION}"' in label


def test_final_stage_installs_and_compiles_nothing() -> None:
    for args in _final("RUN"):
        assert not BUILD_TOOLS.search(args), args


def test_image_runs_as_the_deployments_non_root_user() -> None:
    (user,) = _final("USER")
    uid, _, gid = user.partition(":")
    pod = _container()
    assert int(uid) == pod["securityContext"]["runAsUser"] != 0
    assert int(gid) == pod["securityContext"]["runAsGroup"]


def test_entry_point_is_syncd_run_under_tini_with_the_mounted_configuration() -> None:
    """tini is PID 1 (it forwards SIGTERM and reaps zombies), copied static from the build
    stage's Debian package so the final stage installs nothing."""
    (entrypoint,) = _final("ENTRYPOINT")
    (command,) = _final("CMD")
    assert shlex.split(entrypoint.strip("[]").replace(",", " ")) == ["tini", "--", "syncd", "run"]
    assert "--from=build /usr/bin/tini-static /usr/bin/tini" in _final("COPY")
    build_runs = " ".join(args for name, args in _stages()[0] if name == "RUN")
    assert "apt-get install --yes --no-install-recommends tini" in build_runs
    (container,) = _container()["containers"]
    assert shlex.split(command.strip("[]").replace(",", " ")) == container["args"]


def test_exposed_port_and_store_directory_match_the_deployment() -> None:
    (container,) = _container()["containers"]
    assert _final("EXPOSE") == [str(container["ports"][0]["containerPort"])]
    (workdir,) = _final("WORKDIR")
    assert workdir in {m["mountPath"] for m in container["volumeMounts"]}
    assert "install --directory --owner=10001 --group=10001" in " ".join(_final("RUN"))
