"""Render a kustomization without kustomize, for offline validation.

Supports exactly what deploy/kubernetes uses, and refuses anything else (a field it silently
ignored would make the rendered manifests lie): ``resources`` (files and directories),
``configMapGenerator`` with ``files``, ``images``, ``labels`` without selectors, and
``patches`` that are either JSON 6902 operation lists with a ``target`` or a ``$patch:
delete`` document. Generated ConfigMaps keep their plain name: kustomize would append a
content hash and rewrite the references to it, which changes nothing validation can see.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["RenderError", "render"]

Resource = dict[str, Any]
_SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "configMapGenerator",
    "images",
    "labels",
    "patches",
}


class RenderError(Exception):
    """The kustomization uses something this renderer does not support, or is broken."""


def render(directory: Path) -> list[Resource]:
    """The resources *directory*'s kustomization.yaml produces, in order."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unsupported = set(spec) - _SUPPORTED
    if unsupported:
        raise RenderError(f"{directory}: unsupported fields {sorted(unsupported)}")
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources.extend(render(path))
        else:
            resources.extend(d for d in yaml.safe_load_all(path.read_text("utf-8")) if d)
    resources.extend(_config_map(directory, g) for g in spec.get("configMapGenerator", []))
    for patch in spec.get("patches", []):
        resources = _patched(directory, resources, patch)
    for image in spec.get("images", []):
        _set_image(resources, image)
    for labels in spec.get("labels", []):
        if labels.get("includeSelectors") or labels.get("includeTemplates"):
            raise RenderError("labels with selectors or templates are not supported")
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(labels["pairs"])
    return resources


def _config_map(directory: Path, generator: dict[str, Any]) -> Resource:
    if set(generator) - {"name", "files"}:
        raise RenderError(f"unsupported configMapGenerator fields in {generator}")
    data = {}
    for entry in generator["files"]:
        key, _, path = entry.rpartition("=")
        source = directory / path
        data[key or source.name] = source.read_text(encoding="utf-8")
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": generator["name"]},
        "data": data,
    }


def _patched(directory: Path, resources: list[Resource], patch: dict[str, Any]) -> list[Resource]:
    document = yaml.safe_load((directory / patch["path"]).read_text(encoding="utf-8"))
    if isinstance(document, dict) and document.get("$patch") == "delete":
        wanted = (document["kind"], document["metadata"]["name"])
        kept = [r for r in resources if (r["kind"], r["metadata"]["name"]) != wanted]
        if len(kept) == len(resources):
            raise RenderError(f"delete patch matches nothing: {wanted}")
        return kept
    if not isinstance(document, list) or "target" not in patch:
        raise RenderError(f"only JSON 6902 patches with a target are supported: {patch}")
    target = patch["target"]
    matches = [
        r
        for r in resources
        if r["kind"] == target["kind"] and r["metadata"]["name"] == target["name"]
    ]
    if len(matches) != 1:
        raise RenderError(f"patch target {target} matches {len(matches)} resources")
    for operation in document:
        _apply(matches[0], operation)
    return resources


def _apply(resource: Resource, operation: dict[str, Any]) -> None:
    """One JSON 6902 operation (test, replace, add, remove) on *resource*, in place."""
    *parents, last = [
        p.replace("~1", "/").replace("~0", "~") for p in operation["path"][1:].split("/")
    ]
    node: Any = resource
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) and last != "-" else last
    op = operation["op"]
    if op == "test":
        if node[key] != operation["value"]:
            raise RenderError(f"test failed at {operation['path']}: {node[key]!r}")
    elif op == "replace":
        node[key]  # replace requires the target to exist: KeyError or IndexError if not
        node[key] = copy.deepcopy(operation["value"])
    elif op == "add":
        if isinstance(node, list):
            node.insert(len(node) if key == "-" else key, copy.deepcopy(operation["value"]))
        else:
            node[key] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del node[key]
    else:
        raise RenderError(f"unsupported JSON 6902 operation {op!r}")


def _set_image(resources: list[Resource], image: dict[str, Any]) -> None:
    for resource in resources:
        pod = resource.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            name, _, _tag = container["image"].partition(":")
            if name == image["name"]:
                new = image.get("newName", name)
                container["image"] = f"{new}:{image['newTag']}" if "newTag" in image else new
