"""deploy/kubernetes: every object valid against Kubernetes' OpenAPI schemas (offline), and the files consistent with
each other and with weavebind (ports, probes, settings, images)."""

from __future__ import annotations

import copy
import re
import socket
import tomllib
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from tests.deploy.manifests import (
    INFERENCE_PROBES,
    KNOWN_SETTINGS,
    KUBERNETES_VERSIONS,
    POSTGRES_IMAGE_VARIABLES,
    ROOT,
    SERVER_PROBES,
    by_kind,
    container_env,
    load_manifests,
    manifest_files,
    pod_spec,
    probes,
    selects,
    validate,
)
from tests.dockerfile import parse_dockerfile
from weavebind import cli
from weavebind.server.settings import load_settings

MANIFESTS = load_manifests()
OBJECTS = [obj for _, obj in MANIFESTS]
REFUSED = (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError)


def ids(item: tuple[str, dict]) -> str:
    return f"{item[0]}:{item[1]['kind']}/{item[1]['metadata']['name']}"


def workload(name: str) -> dict:
    return next(obj for obj in OBJECTS if obj["kind"] in ("Deployment", "StatefulSet") and
                obj["metadata"]["name"] == name)


def container(name: str) -> dict:
    return pod_spec(workload(name))["containers"][0]


def pod_labels(w: dict) -> dict[str, str]:
    return w["spec"]["template"]["metadata"]["labels"]


def port_numbers(c: dict) -> dict[str, int]:
    return {port["name"]: port["containerPort"] for port in c["ports"]}


# -- the objects are valid Kubernetes objects -------------------------------------------------------------------------
def test_every_part_of_the_deployment_is_there():
    found = {(obj["kind"], obj["metadata"]["name"]) for obj in OBJECTS}
    assert found == {
        ("ConfigMap", "weavebind-config"), ("Secret", "weavebind-database"),
        ("Deployment", "weavebind"), ("Service", "weavebind"), ("Service", "weavebind-pods"),
        ("PodDisruptionBudget", "weavebind"), ("HorizontalPodAutoscaler", "weavebind"),
        ("Deployment", "multi2vec-clip"), ("Service", "multi2vec-clip"),
        ("StatefulSet", "postgres"), ("Service", "postgres"),
    }
    assert workload("weavebind")["spec"]["replicas"] == 2


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("item", MANIFESTS, ids=ids)
def test_manifest_is_a_valid_kubernetes_object(item, version):
    validate(item[1], version)


def _unknown_field(d):
    d["spec"]["replica"] = 2


def _port_as_text(d):
    d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8080"


def _no_containers(d):
    del d["spec"]["template"]["spec"]["containers"]


def _memory_as_list(d):
    d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = ["4Gi"]


def _removed_api(d):
    d["apiVersion"] = "extensions/v1beta1"


def _probe_in_wrong_place(d):
    d["spec"]["template"]["spec"]["readinessProbe"] = {"httpGet": {"path": "/", "port": 8080}}


@pytest.mark.parametrize("break_it", [_unknown_field, _port_as_text, _no_containers, _memory_as_list, _removed_api,
                                      _probe_in_wrong_place])
def test_a_broken_copy_is_refused(break_it):
    broken = copy.deepcopy(workload("weavebind"))
    break_it(broken)
    for version in KUBERNETES_VERSIONS:
        with pytest.raises(REFUSED):
            validate(broken, version)


def test_a_broken_copy_of_a_file_is_refused(tmp_path):
    text = (ROOT / "deploy" / "kubernetes" / "weavebind.yaml").read_text()
    broken = text.replace("  replicas: 2\n", "  replica: 2\n", 1)
    assert broken != text
    path = tmp_path / "weavebind.yaml"
    path.write_text(broken)
    problems = []
    for doc in yaml.safe_load_all(path.read_text()):
        try:
            validate(doc, KUBERNETES_VERSIONS[-1])
        except REFUSED as exc:
            problems.append(str(exc))
    assert len(problems) == 1 and "'replica' was unexpected" in problems[0]


def test_validation_needs_no_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the validator tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for obj in OBJECTS:
        validate(obj, KUBERNETES_VERSIONS[-1])


def test_every_file_holds_yaml_documents_only():
    for path in manifest_files():
        docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
        assert docs and all({"apiVersion", "kind", "metadata"} <= set(doc) for doc in docs), path.name


# -- the objects fit together ---------------------------------------------------------------------------------------
def test_workload_selectors_match_their_pods():
    for obj in OBJECTS:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            assert selects(obj["spec"]["selector"]["matchLabels"], pod_labels(obj))


