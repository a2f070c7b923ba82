"""docker/docker-compose.cluster.yml and docker/nginx.cluster.conf: what can be checked without a Docker engine (the
services fit together and fit weavebind's settings, routes and ports), and `docker compose config` where it exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.deploy.manifests import (
    DOCKER,
    INFERENCE_PROBES,
    KNOWN_SETTINGS,
    POSTGRES_IMAGE_VARIABLES,
    SERVER_PROBES,
    compose_environment,
    interpolate,
    load_compose,
    nginx_servers,
    nginx_upstreams,
)
from tests.dockerfile import parse_dockerfile
from weavebind import cli
from weavebind.server.settings import load_settings

COMPOSE = load_compose("docker-compose.cluster.yml")
SERVICES = COMPOSE["services"]
NODES = ["node1", "node2"]
NGINX = (DOCKER / "nginx.cluster.conf").read_text()


def node_settings(name: str):
    env = compose_environment(SERVICES[name])
    return load_settings(env)


def http_port() -> int:
    """The nodes run the image's CMD (no `command:`): the port of its `weavebind serve` line."""
    assert all("command" not in SERVICES[name] for name in NODES)
    cmd = next(args for keyword, args in parse_dockerfile(DOCKER / "Dockerfile") if keyword == "CMD")
    return cli.parse_args(json.loads(cmd)).port


def healthcheck_url(service: dict) -> str:
    test = service["healthcheck"]["test"]
    command = " ".join(test[1:]) if isinstance(test, list) else test
    return re.search(r"https?://[^'\s]+", command).group(0)


def test_the_services():
    assert set(SERVICES) == {*NODES, "postgres", "multi2vec-clip", "loadbalancer"}
    seed = load_compose("docker-compose.yml")["services"]["weaviate"]["build"]
    for name in NODES:
        assert SERVICES[name]["build"] == seed, "the nodes run the image docker-compose.yml builds"
        assert "ports" not in SERVICES[name], "clients reach the nodes through the load balancer"
    assert len({SERVICES[name]["image"] for name in NODES}) == 1
    assert SERVICES["postgres"]["image"].split(":")[0] == "postgres"
    assert SERVICES["multi2vec-clip"]["build"]["dockerfile"] == "docker/Dockerfile.inference"
    assert (DOCKER / SERVICES["multi2vec-clip"]["build"]["context"] / "docker" / "Dockerfile.inference").exists()


@pytest.mark.parametrize("name", [*NODES, "multi2vec-clip"])
def test_weavebind_services_set_only_known_settings(name):
    unknown = set(compose_environment(SERVICES[name])) - KNOWN_SETTINGS
    assert not unknown, f"not in weavebind's settings table: {sorted(unknown)}"


def test_postgres_sets_only_the_images_variables():
    assert set(compose_environment(SERVICES["postgres"])) <= POSTGRES_IMAGE_VARIABLES


def test_nodes_share_the_database_and_keep_their_own_cache():
    urls = {node_settings(name).weavebind_database_url for name in NODES}
    assert len(urls) == 1
    assert len({node_settings(name).cluster_hostname for name in NODES}) == len(NODES)
    caches = []
    for name in NODES:
        (volume,) = SERVICES[name]["volumes"]
        source, _, target = volume.partition(":")
        assert target == node_settings(name).persistence_data_path and source in COMPOSE["volumes"]
        caches.append(source)
    assert len(set(caches)) == len(NODES)


@pytest.mark.parametrize("password", [None, "s3cret"])
def test_database_url_names_the_postgres_service_and_its_credentials(password):
    environ = {"POSTGRES_PASSWORD": password} if password else {}
    raw = SERVICES["node1"]["environment"]["WEAVEBIND_DATABASE_URL"]
    url = urlsplit(interpolate(raw, environ))
    assert url.scheme == "postgresql+psycopg" and url.hostname == "postgres" and url.port == 5432
    database = {k: interpolate(str(v), environ) for k, v in SERVICES["postgres"]["environment"].items()}
    assert (url.username, url.password, url.path.lstrip("/")) == (
        database["POSTGRES_USER"], database["POSTGRES_PASSWORD"], database["POSTGRES_DB"])
    assert url.password == (password or "weavebind")
    assert "postgres_data" in COMPOSE["volumes"]


