"""A rendered report, moved away from the repo, opens offline in headless Chromium and shows everything.

One report is rendered per module (`python -m analysis run`), only its HTML file is copied to another
temporary folder and the render folder is deleted, so nothing can be borrowed from next to it. Chromium
then (a) dumps the DOM, (b) takes a screenshot, (c) loads it under the DevTools protocol (over a pipe: no
port is opened) to record every request the page makes. Chromium logs to stderr are checked too, but
at --v=0 they do not name a failed image load (checked by hand with Chromium 156: a missing <img> leaves no
trace there), so the request log is what proves the report needs nothing outside the file;
test_request_log_catches_a_missing_image shows that log is not vacuous.

Needs /usr/bin/chromium (`make browser` installs it); skipped with a reason otherwise.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = [pytest.mark.slow, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "shelling_patterns.ipynb"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: Chromium cannot reach any network host
]
TIMEOUT = 60  # seconds, per Chromium call
WINDOW = (1280, 4000)
#: what Chromium's stderr (--v=0) shows of a page that tries to use something: a failed load, a failed fetch,
#: or any console message (a report runs no scripts, so it should log none)
LOAD_FAILED = re.compile(r"Failed to load resource|net::ERR_|Failed to fetch|:CONSOLE[:(]", re.IGNORECASE)
RESOURCE_ATTRS = ("src", "href", "srcset", "poster", "data", "action", "background", "xlink:href")

if CHROMIUM is None:
    pytest.skip("chromium not installed (run `make browser`, which `make test` does)", allow_module_level=True)


# --- helpers ------------------------------------------------------------------------------------------
def chromium(profile: Path, *args: str, timeout: int = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium once; its own profile so no user settings or caches are read."""
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def png_header(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG; fails unless it starts with the PNG signature and an IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, "PNG without IHDR"
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0], "IHDR CRC mismatch"
    return struct.unpack(">II", data[16:24])