def test_each_service_selects_one_workload_and_its_ports():
    workloads = [obj for obj in OBJECTS if obj["kind"] in ("Deployment", "StatefulSet")]
    for service in by_kind(OBJECTS, "Service").values():
        chosen = [w for w in workloads if selects(service["spec"]["selector"], pod_labels(w))]
        assert len(chosen) == 1, service["metadata"]["name"]
        ports = port_numbers(pod_spec(chosen[0])["containers"][0])
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, (service["metadata"]["name"], port)
            assert port["port"] == ports[port["targetPort"]]
    assert workload("postgres")["spec"]["serviceName"] == "postgres"


def test_disruption_budget_and_autoscaler_target_the_server():
    labels = pod_labels(workload("weavebind"))
    (budget,) = by_kind(OBJECTS, "PodDisruptionBudget").values()
    assert selects(budget["spec"]["selector"]["matchLabels"], labels)
    assert budget["spec"]["minAvailable"] < workload("weavebind")["spec"]["replicas"]
    (scaler,) = by_kind(OBJECTS, "HorizontalPodAutoscaler").values()
    assert scaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "weavebind"}
    assert scaler["spec"]["minReplicas"] == workload("weavebind")["spec"]["replicas"]
    assert "cpu" in container("weavebind")["resources"]["requests"]  # Utilization is a share of the request


@pytest.mark.parametrize(("name", "paths"), [("weavebind", SERVER_PROBES), ("multi2vec-clip", INFERENCE_PROBES)])
def test_probes_ask_the_well_known_routes_on_a_declared_port(name, paths):
    c = container(name)
    found = dict(probes(c))
    assert set(found) == {"startupProbe", "livenessProbe", "readinessProbe"}
    for probe in found.values():
        assert probe["httpGet"]["path"] in paths
        assert probe["httpGet"]["port"] in port_numbers(c)
    assert found["readinessProbe"]["httpGet"]["path"].endswith("/ready")
    assert found["livenessProbe"]["httpGet"]["path"].endswith("/live")


def test_every_container_has_resources_and_a_memory_limit():
    for obj in OBJECTS:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            for c in pod_spec(obj)["containers"]:
                assert {"cpu", "memory"} <= set(c["resources"]["requests"]), c["name"]
                assert "memory" in c["resources"]["limits"], c["name"]


# -- the objects fit weavebind ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["weavebind", "multi2vec-clip"])
def test_weavebind_containers_set_only_known_settings(name):
    unknown = set(container_env(container(name), OBJECTS)) - KNOWN_SETTINGS
    assert not unknown, f"not in weavebind's settings table: {sorted(unknown)}"


def test_postgres_container_sets_only_the_images_variables():
    assert set(container_env(container("postgres"), OBJECTS)) <= POSTGRES_IMAGE_VARIABLES


def server_settings():
    env = container_env(container("weavebind"), OBJECTS)
    assert env.pop("CLUSTER_HOSTNAME") == "<fieldRef>"
    return load_settings(env)


def test_server_settings_load_and_agree_with_the_ports():
    settings, c = server_settings(), container("weavebind")
    ports = port_numbers(c)
    args = cli.parse_args(c["args"])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", ports["http"])
    assert settings.grpc_port == ports["grpc"]
    assert settings.prometheus_monitoring_enabled and settings.prometheus_monitoring_port == ports["metrics"]
    annotations = workload("weavebind")["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == ports["metrics"]
    (mount,) = c["volumeMounts"]
    assert mount["mountPath"] == settings.persistence_data_path


def test_inference_url_names_the_inference_service():
    url = urlsplit(server_settings().clip_inference_api)
    service = by_kind(OBJECTS, "Service")[url.hostname]
    assert url.port in [port["port"] for port in service["spec"]["ports"]]
    assert selects(service["spec"]["selector"], pod_labels(workload("multi2vec-clip")))


def test_database_url_names_the_postgres_service_and_its_credentials():
    url = urlsplit(server_settings().weavebind_database_url)
    assert url.scheme == "postgresql+psycopg"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(dep.startswith("psycopg") for dep in extras["postgres"])
    service = by_kind(OBJECTS, "Service")[url.hostname]
    assert url.port == service["spec"]["ports"][0]["port"]
    database = container_env(container("postgres"), OBJECTS)
    assert (url.username, url.password, url.path.lstrip("/")) == (
        database["POSTGRES_USER"], database["POSTGRES_PASSWORD"], database["POSTGRES_DB"])


@pytest.mark.parametrize(("name", "dockerfile"),
                         [("weavebind", "Dockerfile"), ("multi2vec-clip", "Dockerfile.inference")])
def test_images_and_users_are_those_the_dockerfiles_build(name, dockerfile):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    image, _, tag = container(name)["image"].rpartition(":")
    assert tag == version
    instructions = parse_dockerfile(ROOT / "docker" / dockerfile)
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    uid = int(re.search(r"useradd [^&]*--uid (\d+)", runs).group(1))
    assert pod_spec(workload(name))["securityContext"]["runAsUser"] == uid
    exposed = {int(p) for keyword, args in instructions if keyword == "EXPOSE" for p in args.split()}
    assert {port_numbers(container(name))["http"]} <= exposed