def test_inference_url_names_the_inference_service():
    url = urlsplit(node_settings("node1").clip_inference_api)
    assert url.hostname in SERVICES
    assert str(url.port) in SERVICES[url.hostname]["expose"]
    assert node_settings("node1").enable_modules == ("multi2vec-clip",)


def test_healthchecks_ask_the_well_known_routes():
    for name in NODES:
        url = urlsplit(healthcheck_url(SERVICES[name]))
        assert url.path in SERVER_PROBES and url.path.endswith("/ready") and url.port == http_port()
    url = urlsplit(healthcheck_url(SERVICES["multi2vec-clip"]))
    assert url.path in INFERENCE_PROBES and url.path.endswith("/ready") and str(url.port) in SERVICES[
        "multi2vec-clip"]["expose"]
    assert urlsplit(healthcheck_url(SERVICES["loadbalancer"])).path in SERVER_PROBES
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])


def test_depends_on_waits_for_healthy_services():
    for name, service in SERVICES.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert rule == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in SERVICES[dependency], dependency
    assert set(SERVICES["loadbalancer"]["depends_on"]) == set(NODES)
    assert set(SERVICES["node1"]["depends_on"]) == {"postgres", "multi2vec-clip"}


def test_nodes_expose_the_ports_their_settings_name():
    for name in NODES:
        settings = node_settings(name)
        assert {str(http_port()), str(settings.grpc_port), str(settings.prometheus_monitoring_port)} == set(
            SERVICES[name]["expose"])


# -- the load balancer ---------------------------------------------------------------------------------------------
def test_load_balancer_publishes_http_and_grpc_and_mounts_its_config():
    balancer = SERVICES["loadbalancer"]
    assert balancer["ports"] == [f"{http_port()}:{http_port()}", "50051:50051"]
    (mount,) = balancer["volumes"]
    source, target, mode = mount.split(":")
    assert (DOCKER / source).resolve() == DOCKER / "nginx.cluster.conf"
    assert (target, mode) == ("/etc/nginx/nginx.conf", "ro")
    # `http2 on;` (the h2c gRPC listener below) needs nginx 1.25.1 or later.
    major, minor = (int(part) for part in balancer["image"].split(":")[1].split("-")[0].split(".")[:2])
    assert (major, minor) >= (1, 25)


def server_block(port: int) -> str:
    (block,) = [body for body in nginx_servers(NGINX) if re.search(rf"^\s*listen\s+{port}\b", body, re.MULTILINE)]
    return block


def test_nginx_spreads_http_over_every_node():
    upstream = re.search(r"proxy_pass\s+http://(\w+);", server_block(http_port())).group(1)
    assert nginx_upstreams(NGINX)[upstream] == [f"{name}:{http_port()}" for name in NODES]


def test_nginx_spreads_grpc_over_every_node_on_http2():
    block = server_block(50051)
    assert re.search(r"^\s*http2 on;", block, re.MULTILINE)
    upstream = re.search(r"grpc_pass\s+grpc://(\w+);", block).group(1)
    assert nginx_upstreams(NGINX)[upstream] == [f"{name}:{node_settings(name).grpc_port}" for name in NODES]


def test_nginx_accepts_the_largest_body_weavebind_does():
    size = re.search(r"client_max_body_size\s+(\d+)m;", NGINX).group(1)
    assert int(size) * 1024 * 1024 >= node_settings("node1").weavebind_max_request_bytes


def test_docker_compose_config_accepts_the_file():
    """The Compose specification's own validation, where a docker compose command is installed (not in CI)."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) and subprocess.run([*command, "version"], capture_output=True).returncode == 0:
            done = subprocess.run([*command, "-f", str(DOCKER / "docker-compose.cluster.yml"), "config", "-q"],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            return
    pytest.skip("no docker compose command here")
