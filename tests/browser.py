"""Headless Chromium for the tests, from Debian's ``chromium`` and ``chromium-driver``
packages (installed here when missing and this runs as root: no browser is ever downloaded),
driven with Selenium's WebDriver through ``/usr/bin/chromedriver``.

Screenshots go to ``.screenshots/`` at the top of the checkout (or ``PUNCHCARD_SCREENSHOTS``)
to be looked at."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOTS = Path(
    os.environ.get("PUNCHCARD_SCREENSHOTS") or Path(__file__).resolve().parents[1] / ".screenshots"
)
PHONE, DESKTOP = (390, 844), (1280, 900)


def ensure_chromium() -> None:
    """Debian's Chromium and its driver, installed with apt-get when missing."""
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail("headless Chromium is needed: apt-get install chromium chromium-driver")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode != 0:  # package lists may be missing on a fresh machine
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"could not install chromium and chromium-driver: {done.stderr[-500:]}")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    ensure_chromium()
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: object, name: str, size: tuple[int, int]) -> Path:
    """The whole page at this window width, saved as ``<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width, height = size
    driver.set_window_size(width, height)  # type: ignore[attr-defined]
    full = driver.execute_script("return document.documentElement.scrollHeight")  # type: ignore[attr-defined]
    driver.set_window_size(width, max(height, int(full) + 120))  # type: ignore[attr-defined]
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path
