"""The Helm chart (deploy/kubernetes/berrys) renders with Helm's own engine and every manifest is
valid against the Kubernetes schemas, offline.

Rendering uses helm-python-sdk (Helm v4's Go SDK in a wheel: no helm binary can be installed
here), validation kubernetes-validate (the official OpenAPI schemas, strict: unknown fields fail),
for the oldest and the newest Kubernetes the chart claims.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "kubernetes" / "berrys"
KUBE_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())
SECRETS = {
    "databaseUrl": "postgresql://berrys:pw@primary.db.internal:5432/berrys?sslmode=require",
    "redisUrl": "rediss://:pw@redis.internal:6380/0",
    "secretKey": "s" * 48,
    "encryptionKey": "e" * 43 + "=",
}


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the chart renders (hooks included), as ``helm template`` would."""
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render({"secrets": SECRETS, **(values or {})}, name="prod", namespace="berrys", is_install=True)
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


def containers(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []):
            yield obj["metadata"]["name"], container


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"existingSecret": "berrys-from-vault", "secrets": {}, "worker": {"autoscaling": {"enabled": False}}},
        {"ingress": {"enabled": False}, "migration": {"enabled": False}},
        {"worker": {"autoscaling": {"kind": "keda"}}, "metrics": {"enabled": False}},
    ],
    ids=["defaults", "existing-secret-fixed-workers", "no-ingress-no-migration", "keda-no-metrics"],
)
def test_every_rendered_manifest_is_valid_kubernetes(values):
    objects = render(values)
    assert len(objects) >= 6
    for obj in objects:
        if obj["apiVersion"] == "keda.sh/v1alpha1":  # a CRD: no Kubernetes schema (checked below)
            continue
        for version in KUBE_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)  # raises on any schema error


def test_an_invalid_manifest_is_caught():
    """The validator is not a no-op: a probe with a typo'd field fails strictly."""
    web = by_kind(render())[("Deployment", "prod-berrys-web")]
    web["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGett"] = {"path": "/", "port": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBE_VERSIONS[-1], strict=True)


def test_helm_lint_finds_no_error():
    result = helm.lint(str(CHART), values={"secrets": SECRETS}, strict=True)
    assert result["errors"] == [], result
    assert [m for m in result["messages"] if m["severity"] > 1] == [], result


def test_web_and_worker_have_probes_resources_and_disruption_budgets():
    objects = render()
    kinds = by_kind(objects)
    web = kinds[("Deployment", "prod-berrys-web")]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"  # PostgreSQL + Redis, no worker
    assert web["startupProbe"]["httpGet"]["path"] == "/health/live"
    worker = kinds[("Deployment", "prod-berrys-worker")]["spec"]["template"]["spec"]["containers"][0]
    assert worker["livenessProbe"]["exec"]["command"] == ["python", "-m", "workers.health"]
    assert worker["readinessProbe"]["exec"]["command"] == ["python", "-m", "workers.health"]
    for name, container in containers(objects):
        assert container["resources"]["requests"] and container["resources"]["limits"], name
    for component in ("web", "worker"):
        pdb = kinds[("PodDisruptionBudget", f"prod-berrys-{component}")]
        deployment = kinds[("Deployment", f"prod-berrys-{component}")]
        assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        assert pdb["spec"]["minAvailable"] == 1
    service = kinds[("Service", "prod-berrys-web")]
    assert service["spec"]["selector"] == kinds[("Deployment", "prod-berrys-web")]["spec"]["selector"]["matchLabels"]


def test_workers_scale_on_queue_depth():
    kinds = by_kind(render())
    hpa = kinds[("HorizontalPodAutoscaler", "prod-berrys-worker")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "prod-berrys-worker"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "External" and metric["external"]["metric"]["name"] == "berrys_queue_depth"
    assert "replicas" not in kinds[("Deployment", "prod-berrys-worker")]["spec"]  # the HPA owns it
    fixed = by_kind(render({"worker": {"autoscaling": {"enabled": False}, "replicas": 3}}))
    assert ("HorizontalPodAutoscaler", "prod-berrys-worker") not in fixed
    assert fixed[("Deployment", "prod-berrys-worker")]["spec"]["replicas"] == 3


def test_secrets_are_referenced_never_inlined():
    objects = render()
    kinds = by_kind(objects)
    secret = kinds[("Secret", "prod-berrys-secrets")]
    assert set(secret["stringData"]) == {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEY"}
    others = yaml.safe_dump([obj for obj in objects if obj["kind"] != "Secret"])
    for value in SECRETS.values():
        assert value not in others  # not in the ConfigMap, a pod spec or an annotation
    for name, container in containers(objects):
        for entry in container.get("env", []):
            assert "value" not in entry and entry["valueFrom"]["secretKeyRef"]["name"] == "prod-berrys-secrets", name
    external = by_kind(render({"existingSecret": "berrys-from-vault", "secrets": {}}))
    assert not [key for key in external if key[0] == "Secret"]
    web = external[("Deployment", "prod-berrys-web")]["spec"]["template"]["spec"]["containers"][0]
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in web["env"]} == {"berrys-from-vault"}


def test_missing_secrets_stop_the_render_with_a_message():
    with helm.Chart.load(str(CHART)) as chart, pytest.raises(helm.HelmError, match=r"secrets\.databaseUrl"):
        chart.render({}, name="prod", namespace="berrys")


def test_migration_job_runs_before_install_and_upgrade_after_its_secret():
    kinds = by_kind(render())
    job = kinds[("Job", "prod-berrys-migrate")]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", "berrys_app", "migrate"]
    secret = kinds[("Secret", "prod-berrys-secrets")]["metadata"]["annotations"]
    assert secret["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(secret["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])


