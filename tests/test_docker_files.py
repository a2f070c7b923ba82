"""What a parser can check of docker/Dockerfile, .dockerignore and docker/docker-compose.yml (no Docker engine)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.dockerfile import parse_dockerfile
from weavebind import cli
from weavebind.server.routes import meta
from weavebind.server.settings import SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
SETTING_NAMES = {s.name for s in SETTINGS}
# Variables of Weaviate's compose example that are not in SETTINGS yet (none since the module settings landed).
PENDING_MODULE_SETTINGS: set[str] = set()


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "docker-compose.yml").read_text())


def environment(service: dict) -> dict[str, str]:
    """A service's environment as docker compose passes it: a mapping or KEY=VALUE list, values as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def dockerfile() -> list[tuple[str, str]]:
    return parse_dockerfile(DOCKER / "Dockerfile")


def instruction(name: str) -> list[str]:
    return [args for keyword, args in dockerfile() if keyword == name]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


# -- docker-compose.yml -----------------------------------------------------------------------------------------
def test_compose_services(compose):
    assert set(compose["services"]) == {"weaviate", "multi2vec-clip"}
    weaviate = compose["services"]["weaviate"]
    build = weaviate["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"
    assert weaviate["ports"] == ["8080:8080", "50051:50051"]
    volume, _, target = weaviate["volumes"][0].partition(":")
    assert target == "/var/lib/weaviate" and volume in compose["volumes"]
    clip = compose["services"]["multi2vec-clip"]
    assert clip["image"] == ("cr.weaviate.io/semitechnologies/multi2vec-clip:"
                             "sentence-transformers-clip-ViT-B-32-multilingual-v1")
    assert environment(clip) == {"ENABLE_CUDA": "0"}


def test_compose_environment_is_known_and_loads(compose):
    env = environment(compose["services"]["weaviate"])
    unknown = set(env) - SETTING_NAMES - PENDING_MODULE_SETTINGS
    assert not unknown, f"not in weavebind's settings table: {sorted(unknown)}"
    assert env["CLIP_INFERENCE_API"] == "http://multi2vec-clip:8080"
    settings = load_settings(env)
    assert settings.query_defaults_limit == 25
    assert settings.enable_modules == ("multi2vec-clip",)
    assert settings.default_vectorizer_module == "multi2vec-clip"
    assert settings.persistence_data_path == "/var/lib/weaviate"
    assert settings.cluster_hostname == "node1"


def test_clip_as_default_vectorizer_loads():
    settings = load_settings({"DEFAULT_VECTORIZER_MODULE": "multi2vec-clip", "ENABLE_MODULES": "multi2vec-clip"})
    assert settings.default_vectorizer_module == "multi2vec-clip"


def test_compose_command_is_weaviates_and_means_serve(compose):
    command = [str(part) for part in compose["services"]["weaviate"]["command"]]
    assert command == ["--host", "0.0.0.0", "--port", "8080", "--scheme", "http"]
    args = cli.parse_args(command)
    assert (args.command, args.host, args.port, args.scheme) == ("serve", "0.0.0.0", 8080, "http")


# -- Dockerfile -------------------------------------------------------------------------------------------------
def test_dockerfile_base_ports_and_user():
    assert instruction("FROM") == ["python:3.11-slim"]
    exposed = {port for args in instruction("EXPOSE") for port in args.split()}
    assert {"8080", "50051"} <= exposed
    users = instruction("USER")
    assert users and users[-1] not in ("root", "0")
    assert json.loads(instruction("VOLUME")[0]) == ["/var/lib/weaviate"]
    env = dict(item.split("=", 1) for args in instruction("ENV") for item in shlex.split(args))
    assert env["PERSISTENCE_DATA_PATH"] == "/var/lib/weaviate"


def test_dockerfile_entrypoint_and_cmd_mean_serve():
    assert json.loads(instruction("ENTRYPOINT")[0]) == ["weavebind"]
    assert "weavebind" in pyproject()["project"]["scripts"]
    args = cli.parse_args(json.loads(instruction("CMD")[0]))
    assert (args.command, args.host, args.port, args.scheme) == ("serve", "0.0.0.0", 8080, "http")


def test_dockerfile_healthcheck_probes_the_ready_route():
    (check,) = instruction("HEALTHCHECK")
    exec_form = json.loads(check[check.index("CMD ") + 4:])
    assert exec_form[:2] == ["python", "-c"]
    assert "/v1/.well-known/ready" in exec_form[2]
    assert "/v1/.well-known/ready" in {route.path for route in meta.routes}


def test_dockerfile_installs_existing_extras_and_the_pinned_torch():
    args = {}
    for arg in instruction("ARG"):
        name, _, default = arg.partition("=")
        args[name] = default
    runs = " ".join(instruction("RUN"))
    installs = re.findall(r'pip install "[^"]*\[([^\]]+)\]"', runs)
    assert installs, "no pip install of the package with extras"
    extras = {e.strip() for spec in installs for e in re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], spec)
              .split(",")}
    assert extras == {"postgres"}
    assert extras <= set(pyproject()["project"]["optional-dependencies"])
    pins = re.findall(r"pip install (torch==\S+)", runs)
    assert pins and set(pins) <= set(pyproject()["project"]["optional-dependencies"]["clip"])


def test_dockerfile_copies_what_exists_and_is_not_ignored():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", "data", ".git", "bench/results", "**/__pycache__"} <= ignored
    for args in instruction("COPY"):
        for source in args.split()[:-1]:
            assert (ROOT / source).exists(), source
            assert source not in ignored
