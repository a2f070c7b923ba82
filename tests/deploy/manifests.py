"""Reading the deployment files as Kubernetes and docker compose would, for tests that run without either."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import kubernetes_validate
import yaml

from weavebind.server.routes import meta
from weavebind.server.settings import SETTINGS
from weavebind.vectorizers import inference_server

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
DOCKER = ROOT / "docker"
SETTING_NAMES = {s.name for s in SETTINGS}
# Settings the deployment files set that are being built meanwhile (`weavebind serve --workers N`); once a name is in
# weavebind/server/settings.py it leaves this set by itself.
KNOWN_SETTINGS = SETTING_NAMES
# What the official postgres image reads (its docs' "Environment Variables").
POSTGRES_IMAGE_VARIABLES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "PGDATA",
                            "POSTGRES_INITDB_ARGS", "POSTGRES_HOST_AUTH_METHOD"}
# The oldest Kubernetes still supported upstream when these files were written, and the newest schemas shipped.
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())

SERVER_PROBES = {route.path for route in meta.routes if route.path.endswith(("/live", "/ready"))}
# The route table only: the app is built around a stand-in for the model and never started.
INFERENCE_PROBES = {route.path for route in inference_server.create_app(SimpleNamespace(module="multi2vec-clip"),
                                                                        preload=False).routes
                    if "well-known" in route.path}


def manifest_files() -> list[Path]:
    return sorted(KUBERNETES.glob("*.yaml"))


def load_manifests() -> list[tuple[str, dict]]:
    """(file name, object) of every document of every manifest file, in order."""
    return [(path.name, doc) for path in manifest_files()
            for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def validate(obj: dict, version: str) -> None:
    """Check `obj` against Kubernetes' OpenAPI schema of `version`, strictly (an unknown field is an error).
    Raises kubernetes_validate's ValidationError or SchemaNotFoundError (an apiVersion/kind that version lacks)."""
    kubernetes_validate.validate(obj, version, strict=True)


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def container_env(container: dict, objects: list[dict]) -> dict[str, str]:
    """Every variable a container gets, with its value where the manifests give one: literal values, ConfigMap and
    Secret keys (through envFrom or valueFrom), `<fieldRef>` for values Kubernetes fills in."""
    config_maps, secrets = by_kind(objects, "ConfigMap"), by_kind(objects, "Secret")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
        else:
            env.update(secrets[source["secretRef"]["name"]]["stringData"])
    for item in container.get("env", []):
        ref = item.get("valueFrom", {})
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in ref:
            env[item["name"]] = secrets[ref["secretKeyRef"]["name"]]["stringData"][ref["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in ref:
            env[item["name"]] = config_maps[ref["configMapKeyRef"]["name"]]["data"][ref["configMapKeyRef"]["key"]]
        else:
            env[item["name"]] = "<fieldRef>"
    return env


def probes(container: dict) -> Iterator[tuple[str, dict]]:
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        if kind in container:
            yield kind, container[kind]


# -- docker compose -------------------------------------------------------------------------------------------------
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolate(value: str, environ: dict[str, str] | None = None) -> str:
    """docker compose's `${NAME}` / `${NAME:-default}` with `environ` (default: nothing set, so defaults apply)."""
    environ = environ or {}
    return _INTERPOLATION.sub(lambda m: environ.get(m.group(1)) or m.group(2) or "", value)


def load_compose(name: str) -> dict:
    return yaml.safe_load((DOCKER / name).read_text())


def compose_environment(service: dict) -> dict[str, str]:
    """A service's environment as compose passes it: mapping or KEY=VALUE list, interpolated, values as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: interpolate("" if value is None else str(value)) for key, value in env.items()}


def nginx_upstreams(text: str) -> dict[str, list[str]]:
    """upstream name → its `server host:port` entries."""
    upstreams = {}
    for name, body in re.findall(r"upstream\s+(\w+)\s*\{([^}]*)\}", text):
        upstreams[name] = re.findall(r"^\s*server\s+(\S+?)[\s;]", body, re.MULTILINE)
    return upstreams


def nginx_servers(text: str) -> list[str]:
    """The bodies of the `server { ... }` blocks (one level of nested `location { }` blocks)."""
    return re.findall(r"\bserver\s*\{((?:[^{}]|\{[^{}]*\})*)\}", text)
