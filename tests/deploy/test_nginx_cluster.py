"""docker/nginx.cluster.conf in front of two real `weavebind serve` nodes over one PostgreSQL: HTTP requests and gRPC
calls (over one client connection) reach both nodes, and `kill -9` of one node costs no request. Needs an `nginx`
binary (Debian's nginx-light); skipped without one."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.deploy.manifests import DOCKER
from tests.live_server import free_port, wait_until_ready

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")  # /usr/sbin: not on a user's PATH
# CI installs nginx (.ci/run), so there a missing binary fails the test instead of skipping it.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(NGINX is None and os.environ.get("CI") != "true",
                                                   reason="no nginx binary here")]
NODES = ("node1", "node2")



def nginx_version() -> tuple[int, ...]:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr
    return tuple(int(part) for part in re.search(r"nginx/([\d.]+)", out).group(1).split("."))


def local_config(nodes: dict, http: int, grpc: int) -> str:
    """The compose file's config with the nodes on loopback ports instead of their service names."""
    text = (DOCKER / "nginx.cluster.conf").read_text()
    for name, node in nodes.items():
        text = text.replace(f"{name}:8080", f"127.0.0.1:{node['http']}")
        text = text.replace(f"{name}:50051", f"127.0.0.1:{node['grpc']}")
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{http};")
    if nginx_version() >= (1, 25, 1):
        return text.replace("listen 50051;", f"listen 127.0.0.1:{grpc};")
    # Older nginx (Debian 12 ships 1.22) spells the same h2c listener without `http2 on;`.
    return text.replace("listen 50051;", f"listen 127.0.0.1:{grpc} http2;").replace("http2 on;", "")


def start_node(node: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "weavebind", "serve", "--host", "127.0.0.1", "--port",
                             str(node["http"])], env=node["env"], stdout=subprocess.DEVNULL,
                            stderr=open(node["log"], "w"))
    try:
        wait_until_ready(proc, f"http://127.0.0.1:{node['http']}", lambda: Path(node["log"]).read_text()[-2000:])
    except RuntimeError:
        proc.kill()
        raise
    return proc


@pytest.fixture(scope="module")
def cluster(postgres, tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    url = postgres.new_database()
    nodes = {}
    for name in NODES:
        node = {"http": free_port(), "grpc": free_port(), "metrics": free_port(), "log": root / f"{name}.log"}
        node["env"] = {**os.environ, "WEAVEBIND_DATABASE_URL": url, "PERSISTENCE_DATA_PATH": str(root / name),
                       "GRPC_PORT": str(node["grpc"]), "CLUSTER_HOSTNAME": name, "LOG_LEVEL": "warning",
                       "PROMETHEUS_MONITORING_ENABLED": "true", "PROMETHEUS_MONITORING_PORT": str(node["metrics"])}
        nodes[name] = node
    processes = []
    try:
        processes.append(start_node(nodes["node1"]))
        # The class exists before node2 starts, so this test does not depend on schema changes between running nodes.
        schema = {"class": "Doc", "vectorizer": "none", "properties": [{"name": "n", "dataType": ["int"]}]}
        httpx.post(f"http://127.0.0.1:{nodes['node1']['http']}/v1/schema", json=schema).raise_for_status()
        processes.append(start_node(nodes["node2"]))
        for name, proc in zip(NODES, processes, strict=True):
            nodes[name]["process"] = proc
        http, grpc = free_port(), free_port()
        (root / "logs").mkdir()
        (root / "nginx.conf").write_text(local_config(nodes, http, grpc))
        # A session of its own, so that its worker processes can be stopped with it (stop()).
        nginx = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e",
                                  str(root / "error.log"), "-g", f"daemon off; pid {root}/nginx.pid;"],
                                 start_new_session=True)
        processes.append(nginx)
        wait_until_ready(nginx, f"http://127.0.0.1:{http}", lambda: (root / "error.log").read_text())
        yield {"nodes": nodes, "http": http, "grpc": grpc, "error_log": root / "error.log"}
    finally:
        for proc in reversed(processes):
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Kill a node, or nginx and its workers: killing only nginx's master leaves its workers running, orphaned,
    listening on the test's ports (a later server that wanted one of them could not start)."""
    if proc.args[0] == NGINX:
        proc.terminate()  # the master stops its workers, then exits
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its session
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def collection(cluster):
    import weaviate

    client = weaviate.connect_to_custom(http_host="127.0.0.1", http_port=cluster["http"], http_secure=False,
                                        grpc_host="127.0.0.1", grpc_port=cluster["grpc"], grpc_secure=False)
    yield client.collections.get("Doc")
    client.close()