class DevTools:
    """The Chrome DevTools protocol over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-framed JSON)."""

    def __init__(self, profile: Path, timeout: float = TIMEOUT) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._resp_r, resp_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends become fd 3 and 4 (inheritable)
            a, b = os.dup(cmd_r), os.dup(resp_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # the test starts no threads
            close_fds=False,
        )
        os.close(cmd_r)
        os.close(resp_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        self._deadline = time.monotonic() + timeout

    def _read(self) -> dict:
        while b"\0" not in self._buf:
            left = self._deadline - time.monotonic()
            ready = select.select([self._resp_r], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._resp_r, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self._buf += chunk
        message, _, self._buf = self._buf.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def of(self, method: str) -> list[dict]:
        return [e["params"] for e in self.events if e.get("method") == method]

    def close(self) -> int:
        try:
            self.send("Browser.close")
        except (EOFError, TimeoutError, BrokenPipeError, RuntimeError):
            pass
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=15)
        finally:
            os.close(self._cmd_w)
            os.close(self._resp_r)


def load_page(url: str, profile: Path) -> dict:
    """Open url, wait for the load event; return requests, failures, log/console errors and image states."""
    tools = DevTools(profile)
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Page", "Log", "Runtime"):
            tools.send(f"{domain}.enable", session=session)
        tools.send("Page.navigate", {"url": url}, session=session)
        tools.wait_for("Page.loadEventFired")
        images = tools.send(
            "Runtime.evaluate",
            {
                "expression": "JSON.stringify([...document.images].map("
                "i => ({src: i.src.slice(0, 40), complete: i.complete, width: i.naturalWidth})))",
                "returnByValue": True,
            },
            session=session,
        )["result"]["value"]
        return {
            "requests": [e["request"]["url"] for e in tools.of("Network.requestWillBeSent")],
            "failed": tools.of("Network.loadingFailed"),
            "log_errors": [e["entry"] for e in tools.of("Log.entryAdded") if e["entry"]["level"] == "error"],
            "exceptions": tools.of("Runtime.exceptionThrown"),
            "images": json.loads(images),
        }
    finally:
        tools.close()


def render_report(tmp: Path, python: str, env: dict[str, str], data_dir: Path, *extra: str) -> Path:
    """`python -m analysis run` the notebook, then keep only the HTML, in another folder."""
    reports = tmp / "reports"
    done = subprocess.run(
        [
            python,
            "-m",
            "analysis",
            "run",
            str(NOTEBOOK),
            "--reports",
            str(reports),
            "--data-dir",
            str(data_dir),
            "--jobs",
            "1",
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"run failed:\n{done.stdout}\n{done.stderr}"
    (html,) = sorted((reports / "shelling_patterns").glob("*.html"))
    moved = tmp / "moved" / "report.html"
    moved.parent.mkdir()
    shutil.copy2(html, moved)
    shutil.rmtree(reports)  # nothing next to the copy: it must stand on its own
    return moved


# --- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(processed: Path) -> Path:
    """The session's clean of the shipped data (never a developer's possibly stale data/processed)."""
    return processed


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory, python: str, subprocess_env: dict[str, str], data_dir: Path
) -> Path:
    return render_report(tmp_path_factory.mktemp("with-code"), python, subprocess_env, data_dir)


@pytest.fixture(scope="module")
def report_no_code(
    tmp_path_factory: pytest.TempPathFactory, python: str, subprocess_env: dict[str, str], data_dir: Path
) -> Path:
    return render_report(tmp_path_factory.mktemp("no-code"), python, subprocess_env, data_dir, "--no-code")


@pytest.fixture(scope="module")
def dumped(report: Path, tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """--dump-dom of the moved report, with Chromium's logging on stderr."""
    profile = tmp_path_factory.mktemp("profile-dom")
    done = chromium(profile, "--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri())
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def data_images(soup: BeautifulSoup) -> list[str]:
    return [str(img.get("src", "")) for img in soup.find_all("img")]


# --- (a) the DOM as Chromium rendered it ----------------------------------------------------------------
def test_dom_shows_provenance_citation_parameters_and_figures(report: Path, dumped: subprocess.CompletedProcess):
    dom = BeautifulSoup(dumped.stdout, "html.parser")
    block = dom.find(id="oskil-provenance-block")
    assert block is not None, "provenance block missing from the rendered DOM"

    cite = block.find(class_="oskil-cite")
    assert cite is not None and cite.get_text(" ", strip=True).startswith("Cite as:")
    assert len(cite.get_text(strip=True)) > len("Cite as:") + 20, f"empty citation: {cite.get_text()!r}"

    script = dom.find("script", id="oskil-provenance", type="application/json")
    assert script is not None and script.string, "embedded provenance JSON missing"
    prov = json.loads(script.string)
    assert prov["notebook"] == NOTEBOOK.name
    assert prov["cite_as"] in cite.get_text(" ", strip=True)

    tables = {t.caption.get_text(strip=True): t for t in block.find_all("table") if t.caption}
    assert {"Parameters", "Run", "Data files (SHA-256)"} <= set(tables)
    shown = {th.get_text(strip=True) for th in tables["Parameters"].find_all("th")}
    assert set(prov["parameters"]) <= shown, f"parameters not in the table: {set(prov['parameters']) - shown}"
    assert {"start_date", "end_date", "oblast"} <= shown

    source_imgs = data_images(soup_of(report))
    dom_imgs = data_images(dom)
    assert len(source_imgs) >= 3, "expected the notebook's figures"
    assert dom_imgs == source_imgs, "the rendered DOM lost or changed images"
    assert all(src.startswith("data:image/") for src in dom_imgs)


# --- (b) a screenshot that is really a page ----------------------------------------------------------------
def test_screenshot_is_a_full_size_nonblank_png(report: Path, tmp_path: Path):
    shot = tmp_path / "shot.png"
    done = chromium(
        tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", report.as_uri()
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert shot.is_file() and shot.stat().st_size > 10_000, "no screenshot written"
    assert png_header(shot.read_bytes()) == WINDOW

    from matplotlib.image import imread

    pixels = imread(shot)  # floats 0..1, shape (height, width, channels)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    rgb = pixels[..., :3]
    assert rgb.std() > 0.05, f"screenshot looks blank (pixel std {rgb.std():.4f})"
    not_white = (rgb < 0.9).any(axis=-1).mean()
    assert not_white > 0.02, f"only {not_white:.1%} of the screenshot is not white"
    # the top of the page (the provenance block) is drawn, not just the figures further down
    assert rgb[:600].std() > 0.02


# --- (c) nothing is fetched, nothing fails ----------------------------------------------------------------
def test_chromium_stderr_names_no_failed_load(dumped: subprocess.CompletedProcess):
    bad = [line for line in dumped.stderr.splitlines() if LOAD_FAILED.search(line)]
    assert not bad, "\n".join(bad)


def test_stderr_check_catches_a_page_that_reaches_out(tmp_path: Path):
    """Control for the test above, so it is not vacuous: a page that tries to fetch a file leaves a line
    LOAD_FAILED matches. (A missing <img> or <script> leaves none at --v=0: that is the request log's job,
    test_request_log_catches_a_missing_image.)"""
    page = tmp_path / "page.html"
    page.write_text('<html><body><p>x</p><script>fetch("missing.json")</script></body></html>', encoding="utf-8")
    done = chromium(tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines() if LOAD_FAILED.search(line)], done.stderr[-3000:]


def test_html_references_nothing_outside_the_file(report: Path):
    text = report.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    external = [
        f"<{tag.name} {attr}={value[:80]}>"
        for tag in soup.find_all(True)
        for attr in RESOURCE_ATTRS
        if (value := str(tag.get(attr) or "").strip())
        and (re.match(r"(?i)(https?:)?//", value) or (tag.name != "a" and not value.startswith(("data:", "#"))))
    ]
    assert not external, external
    assert not soup.find_all("script", src=True)
    assert not soup.find_all("link", rel="stylesheet")
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text) + re.findall(r"@import\s+['\"]([^'\"]+)", text)
    assert all(url.startswith("data:") for url in css_urls), [u[:80] for u in css_urls if not u.startswith("data:")]
    scripts = [s for s in soup.find_all("script") if s.get("type") != "application/json"]
    assert not scripts, "the report should carry no executable script"


def test_page_loads_offline_with_every_image_decoded(report: Path, tmp_path: Path):
    page = load_page(report.as_uri(), tmp_path / "profile")
    assert page["requests"][0] == report.as_uri()
    others = [url[:80] for url in page["requests"][1:] if not url.startswith("data:")]
    assert not others, f"the report fetched: {others}"
    assert not page["failed"], page["failed"]
    assert not page["log_errors"], page["log_errors"]
    assert not page["exceptions"], page["exceptions"]
    assert len(page["images"]) == len(data_images(soup_of(report)))
    broken = [img for img in page["images"] if not (img["complete"] and img["width"] > 0)]
    assert not broken, f"images that did not decode: {broken}"


def test_request_log_catches_a_missing_image(tmp_path: Path):
    """Control for the test above: a page with one missing local image is caught."""
    page_file = tmp_path / "page.html"
    page_file.write_text('<html><body><p>x</p><img src="missing.png" alt="gone"></body></html>', encoding="utf-8")
    page = load_page(page_file.as_uri(), tmp_path / "profile")
    assert any(url.endswith("/missing.png") for url in page["requests"])
    assert [f["errorText"] for f in page["failed"]] == ["net::ERR_FILE_NOT_FOUND"]
    assert page["images"][0]["width"] == 0


# --- (d) --no-code ---------------------------------------------------------------------------------------
def test_no_code_report_hides_code_but_keeps_figures(report: Path, report_no_code: Path):
    with_code, without = soup_of(report), soup_of(report_no_code)
    code_inputs = ".jp-CodeCell .jp-InputArea, .jp-CodeCell .jp-InputPrompt, .jp-CodeCell .jp-InputArea-editor"
    assert with_code.select(code_inputs), "the ordinary report should show code (sanity check)"
    assert not without.select(code_inputs)
    assert without.select(".jp-MarkdownCell"), "the prose stays in a --no-code report"
    assert "from analysis.notebook import" not in without.get_text(), "notebook code leaked into the --no-code report"
    assert "from analysis.notebook import" in with_code.get_text()
    figures = data_images(without)
    assert len(figures) == len(data_images(with_code)) >= 3
    assert all(src.startswith("data:image/png") for src in figures)
    assert without.find(id="oskil-provenance-block") is not None
    assert without.find("script", id="oskil-provenance") is not None
