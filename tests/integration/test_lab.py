"""JupyterLab serves the project: the `oskil` kernel, the notebooks, and a kernel that imports `analysis`.

The server (`python -m jupyterlab`, what `make lab` runs) is a subprocess on 127.0.0.1 with a random
token. Its Jupyter paths point at a temporary folder into which the `oskil` kernelspec is installed with
`python -m ipykernel install --prefix`, so nothing on the developer's machine (~/.jupyter, ~/.local) is
read or changed. Only 127.0.0.1 is contacted; update checks and the news feed are turned off.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
KERNEL = "oskil"
DISPLAY_NAME = "Oskil (Python 3)"
START_TIMEOUT = 30  # seconds until /api/status answers
STOP_TIMEOUT = 20
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an http_proxy from the env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    token: str
    proc: subprocess.Popen
    env: dict[str, str]
    log: Path

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 10) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with DIRECT.open(req, timeout=timeout) as resp:  # http://127.0.0.1 only
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None

    def get(self, path: str) -> object:
        status, payload = self.request("GET", path)
        assert status == 200, (path, status)
        return payload

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def jupyter_env(base: dict[str, str], home: Path) -> dict[str, str]:
    """Environment whose Jupyter and IPython paths all live under home; the package from src/."""
    env = dict(base)
    for name in ("JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_TOKEN"):
        env.pop(name, None)
    env.update(
        JUPYTER_PATH=str(home / "share" / "jupyter"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(home / "ipython"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "lab" / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "lab" / "workspaces"),
        XDG_CACHE_HOME=str(home / "cache"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def wait_until_up(server: Server) -> dict:
    """Poll /api/status (bounded) until it answers; fail early if the server exits."""
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"jupyter exited with {server.proc.returncode} before answering:\n{server.output()}")
        try:
            status, payload = server.request("GET", "/api/status", timeout=2)
            if status == 200:
                return payload
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            last = err
        time.sleep(0.25)
    pytest.fail(f"/api/status did not answer within {START_TIMEOUT} s (last error: {last}):\n{server.output()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, subprocess_env: dict[str, str]) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("jupyter-home")
    env = jupyter_env(subprocess_env, home)
    done = subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(home), "--name", KERNEL,
         "--display-name", DISPLAY_NAME],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (home / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json").is_file()

    port, token = free_port(), secrets.token_hex(24)
    log = home / "server.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab",
                "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0", "--allow-root",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPO}",
                "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    srv = Server(url=f"http://127.0.0.1:{port}", token=token, proc=proc, env=env, log=log)
    try:
        wait_until_up(srv)
        yield srv
    finally:
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: the server shuts its kernels down and exits
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT)
                pytest.fail(f"jupyter did not exit within {STOP_TIMEOUT} s of SIGTERM:\n{srv.output()}")
        assert proc.poll() is not None, "jupyter server still running"
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # nothing listens on the port any more


def test_status_needs_the_token(server: Server):
    assert isinstance(server.get("/api/status"), dict)
    req = urllib.request.Request(server.url + "/api/contents/notebooks")
    with pytest.raises(urllib.error.HTTPError) as err:
        DIRECT.open(req, timeout=10)
    assert err.value.code in (401, 403)


def test_lab_page_is_served(server: Server):
    req = urllib.request.Request(server.url + "/lab", headers={"Authorization": f"token {server.token}"})
    with DIRECT.open(req, timeout=10) as resp:
        assert resp.status == 200
        assert b"jupyter-config-data" in resp.read()


def test_oskil_kernelspec_runs_a_python_that_imports_analysis(server: Server):
    specs = server.get("/api/kernelspecs")
    assert KERNEL in specs["kernelspecs"], f"kernels: {sorted(specs['kernelspecs'])}"
    spec = specs["kernelspecs"][KERNEL]["spec"]
    assert spec["display_name"] == DISPLAY_NAME
    assert spec["language"] == "python"
    argv = spec["argv"]
    assert "ipykernel_launcher" in argv and "{connection_file}" in argv, argv
    done = subprocess.run(
        [argv[0], "-c", "import analysis, sys; print(analysis.__file__)"],
        env=server.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv[0]} cannot import analysis:\n{done.stderr}"
    assert Path(done.stdout.strip()).resolve().is_relative_to(REPO / "src")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_opens_with_a_parameters_cell(server: Server, notebook: Path):
    model = server.get(f"/api/contents/notebooks/{notebook.name}")
    assert model["type"] == "notebook" and model["format"] == "json"
    cells = model["content"]["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code", f"{notebook.name}: one code cell tagged parameters"
    assert "data_dir" in "".join(tagged[0]["source"])
    wanted = model["content"]["metadata"].get("kernelspec", {}).get("name")
    assert wanted in server.get("/api/kernelspecs")["kernelspecs"], f"{notebook.name} asks for missing kernel {wanted}"


def test_notebooks_listed(server: Server):
    listing = server.get("/api/contents/notebooks")
    names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
    assert {nb.name for nb in NOTEBOOKS} <= names


async def _execute(server: Server, kernel_id: str, code: str, timeout: float) -> tuple[str, str]:
    """Run code on a kernel over the websocket: (execute_reply status, stdout)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    ws_url = server.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={session}"
    conn = await asyncio.wait_for(
        websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {server.token}"})), timeout
    )
    msg_id = uuid.uuid4().hex
    conn.write_message(
        json.dumps(
            {
                "header": {"msg_id": msg_id, "username": "test", "session": session,
                           "msg_type": "execute_request", "version": "5.3"},
                "parent_header": {},
                "metadata": {},
                "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True},
                "channel": "shell",
                "buffers": [],
            }
        )
    )  # fmt: skip
    stdout, status = [], None
    loop_end = asyncio.get_running_loop().time() + timeout
    try:
        while status is None:
            raw = await asyncio.wait_for(conn.read_message(), max(0.1, loop_end - asyncio.get_running_loop().time()))
            assert raw is not None, "kernel websocket closed"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream" and msg["content"]["name"] == "stdout":
                stdout.append(msg["content"]["text"])
            elif kind == "error":
                stdout.append("\n".join(msg["content"]["traceback"]))
            elif kind == "execute_reply":
                status = msg["content"]["status"]
    finally:
        conn.close()
    return status, "".join(stdout)


