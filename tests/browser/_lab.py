"""Drive JupyterLab in headless Chromium: the reusable part of every browser test.

As DESIGN.md ("Widgets") prescribes: the server is ``python -m jupyterlab --no-browser --ip
127.0.0.1 --port P --ServerApp.port_retries=0 --IdentityProvider.token='' --allow-root`` on a
free port, in a temporary folder holding copies of the notebooks; Debian's Chromium
(``/usr/bin/chromium``, never ``playwright install``) is driven by Python Playwright; the
"Jupyter news" toast is dismissed; "Run All" is followed by a wait for every code cell's
execution count; no output may read "Loading widget..." or "Error displaying widget"; the
server is stopped by its own PID. Every wait is bounded, so nothing hangs.

Example::

    with jupyterlab([NOTEBOOK], tmp_path) as lab, chromium() as page:
        open_notebook(page, lab, NOTEBOOK.name)
        run_all_cells(page)
        assert_widgets_rendered(page)
        screenshot(page.locator(".al-monitor").first, "viz/monitor")
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# A widget view is an output without a data-mime-type (MIME renderers such as the static
# text/html fallback set one).
WIDGET_OUTPUT = ".jp-OutputArea-output:not([data-mime-type])"

# JupyterLab user settings for the test server: no news fetching (offline anyway), and every
# cell kept in the DOM (the default windowing leaves off-screen cells unrendered).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@dataclass
class Lab:
    """A running JupyterLab server."""

    process: subprocess.Popen
    port: int
    root: Path
    log: Path
    console: list[str] = field(default_factory=list)  # browser console errors, for messages

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(root: Path, env: dict, log: Path, timeout: float) -> Lab:
    port = free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1",
               "--port", str(port), "--ServerApp.port_retries=0",
               "--IdentityProvider.token=", "--allow-root"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lab = Lab(process, port, root, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{lab.log_tail()}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            lab.api("/api/status")
            return lab
        time.sleep(0.5)
    _stop(lab)
    raise TimeoutError(f"JupyterLab did not answer within {timeout} s:\n{lab.log_tail()}")


def _stop(lab: Lab) -> None:
    """Shut our kernels down through the API, then end the server by its own PID."""
    if lab.process.poll() is None:
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            for kernel in lab.api("/api/kernels"):
                lab.api(f"/api/kernels/{kernel['id']}", method="DELETE")
        lab.process.terminate()
        try:
            lab.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.process.kill()
            lab.process.wait(timeout=10)


@contextlib.contextmanager
def jupyterlab(notebooks: list[Path], tmp_path: Path, timeout: float = 120) -> Iterator[Lab]:
    """A JupyterLab server on a free port serving copies of ``notebooks`` from a temporary
    folder, with its own config, settings and runtime folders (nothing from ``~``)."""
    root = tmp_path / "lab"
    root.mkdir()
    for notebook in notebooks:
        shutil.copy(notebook, root / notebook.name)
    private = {name: tmp_path / name for name in ("config", "data", "runtime", "settings",
                                                  "workspaces")}
    for folder in private.values():
        folder.mkdir()
    for name, values in LAB_SETTINGS.items():
        path = private["settings"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(private["config"]),
               JUPYTER_DATA_DIR=str(private["data"]),
               JUPYTER_RUNTIME_DIR=str(private["runtime"]),
               JUPYTERLAB_SETTINGS_DIR=str(private["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(private["workspaces"]),
               # the kernel imports this checkout, installed or not
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                         os.environ.get("PYTHONPATH")])),
               # one BLAS thread: threads spinning against the test workers slow BLAS ~100x
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("JUPYTER_TOKEN", None)
    lab = None
    for attempt in range(3):  # a free port may be taken before the server binds it
        try:
            lab = _start(root, env, tmp_path / "jupyterlab.log", timeout)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield lab
    finally:
        _stop(lab)


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000):
    """A Playwright page in Debian's headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=True, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def dismiss_news_toast(page, wait_ms: int = 3000) -> None:
    """Answer "No" to the "Jupyter news" notification if it shows up."""
    toast = page.locator(".Toastify__toast", has_text="news")
    with contextlib.suppress(Exception):
        toast.first.wait_for(state="visible", timeout=wait_ms)
    if toast.count():
        toast.first.get_by_role("button", name="No", exact=True).click()


def open_notebook(page, lab: Lab, name: str, timeout_ms: int = 90_000) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is connected and idle."""
    page.on("console", lambda m: m.type == "error" and lab.console.append(m.text))
    page.on("pageerror", lambda e: lab.console.append(f"page error: {e.stack or e}"))
    page.goto(f"{lab.url}/lab/tree/{name}", wait_until="domcontentloaded", timeout=timeout_ms)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=timeout_ms)
    dismiss_news_toast(page)
    page.wait_for_function(
        """() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
                   return s !== null && s.getAttribute('data-status') === 'idle'; }""",
        timeout=timeout_ms)


def run_all_cells(page, timeout_ms: int = 300_000) -> None:
    """Run > Run All Cells, then wait until every code cell shows an execution count."""
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"], '
                 '.lm-Menu-item[data-command="notebook:run-all-cells"]').first.click()
    page.wait_for_function(
        """() => { const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
                   return cells.length > 0 && cells.every(c => /^\\[\\d+\\]:$/.test(
                       (c.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim())); }""",
        timeout=timeout_ms)


def errors_in_outputs(page) -> list[str]:
    """Tracebacks shown in cell outputs."""
    outputs = page.locator(".jp-OutputArea-output", has_text="Traceback (most recent call last)")
    return [text[:2000] for text in outputs.all_inner_texts()]


def assert_widgets_rendered(page, timeout_ms: int = 60_000) -> None:
    """No traceback, and every widget output rendered: none left at "Loading widget..." and
    none showing "Error displaying widget"."""
    assert not errors_in_outputs(page), errors_in_outputs(page)
    with contextlib.suppress(Exception):  # give late widgets a bounded chance to render
        page.wait_for_function(
            "() => !document.body.innerText.includes('Loading widget...')", timeout=timeout_ms)
    text = page.locator(".jp-Notebook").first.inner_text()
    assert "Loading widget..." not in text
    assert "Error displaying widget" not in text


def widget(page, css: str):
    """The rendered widget view (not a static fallback) matching ``css``."""
    return page.locator(f"{WIDGET_OUTPUT} {css}").first


def screenshot(locator, name: str) -> Path:
    """Save ``test-artifacts/<name>.png`` of one element and return its path."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path), timeout=30_000)
    return path