def test_ingress_keeps_websockets_open():
    kinds = by_kind(render())
    ingress = kinds[("Ingress", "prod-berrys")]
    notes = ingress["metadata"]["annotations"]
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["backend"]["service"]["name"] == "prod-berrys-web"
    config = kinds[("ConfigMap", "prod-berrys-config")]["data"]
    assert config["BERRYS_PUBLIC_URL"] == "https://berrys.example.com"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"web": {"processes": 0}}, "processes"),
        ({"worker": {"autoscaling": {"enabled": "yes"}}}, "enabled"),
        ({"publicUrl": "berrys.example.com"}, "publicUrl"),
        ({"secrets": {**SECRETS, "redisUrl": "memcached://cache:11211"}}, "redisUrl"),
        ({"podSecurityContext": {"runAsNonRoot": False}}, "runAsNonRoot"),
        ({"podSecurityContext": {"runAsNonRoot": True, "runAsUser": 0}}, "runAsUser"),
    ],
)
def test_values_that_cannot_work_are_refused_by_the_schema(values, field):
    with helm.Chart.load(str(CHART)) as chart, pytest.raises(helm.HelmError, match=field):
        chart.render({"secrets": SECRETS, **values}, name="prod", namespace="berrys")


def test_workers_can_scale_through_keda_on_the_exported_queue_depth():
    kinds = by_kind(render({"worker": {"autoscaling": {"kind": "keda"}}}))
    assert ("HorizontalPodAutoscaler", "prod-berrys-worker") not in kinds  # KEDA makes its own
    scaled = kinds[("ScaledObject", "prod-berrys-worker")]
    assert scaled["spec"]["scaleTargetRef"] == {"name": "prod-berrys-worker"}
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (2, 20)
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus"
    assert trigger["metadata"]["query"] == "max(berrys_queue_depth)" and trigger["metadata"]["threshold"] == "10"
    assert trigger["metadata"]["serverAddress"].startswith("http")
    assert "replicas" not in kinds[("Deployment", "prod-berrys-worker")]["spec"]
    with helm.Chart.load(str(CHART)) as chart, pytest.raises(helm.HelmError, match="kind"):
        chart.render({"secrets": SECRETS, "worker": {"autoscaling": {"kind": "custom"}}}, name="prod", namespace="b")


def test_pods_expose_their_metrics_to_prometheus():
    kinds = by_kind(render())
    config = kinds[("ConfigMap", "prod-berrys-config")]["data"]
    assert config["BERRYS_WORKER_METRICS_PORT"] == "9108" and config["BERRYS_WORKER_METRICS_HOST"] == "0.0.0.0"
    worker = kinds[("Deployment", "prod-berrys-worker")]["spec"]["template"]
    assert worker["spec"]["containers"][0]["ports"] == [{"name": "metrics", "containerPort": 9108}]
    assert worker["metadata"]["annotations"]["prometheus.io/port"] == "9108"
    web = kinds[("Deployment", "prod-berrys-web")]["spec"]["template"]["metadata"]["annotations"]
    assert (web["prometheus.io/port"], web["prometheus.io/path"]) == ("3000", "/metrics")
    off = by_kind(render({"metrics": {"enabled": False}}))
    assert off[("ConfigMap", "prod-berrys-config")]["data"]["BERRYS_METRICS"] == "false"
    assert "ports" not in off[("Deployment", "prod-berrys-worker")]["spec"]["template"]["spec"]["containers"][0]


def _pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        spec = obj.get("spec", {}).get("template", {}).get("spec")
        if spec is not None:
            yield obj["metadata"]["name"], spec


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox-cap", "no-sandbox-cap"])
def test_every_pod_runs_as_the_images_unprivileged_user_without_capabilities(sandbox):
    objects = render({"worker": {"sandboxCapSysAdmin": sandbox}})
    pods = dict(_pod_specs(objects))
    assert set(pods) == {"prod-berrys-web", "prod-berrys-worker", "prod-berrys-migrate"}
    for name, spec in pods.items():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == 10001, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
    for name, container in containers(objects):
        context = container["securityContext"]
        assert context["capabilities"]["drop"] == ["ALL"], name
        if name == "prod-berrys-worker" and sandbox:
            # only widens the runtime's seccomp filter for bubblewrap's namespaces (values.yaml);
            # Kubernetes refuses allowPrivilegeEscalation=false beside SYS_ADMIN
            assert context["capabilities"]["add"] == ["SYS_ADMIN"] and "allowPrivilegeEscalation" not in context
        else:
            assert "add" not in context["capabilities"] and context["allowPrivilegeEscalation"] is False, name


def test_the_image_runs_as_the_uid_the_chart_expects():
    """The Dockerfile's final USER is numeric (runAsNonRoot can check it) and the chart's uid."""
    lines = [line.split() for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("USER ")]
    assert lines, "the image must not run as root"
    user = lines[-1][1]
    uid = int(user.split(":")[0])
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert uid != 0 and uid == values["podSecurityContext"]["runAsUser"]
    assert int(user.split(":")[1]) == values["podSecurityContext"]["runAsGroup"]
