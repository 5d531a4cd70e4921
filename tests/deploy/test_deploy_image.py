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


def test_image_is_multi_stage_on_a_slim_python() -> None:
    stages = _stages()
    assert len(stages) >= 2
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE.read_text()
    assert any("--from=build" in args for name, args in stages[-1] if name == "COPY")


def test_final_stage_installs_and_compiles_nothing() -> None:
    for args in _final("RUN"):
        assert not BUILD_TOOLS.search(args), args


def test_image_runs_as_the_deployments_non_root_user() -> None:
    (user,) = _final("USER")
    uid, _, gid = user.partition(":")
    pod = _container()
    assert int(uid) == pod["securityContext"]["runAsUser"] != 0
    assert int(gid) == pod["securityContext"]["runAsGroup"]


def test_entry_point_is_syncd_run_with_the_mounted_configuration() -> None:
    (entrypoint,) = _final("ENTRYPOINT")
    (command,) = _final("CMD")
    assert shlex.split(entrypoint.strip("[]").replace(",", " ")) == ["syncd", "run"]
    (container,) = _container()["containers"]
    assert shlex.split(command.strip("[]").replace(",", " ")) == container["args"]


def test_exposed_port_and_store_directory_match_the_deployment() -> None:
    (container,) = _container()["containers"]
    assert _final("EXPOSE") == [str(container["ports"][0]["containerPort"])]
    (workdir,) = _final("WORKDIR")
    assert workdir in {m["mountPath"] for m in container["volumeMounts"]}
    assert "install --directory --owner=10001 --group=10001" in " ".join(_final("RUN"))