def test_notebook_session_on_oskil_kernel_finds_code_and_data(server: Server):
    """What Lab does on opening a notebook: a session on the oskil kernel, working dir = the notebook's folder."""
    notebook = "notebooks/shelling_patterns.ipynb"
    body = {"path": notebook, "name": "shelling_patterns.ipynb", "type": "notebook", "kernel": {"name": KERNEL}}
    status, session = server.request("POST", "/api/sessions", body, timeout=30)
    assert status == 201 and session["kernel"]["name"] == KERNEL
    code = (
        "import os, analysis\n"
        "from analysis.notebook import params\n"
        "print(analysis.__file__)\n"
        "print(os.getcwd())\n"
        "try:\n"
        "    print(params.processed_folder('data_dir', 'data/processed'))\n"
        "except Exception as err:\n"
        "    print('no data:', err)\n"
    )
    try:
        status, out = asyncio.run(_execute(server, session["kernel"]["id"], code, 60))
        assert status == "ok", out
        module_file, cwd, data = out.strip().splitlines()[-3:]
        assert Path(module_file).resolve().is_relative_to(REPO / "src"), module_file
        assert Path(cwd).resolve() == (REPO / "notebooks").resolve()
        if (REPO / "data" / "processed" / "manifest.json").is_file():  # the notebooks' relative default works
            assert Path(data).resolve() == (REPO / "data" / "processed").resolve(), data
        assert session["kernel"]["id"] in {k["id"] for k in server.get("/api/kernels")}
    finally:
        status, _ = server.request("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        assert status == 204
    assert session["kernel"]["id"] not in {k["id"] for k in server.get("/api/kernels")}


def test_lab_does_not_ask_about_jupyter_news(server: Server):
    """tools/oskil-kernel's overrides.json (installed by `make env` and environment.yml): the news pop-up's
    question is answered "never", and no update check."""
    status, body = server.request("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert status == 200
    props = body["schema"]["properties"]
    assert props["fetchNews"]["default"] == "false" and props["checkForUpdates"]["default"] is False
