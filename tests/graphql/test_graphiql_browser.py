"""GraphiQL in a real browser: headless Chromium (Debian's `chromium`) opens GET /v1/graphql from a live server,
clicks GraphiQL's run button, and the rendered response must show the object. The page loads nothing from the
network but this server (the assets come from an installed package).

Skipped only outside CI when Chromium is not installed; with CI=true a missing browser fails the test."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest
import uvicorn
from websockets.sync.client import connect

from weavebind.server.app import create_app
from weavebind.server.settings import load_settings

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--remote-debugging-port=0"]
QUERY = '{ Get { Planet(limit: 1) { name } } }'


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install chromium); CI must run the browser test")
        pytest.skip("chromium is not installed; apt-get install chromium to run the GraphiQL browser test")
    return found


@pytest.fixture
def live_server(tmp_path):
    """The real app (lifespan included) under uvicorn on a free port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(load_settings({"PERSISTENCE_DATA_PATH": str(tmp_path / "data"), "GRPC_PORT": "0"}))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _devtools_page(browser: subprocess.Popen, deadline: float) -> str:
    """The page's DevTools websocket URL, read from the port Chromium announces on stderr."""
    port = None
    while port is None:
        assert time.monotonic() < deadline, "chromium did not start its DevTools server"
        line = browser.stderr.readline()
        if "DevTools listening on ws://" in line:
            port = urllib.parse.urlparse(line.split("listening on ")[1].strip()).port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        pages = [t for t in json.load(response) if t["type"] == "page"]
    return pages[0]["webSocketDebuggerUrl"]


class Page:
    """Just enough of the Chrome DevTools protocol: evaluate JavaScript in the page."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    def evaluate(self, expression: str):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": "Runtime.evaluate",
                                 "params": {"expression": expression, "returnByValue": True}}))
        while True:
            message = json.loads(self.ws.recv(timeout=10))
            if message.get("id") == self.next_id:
                return message["result"]["result"].get("value")

    def wait_for(self, expression: str, deadline: float):
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {expression}")


def test_graphiql_runs_a_query_offline(live_server, tmp_path):
    chromium = _chromium()
    _post(f"{live_server}/v1/schema", {"class": "Planet", "vectorizer": "none",
                                       "properties": [{"name": "name", "dataType": ["text"]}]})
    _post(f"{live_server}/v1/objects", {"class": "Planet", "properties": {"name": "Arrakis"}})
    url = f"{live_server}/v1/graphql?" + urllib.parse.urlencode({"query": QUERY})
    browser = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", url],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    try:
        with connect(_devtools_page(browser, deadline), max_size=None) as ws:
            page = Page(ws)
            page.wait_for("!!document.querySelector('.graphiql-execute-button')", deadline)
            page.evaluate("document.querySelector('.graphiql-execute-button').click()")
            shown = page.wait_for("(() => { const r = document.querySelector('.graphiql-response'); "
                                  "return r && r.innerText.includes('Arrakis') ? r.innerText : ''; })()", deadline)
            assert '"name": "Arrakis"' in shown
            offsite = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                                    f".filter(n => !n.startsWith('{live_server}')).length")
            assert offsite == 0
    finally:
        browser.terminate()
        browser.wait(timeout=30)
        browser.stderr.close()
