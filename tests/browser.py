"""Headless Chromium for the tests: a screenshot of a page, and the natural width of each of its images
once loaded (0 when one did not load). Skips the test when Chromium is not installed."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
PROBE = ("<script>window.addEventListener('load', () => document.body.setAttribute('data-images', "
         "[...document.images].map(i => 'naturalWidth=' + i.naturalWidth).join(',')));</script>")


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return path


def _run(args: list[str]) -> str:
    with tempfile.TemporaryDirectory(prefix="nndebug-chromium-") as profile:
        proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    return proc.stdout


def screenshot(page: Path, out: Path, width: int = 1100, height: int = 1400) -> Path:
    """A PNG of ``page`` as a browser shows it."""
    _run([f"--screenshot={out}", f"--window-size={width},{height}", page.resolve().as_uri()])
    return out


def image_widths(page: Path) -> list[int]:
    """The natural width of every image of ``page`` after it loaded in Chromium (0: did not load)."""
    with tempfile.TemporaryDirectory(prefix="nndebug-dom-") as tmp:
        probe = Path(tmp) / page.name
        text = page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
        probe.write_text(text, encoding="utf-8")
        dom = _run(["--virtual-time-budget=5000", "--dump-dom", probe.as_uri()])
    found = re.search(r'data-images="([^"]*)"', dom)
    if found is None:
        raise AssertionError(f"the page did not load in Chromium: {dom[:500]}")
    return [int(item.split("=")[1]) for item in found.group(1).split(",") if item]
