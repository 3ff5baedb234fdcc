"""A real browser runs notebook 01 in JupyterLab, as a learner would.

JupyterLab is started headless on a free loopback port with a token, serving a temporary copy of
notebook 01 (so the course's own files are never modified); Debian's Chromium, driven by
Playwright (no browser download), opens it, runs all cells, waits for the kernel to go idle, and
checks that no cell shows an error, that figures rendered and that moving the notebook's
ipywidgets slider changes its output.  Screenshots go to ``artifacts/browser/``.

Needs ``/usr/bin/chromium`` (Debian: ``apt-get install chromium``; ``.ci/run`` installs it) —
skipped with that message otherwise.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_tracking_as_sequence_prediction.ipynb"
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: install it (Debian: apt-get install chromium) "
                                                "to run the browser test"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server over a copy of notebook 01; yields its base URL and token."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (see requirements.txt)")
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    port, token = free_port(), "course-browser-test"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(tmp_path / ".rt")}
    log = open(tmp_path / "jupyter.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyter.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()          # stop the server we started, by its own process id
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_notebook_01_runs_in_a_real_browser(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                                   timeout=90_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            # wait until every code cell has run: no "[*]" prompt left and the kernel idle again
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                    const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                    return done && k.status === 'idle';
                }""", timeout=180_000, polling=500)
            page.screenshot(path=str(ARTIFACTS / "01_after_run_all.png"), full_page=False)

            errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]').count()
            assert errors == 0, "a cell shows an error in the browser"
            images = page.locator(".jp-RenderedImage img").count()
            assert images >= 5, f"expected the notebook's figures to render, found {images} images"

            # the interactive explorer: move the 'index' slider and see the plot change
            widget = page.locator(".jp-OutputArea-output .widget-interact").first
            widget.scroll_into_view_if_needed()
            plot = widget.locator(".widget-output img").first
            plot.wait_for(timeout=30_000)
            before = plot.get_attribute("src")
            handle = widget.locator(".widget-slider .noUi-handle, .widget-hslider .noUi-handle").first
            handle.focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                """([before]) => {
                    const img = document.querySelector('.widget-interact .widget-output img');
                    return img && img.getAttribute('src') !== before;
                }""", arg=[before], timeout=30_000)
            widget.screenshot(path=str(ARTIFACTS / "01_widget_after_slider.png"))
        finally:
            browser.close()
