"""What a parser can check of docker/Dockerfile.inference (no Docker engine here): the torch pin, the settings it
sets, the command it runs, and the container recipes it promises (`./download.py`, `/app/models/{clip,text}`)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from tests.dockerfile import parse_dockerfile
from weavebind import cli
from weavebind.server.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "docker" / "Dockerfile.inference"
LIBRARY_VARIABLES = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK",
                     "HF_HOME", "TORCH_HOME", "MODULE"}


def instructions() -> list[tuple[str, str]]:
    return parse_dockerfile(DOCKERFILE)


def args_of(name: str) -> list[str]:
    return [rest for keyword, rest in instructions() if keyword == name]


def test_torch_is_installed_at_the_pyproject_pin():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    pins = {req for extra in ("clip", "bind") for req in extras[extra] if req.startswith("torch")}
    assert pins == {"torch==2.13.0"}
    installs = " ".join(args_of("RUN"))
    assert installs.count("pip install torch==2.13.0") == 2 and "download.pytorch.org/whl/cpu" in installs
    assert re.search(r'pip install "/tmp/src\[\$\{EXTRA\}\]"', installs)


def test_environment_variables_are_settings_or_library_variables():
    names = {s.name for s in SETTINGS}
    env = " ".join(args_of("ENV"))
    for name in re.findall(r"\b([A-Z_][A-Z0-9_]*)=", env):
        assert name in names | LIBRARY_VARIABLES, name
    assert "WEAVEBIND_MODELS_PATH=/app/models" in env and "ENABLE_CUDA=${CUDA}" in env
    assert args_of("WORKDIR") == ["/app"]


def test_the_command_is_weavebind_inference_on_8080():
    (command,) = args_of("CMD")
    shell = shlex.split(command.strip("[]").split(",", 2)[2].strip().strip('"').replace('\\"', '"'))
    assert shell[:2] == ["exec", "weavebind"]
    args = cli.parse_args([a.replace("$MODULE", "multi2vec-bind") for a in shell[2:]])
    assert (args.action, args.module, args.host, args.port) == ("serve", "multi2vec-bind", "0.0.0.0", 8080)
    assert args_of("EXPOSE") == ["8080"]
    assert "/.well-known/ready" in " ".join(args_of("HEALTHCHECK"))


def test_the_containers_download_recipe_exists():
    runs = " ".join(args_of("RUN"))
    assert "> /app/download.py" in runs and "weavebind inference download --module" in runs
    assert any("./download.py" in run for run in args_of("RUN"))
    assert {"MODULE=multi2vec-clip", "CUDA=0", "CLIP_MODEL_NAME=sentence-transformers/clip-ViT-B-32",
            "DOWNLOAD=1"} <= set(args_of("ARG"))
