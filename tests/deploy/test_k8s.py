"""deploy/k8s: manifests pass the Kubernetes schemas (kubernetes-validate, offline), probes
hit /readyz and /healthz, pods are locked down, memory follows the measured figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def _load() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                key = (doc["kind"], doc.get("metadata", {}).get("name", ""))
                assert key not in seen, f"two {key}"
                seen.add(key)
                docs.append(doc)
    return docs


ALL = _load()
REDIS = {d["kind"]: d for d in ALL if d.get("metadata", {}).get("name", "").startswith(
    "toast-relay-redis")}
"""The bundled Redis's manifests (Deployment, Service, its volume claim) by kind."""
DOCS = {d["kind"]: d for d in ALL if d not in REDIS.values()}
INGRESSES = {d["metadata"]["name"]: d for d in ALL if d["kind"] == "Ingress"}
"""The relay's own manifests by kind."""
POD: dict[str, Any] = DOCS["Deployment"]["spec"]["template"]
CONTAINER: dict[str, Any] = POD["spec"]["containers"][0]
SETTINGS = {name.upper() for name in Settings.model_fields}


def _container_port(port: int | str) -> int:
    """A probe's or Service's port resolved to the container's port number."""
    for p in CONTAINER["ports"]:
        if port in (p["containerPort"], p.get("name")):
            result: int = p["containerPort"]
            return result
    raise AssertionError(f"port {port!r} is not a container port")


def test_every_manifest_parses_with_the_expected_kinds() -> None:
    """The folder holds a Deployment, Service, ConfigMap, Secret example and volume claim."""
    assert set(DOCS) >= {"Deployment", "Service", "ConfigMap", "Secret", "Kustomization",
                         "PodDisruptionBudget", "Ingress"}
    assert set(REDIS) >= {"Deployment", "Service", "PersistentVolumeClaim", "Secret"}


@pytest.mark.parametrize("doc", [d for d in ALL if d["kind"] != "Kustomization"],
                         ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_passes_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    """Each manifest validates strictly (no unknown fields) against the Kubernetes schema
    that kubernetes-validate ships for its newest version."""
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_schema_check_can_fail() -> None:
    """The schema check rejects a misspelt field (so the test above is not vacuous)."""
    bad = {**DOCS["PodDisruptionBudget"], "spec": {"minAvailble": 1}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, kubernetes_validate.latest_version(), strict=True)


def test_disruption_budget_keeps_a_pod_serving() -> None:
    """The PodDisruptionBudget selects the relay's pods and keeps at least one of the
    replicas up during drains."""
    spec = DOCS["PodDisruptionBudget"]["spec"]
    assert spec["selector"]["matchLabels"].items() <= POD["metadata"]["labels"].items()
    assert 1 <= spec["minAvailable"] < DOCS["Deployment"]["spec"]["replicas"]


def _mib(quantity: str) -> float:
    units = {"Mi": 1.0, "Gi": 1024.0}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_memory_follows_the_measured_figures() -> None:
    """The memory request covers the relay's measured RSS at 1,000 restaurants (437 MiB,
    benchmark g in docs/performance.md) and the limit leaves room above it; the comment
    states the source."""
    resources = CONTAINER["resources"]
    assert _mib(resources["requests"]["memory"]) >= 437
    assert _mib(resources["limits"]["memory"]) >= 1.5 * 437
    text = (K8S / "deployment.yaml").read_text()
    assert "437 MiB at 1,000" in text and "benchmark g" in text
    assert "| RSS of the relay | 123 MiB | 263 MiB | 437 MiB |" in \
        (ROOT / "docs" / "performance.md").read_text()


def test_secrets_carry_redis_url_and_the_redis_password() -> None:
    """The relay's Secret has REDIS_URL; the Redis Secret has the password redis.yaml reads;
    the kubectl commands create both, REDIS_URL included."""
    assert "REDIS_URL" in DOCS["Secret"]["stringData"]
    key = REDIS["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"][0]
    ref = key["valueFrom"]["secretKeyRef"]
    assert REDIS["Secret"]["metadata"]["name"] == ref["name"]
    assert ref["key"] in REDIS["Secret"]["stringData"]
    commands = (K8S / "secret.example.yaml").read_text()
    assert "--from-literal=REDIS_URL=" in commands
    assert f"kubectl create secret generic {ref['name']}" in commands


def test_ingress_streams_events_unbuffered_to_the_service() -> None:
    """The Ingress example sends / and /events/ to the relay's Service; the events one has
    buffering off and hour-long timeouts."""
    service = DOCS["Service"]
    for ingress in INGRESSES.values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] == service["metadata"]["name"]
                assert backend["port"]["name"] == service["spec"]["ports"][0]["name"]
    events = INGRESSES["toast-relay-events"]
    assert events["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/events/"
    notes = events["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


@pytest.mark.parametrize(("probe", "path"), [("readinessProbe", "/readyz"),
                                             ("livenessProbe", "/healthz")])
def test_probes_point_at_the_container_port(probe: str, path: str) -> None:
    """Readiness asks /readyz and liveness /healthz, on the port the relay listens on."""
    get = CONTAINER[probe]["httpGet"]
    assert get["path"] == path
    args = CONTAINER["args"]
    assert _container_port(get["port"]) == int(args[args.index("--port") + 1]) == 8080


def test_pod_runs_non_root_with_a_read_only_root() -> None:
    """runAsNonRoot, readOnlyRootFilesystem, no privilege escalation, all capabilities dropped."""
    pod_sc, sc = POD["spec"]["securityContext"], CONTAINER["securityContext"]
    assert pod_sc["runAsNonRoot"] is True and sc["runAsNonRoot"] is True
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]


def test_uid_matches_the_image_user() -> None:
    """runAsUser is the uid the Dockerfile's USER names, which owns /data in the image."""
    user_lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines()
                  if line.startswith("USER ")]
    uid = int(user_lines[-1].split()[1].split(":")[0])
    assert POD["spec"]["securityContext"]["runAsUser"] == uid
    assert POD["spec"]["securityContext"]["fsGroup"] == uid


