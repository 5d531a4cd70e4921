"""The Kubernetes manifests: rendered from each kustomization, validated offline with
kubernetes-validate against the Kubernetes schemas (strict: unknown fields are errors), and
consistent with the image, the configuration and each other.

ServiceMonitor and PrometheusRule are Prometheus Operator CRDs, for which kubernetes-validate
has no schema (it raises SchemaNotFoundError): they are checked against the subset of the
operator's CRD schema that these manifests use, below, and the PrometheusRule's groups are
the promtool-checked rule file (test_deploy_rules.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from deploy_support import DEPLOY
from kustomize_render import render

from syncd.app.mapping_files import load_mapping_files
from syncd.service.config import load_config, parse_config

KUSTOMIZATIONS = {
    "base": DEPLOY / "kubernetes" / "base",
    "postgres": DEPLOY / "kubernetes" / "overlays" / "postgres",
}
# The oldest Kubernetes the manifests support, and the newest schema the package ships.
KUBERNETES_VERSIONS = ("1.27.0", kubernetes_validate.latest_version())

_DURATION = {"type": "string", "pattern": "^([0-9]+[smhdwy])+$"}
_RULE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["expr"],
    "oneOf": [{"required": ["record"]}, {"required": ["alert"]}],
    "properties": {
        "record": {"type": "string"},
        "alert": {"type": "string"},
        "expr": {"type": "string"},
        "for": _DURATION,
        "keep_firing_for": _DURATION,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_METADATA = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
CRD_SCHEMAS: dict[str, dict[str, Any]] = {
    "ServiceMonitor": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "metadata": _METADATA,
            "spec": {
                "type": "object",
                "required": ["selector", "endpoints"],
                "additionalProperties": False,
                "properties": {
                    "selector": {
                        "type": "object",
                        "properties": {"matchLabels": {"type": "object"}},
                    },
                    "namespaceSelector": {"type": "object"},
                    "jobLabel": {"type": "string"},
                    "endpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "port": {"type": "string"},
                                "path": {"type": "string"},
                                "interval": _DURATION,
                                "scrapeTimeout": _DURATION,
                                "scheme": {"enum": ["http", "https"]},
                            },
                        },
                    },
                },
            },
        },
    },
    "PrometheusRule": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "metadata": _METADATA,
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["groups"],
                "properties": {
                    "groups": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "rules"],
                            "properties": {
                                "name": {"type": "string"},
                                "interval": _DURATION,
                                "rules": {"type": "array", "items": _RULE},
                            },
                        },
                    }
                },
            },
        },
    },
}


def _resources(name: str) -> list[dict[str, Any]]:
    return render(KUSTOMIZATIONS[name])


def _one(resources: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [r for r in resources if r["kind"] == kind]
    return found


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_every_resource_validates(kustomization: str, version: str) -> None:
    for resource in _resources(kustomization):
        if resource["kind"] in CRD_SCHEMAS:
            with pytest.raises(kubernetes_validate.SchemaNotFoundError):
                kubernetes_validate.validate(resource, version, strict=True)
            jsonschema.validate(resource, CRD_SCHEMAS[resource["kind"]])
        else:
            kubernetes_validate.validate(resource, version, strict=True)


def _pod(resources: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = _one(resources, "Deployment")["spec"]["template"]["spec"]
    return spec


def _config(resources: list[dict[str, Any]]) -> tuple[dict[str, str], Any]:
    data = _one(resources, "ConfigMap")["data"]
    config = parse_config(data["config.yaml"], "config.yaml", {"SYNCD_JIRA_TOKEN": "x"})
    return data, config


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_pod_meets_the_restricted_profile_with_a_read_only_root(kustomization: str) -> None:
    pod = _pod(_resources(kustomization))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        # the only writable places: scratch space and the store's directory
        assert "emptyDir" in volumes[mounts["/tmp"]]
        assert "/var/lib/syncd" in mounts


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_probes_and_scrapes_reach_the_port_the_configuration_serves(kustomization: str) -> None:
    resources = _resources(kustomization)
    (container,) = _pod(resources)["containers"]
    _, config = _config(resources)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert config.service.host == "0.0.0.0"  # noqa: S104 - the pod must answer the kubelet
    assert ports["metrics"] == config.service.port
    probes = {kind: container[f"{kind}Probe"]["httpGet"] for kind in ("liveness", "readiness")}
    assert probes == {
        "liveness": {"path": "/healthz", "port": "metrics"},
        "readiness": {"path": "/readyz", "port": "metrics"},
    }
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    service = _one(resources, "Service")
    assert (
        service["spec"]["selector"].items()
        <= _one(resources, "Deployment")["spec"]["template"]["metadata"]["labels"].items()
    )
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["metrics"]
    monitor = _one(resources, "ServiceMonitor")
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == [
        service["spec"]["ports"][0]["name"]
    ]
    # SyncdDown selects job="syncd": the operator names the job after the Service
    assert service["metadata"]["name"] == "syncd"


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_configuration_and_mapping_files_are_mounted_together(kustomization: str) -> None:
    resources = _resources(kustomization)
    pod = _pod(resources)
    (container,) = pod["containers"]
    data, config = _config(resources)
    config_path = Path(container["args"][container["args"].index("--config") + 1])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    config_volume = next(n for n, v in volumes.items() if "configMap" in v)
    assert (
        volumes[config_volume]["configMap"]["name"]
        == _one(resources, "ConfigMap")["metadata"]["name"]
    )
    assert Path(mounts[config_volume]) == config_path.parent
    assert config_path.name in data
    files = config.mappings
    for path in (files.rules, files.okrs, files.agreements, files.teams):
        assert path is not None
        assert not path.is_absolute()
        assert path.name in data
    assert config.store.url.startswith("sqlite:////var/lib/syncd/")
    # syncd finishes its shutdown before Kubernetes sends SIGKILL
    assert config.service.grace_seconds < pod["terminationGracePeriodSeconds"]


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_secrets_come_from_a_secret_reference_never_the_manifests(kustomization: str) -> None:
    resources = _resources(kustomization)
    (container,) = _pod(resources)["containers"]
    _, config = _config(resources)
    env = {e["name"]: e for e in container["env"]}
    token = env[config.sources.jira[0].auth.secret_env]
    assert token["valueFrom"]["secretKeyRef"]["name"] == "syncd-credentials"
    assert "value" not in env["SYNCD_STORE_URL"]
    assert not [r for r in resources if r["kind"] == "Secret"]


def test_mounted_configuration_loads_with_its_mapping_files(tmp_path: Path) -> None:
    """What syncd reads at start in the pod: the config and every mapping file it names."""
    data, _ = _config(_resources("base"))
    for name, text in data.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "config.yaml", {"SYNCD_JIRA_TOKEN": "x"})
    files = load_mapping_files(config.mapping_paths())
    assert files.okrs is not None
    assert files.agreements is not None
    assert files.teams is not None


def test_base_keeps_one_sqlite_writer_on_a_persistent_volume() -> None:
    resources = _resources("base")
    deployment = _one(resources, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in _pod(resources)["volumes"]}
    claim = volumes["data"]["persistentVolumeClaim"]["claimName"]
    assert _one(resources, "PersistentVolumeClaim")["metadata"]["name"] == claim
    (container,) = _pod(resources)["containers"]
    store = {e["name"]: e for e in container["env"]}["SYNCD_STORE_URL"]
    assert store["valueFrom"]["secretKeyRef"]["optional"] is True


def test_postgres_overlay_requires_the_store_url_and_drops_the_volume() -> None:
    resources = _resources("postgres")
    deployment = _one(resources, "Deployment")
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert not [r for r in resources if r["kind"] == "PersistentVolumeClaim"]
    (container,) = _pod(resources)["containers"]
    store = {e["name"]: e for e in container["env"]}["SYNCD_STORE_URL"]
    assert store["valueFrom"]["secretKeyRef"] == {
        "name": "syncd-credentials",
        "key": "store-url",
        "optional": False,
    }


def test_postgres_overlay_spreads_its_replicas_and_keeps_one_through_drains() -> None:
    """The two replicas prefer different nodes, and a PodDisruptionBudget selecting exactly
    the Deployment's pods keeps one of them through voluntary disruptions."""
    resources = _resources("postgres")
    labels = _one(resources, "Deployment")["spec"]["template"]["metadata"]["labels"]
    budget = _one(resources, "PodDisruptionBudget")["spec"]
    assert budget["minAvailable"] == 1
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    (preferred,) = _pod(resources)["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    term = preferred["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"].items() <= labels.items()
    assert not [r for r in _resources("base") if r["kind"] == "PodDisruptionBudget"]


def _egress_ports(policy: dict[str, Any]) -> set[tuple[str, int]]:
    return {
        (port["protocol"], port["port"])
        for rule in policy["spec"]["egress"]
        for port in rule["ports"]
    }


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_network_policy_admits_prometheus_and_reaches_only_what_syncd_calls(
    kustomization: str,
) -> None:
    """Ingress only to the metrics port; egress to DNS and HTTPS (Jira, roadmap URLs), and
    PostgreSQL only in the overlay that uses it."""
    resources = _resources(kustomization)
    policy = _one(resources, "NetworkPolicy")
    labels = _one(resources, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (ingress,) = policy["spec"]["ingress"]
    assert ingress["ports"] == [{"port": "metrics", "protocol": "TCP"}]
    assert ingress["from"]
    expected = {("UDP", 53), ("TCP", 53), ("TCP", 443)}
    if kustomization == "postgres":
        expected.add(("TCP", 5432))
    assert _egress_ports(policy) == expected