def grpc_calls(node: dict) -> float:
    text = httpx.get(f"http://127.0.0.1:{node['metrics']}/metrics").text
    pattern = r"^weaviate_grpc_server_request_duration_seconds_count\{[^}]*\} (\S+)$"
    return sum(float(value) for value in re.findall(pattern, text, re.MULTILINE))


def fetch(collection, uid: str):
    from weaviate.classes.query import Filter

    return collection.query.fetch_objects(filters=Filter.by_id().equal(uid), limit=1).objects


def test_http_requests_reach_every_node(cluster):
    names = [httpx.get(f"http://127.0.0.1:{cluster['http']}/v1/nodes").json()["nodes"][0]["name"]
             for _ in range(10)]
    assert set(names) == set(NODES)


def nginx_errors(cluster) -> str:
    return "nginx error.log:\n" + cluster["error_log"].read_text()[-3000:]


def wait_for_grpc_on_every_node(cluster, collection, seconds: float = 15.0) -> None:
    """Calls until each node has answered one. One CI run sent all 20 calls of the test to node1 (not reproduced in
    45 runs here since). The likeliest cause is one failed first contact with node2: nginx then skips it for its
    fail_timeout (10 s, max_fails=1), which is the config working, not a balancing fault. If it is not, this
    fails after 15 s with nginx's error log."""
    before = {name: grpc_calls(node) for name, node in cluster["nodes"].items()}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fetch(collection, str(uuid.uuid4()))
        if all(grpc_calls(node) > before[name] for name, node in cluster["nodes"].items()):
            return
        time.sleep(0.2)
    raise AssertionError(f"a node answered no gRPC call for {seconds} s\n{nginx_errors(cluster)}")


def test_grpc_calls_of_one_connection_reach_every_node(cluster, collection):
    from weaviate.classes.data import DataObject

    wait_for_grpc_on_every_node(cluster, collection)
    before = {name: grpc_calls(node) for name, node in cluster["nodes"].items()}
    ids = [str(uuid.uuid4()) for _ in range(100)]
    for start in range(0, 100, 10):
        result = collection.data.insert_many([DataObject(properties={"n": i}, uuid=ids[i], vector=[float(i), 1.0])
                                              for i in range(start, start + 10)])
        assert not result.has_errors, result.errors
    for i in range(0, 100, 10):
        (found,) = fetch(collection, ids[i])
        assert found.properties["n"] == i
    calls = {name: grpc_calls(node) - before[name] for name, node in cluster["nodes"].items()}
    assert all(count >= 3 for count in calls.values()), f"{calls}\n{nginx_errors(cluster)}"
    base = f"http://127.0.0.1:{cluster['http']}"
    assert [httpx.get(f"{base}/v1/objects/Doc/{uid}").status_code for uid in ids] == [200] * len(ids)


def test_kill_9_of_one_node_costs_no_request(cluster, collection):
    from weaviate.classes.data import DataObject

    uid = str(uuid.uuid4())
    assert not collection.data.insert_many([DataObject(properties={"n": -1}, uuid=uid, vector=[0.5, 1.0])]).has_errors
    node = cluster["nodes"]["node2"]
    node["process"].send_signal(signal.SIGKILL)
    node["process"].wait()
    base = f"http://127.0.0.1:{cluster['http']}"
    assert [httpx.get(f"{base}/v1/objects/Doc/{uid}").status_code for _ in range(20)] == [200] * 20
    assert all(fetch(collection, uid) for _ in range(20))
    more = collection.data.insert_many([DataObject(properties={"n": 1000 + i}, vector=[1.0, 2.0]) for i in range(10)])
    assert not more.has_errors, more.errors