def test_resources_are_requested_and_limited() -> None:
    """The container requests CPU and memory and has a memory limit."""
    resources = CONTAINER["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]


def test_data_dir_is_a_mounted_volume() -> None:
    """RELAY_DATA_DIR is a mounted per-pod volume (the shared copy is in Redis); /tmp too."""
    env = {e["name"]: e["value"] for e in CONTAINER["env"]}
    mounts = {m["mountPath"]: m["name"] for m in CONTAINER["volumeMounts"]}
    volumes = {v["name"]: v for v in POD["spec"]["volumes"]}
    assert "emptyDir" in volumes[mounts[env["RELAY_DATA_DIR"]]]
    assert "emptyDir" in volumes[mounts["/tmp"]]  # noqa: S108 - the pod's own scratch mount


def test_config_comes_from_the_configmap_and_secret() -> None:
    """envFrom names the ConfigMap and Secret, whose keys are all real settings."""
    sources = {next(iter(s)): next(iter(s.values()))["name"] for s in CONTAINER["envFrom"]}
    assert sources["configMapRef"] == DOCS["ConfigMap"]["metadata"]["name"]
    assert sources["secretRef"] == DOCS["Secret"]["metadata"]["name"]
    assert set(DOCS["ConfigMap"]["data"]) <= SETTINGS
    assert set(DOCS["Secret"]["stringData"]) <= SETTINGS
    for secret in (DOCS["Secret"], REDIS["Secret"]):
        assert all("replace-with" in v for v in secret["stringData"].values())


def test_service_targets_the_pods() -> None:
    """The Service selects the Deployment's pods and forwards to the relay's port."""
    spec = DOCS["Service"]["spec"]
    labels = POD["metadata"]["labels"]
    assert spec["selector"].items() <= labels.items()
    assert DOCS["Deployment"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert _container_port(spec["ports"][0]["targetPort"]) == 8080


def test_two_replicas_share_the_bundled_redis() -> None:
    """Two replicas, rolled one at a time, whose REDIS_URL names the Redis Service, and
    readiness that stays up in degraded mode (the comment says so)."""
    spec = DOCS["Deployment"]["spec"]
    assert spec["replicas"] == 2 and spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    url = DOCS["Secret"]["stringData"]["REDIS_URL"]
    service = REDIS["Service"]
    assert url.startswith("redis://:") and f"@{service['metadata']['name']}:6379/" in url
    assert "degraded" in (K8S / "deployment.yaml").read_text()


def test_redis_requires_a_password_and_stays_internal() -> None:
    """Redis takes its password from a Secret, is ClusterIP only, runs locked down."""
    pod = REDIS["Deployment"]["spec"]["template"]["spec"]
    redis = pod["containers"][0]
    assert redis["args"][:2] == ["--requirepass", "$(REDIS_PASSWORD)"]
    env = {e["name"]: e for e in redis["env"]}
    assert "secretKeyRef" in env["REDIS_PASSWORD"]["valueFrom"]
    assert REDIS["Service"]["spec"]["type"] == "ClusterIP"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert redis["securityContext"]["readOnlyRootFilesystem"] is True
    claim = next(v for v in pod["volumes"] if "persistentVolumeClaim" in v)
    assert claim["persistentVolumeClaim"]["claimName"] == (
        REDIS["PersistentVolumeClaim"]["metadata"]["name"])
    assert "managed" in (K8S / "redis.yaml").read_text()


def test_kustomization_lists_existing_files() -> None:
    """Every resource kustomization.yaml names exists; the Secret example is left to the user."""
    resources = DOCS["Kustomization"]["resources"]
    assert all((K8S / r).is_file() for r in resources)
    assert "pdb.yaml" in resources
    assert not any(r.endswith(".example.yaml") for r in resources)
