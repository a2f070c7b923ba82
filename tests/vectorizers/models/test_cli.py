"""`weavebind inference` as a real process: the command line serves the model named by the settings, and its
vectors equal the in-process ones."""

from __future__ import annotations

import base64
import io
import os
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from tests.vectorizers.models.conftest import options
from weavebind import cli
from weavebind.vectorizers.models.local import LocalInference


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_line_parses():
    args = cli.parse_args(["inference", "--module", "multi2vec-bind", "--port", "9090"])
    assert (args.action, args.module, args.port, args.host) == ("serve", "multi2vec-bind", 9090, "0.0.0.0")
    assert cli.parse_args(["inference", "download", "--module", "multi2vec-clip"]).action == "download"
    with pytest.raises(SystemExit):
        cli.parse_args(["inference", "--module", "text2vec-openai"])


@pytest.fixture(scope="module")
def bind_process(tiny_models, tmp_path_factory):
    port = free_port()
    env = {**os.environ, "WEAVEBIND_BIND_CHECKPOINT": str(tiny_models.imagebind), "LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "weavebind", "inference", "--module", "multi2vec-bind",
                                "--host", "127.0.0.1", "--port", str(port)], env=env,
                               cwd=tmp_path_factory.mktemp("inference-cwd"), stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/.well-known/ready", timeout=1).status_code == 204:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            pytest.fail(f"weavebind inference exited: {process.stderr.read()}")
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("weavebind inference did not become ready")
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_the_process_serves_the_configured_checkpoint(bind_process):
    assert httpx.get(f"{bind_process}/meta").json() == {"model": "ImageBindModel", "version": 1}
    assert httpx.head(f"{bind_process}/.well-known/live").status_code == 204
    assert httpx.post(f"{bind_process}/vectorize", content=b"nope").status_code == 422


def test_the_process_gives_the_in_process_vectors(bind_process, tiny_models):
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 60)).save(png, format="PNG")
    imu = "gyro_x,gyro_y,gyro_z,accl_x,accl_y,accl_z\n" + "\n".join(
        ",".join(str((r * 6 + c) % 17 / 10) for c in range(6)) for r in range(100))
    body = {"texts": ["A dog.", "A car"], "images": [base64.b64encode(png.getvalue()).decode()],
            "imu": [base64.b64encode(imu.encode()).decode()]}
    local = LocalInference("multi2vec-bind", options(tiny_models))
    expected = local.vectorize(body)
    local.close()
    answer = httpx.post(f"{bind_process}/vectorize", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    for key, vectors in expected.items():
        np.testing.assert_array_equal(np.float32(answer.json()[key]), np.float32(vectors), err_msg=key)
