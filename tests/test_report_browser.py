"""The HTML report in a real browser: Debian's headless Chromium driven by Selenium.

Needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (Debian's ``chromium`` and
``chromium-driver``; ``.ci/run`` installs them) and the ``selenium`` dev dependency; the
tests are skipped, with the reason, when any is missing. Nothing is downloaded: Selenium
is given both binaries, so its driver manager never runs. The page is opened from a
``file://`` URL with networking features off; its Content-Security-Policy forbids any
request, so a report that tried to load something would log a console error and fail.
The screenshot is kept in ``test-artifacts/report.png`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.export import ExportOptions, export_plan
from export_sample import N1_DATES, N2_DATES, sample_instance, sample_plan

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="headless Chromium is not installed (/usr/bin/chromium is absent); "
        "install Debian's chromium and chromium-driver, as .ci/run does",
    ),
    pytest.mark.skipif(
        not CHROMEDRIVER.exists(),
        reason="/usr/bin/chromedriver is absent; install Debian's chromium-driver",
    ),
]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1300,1000",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    """A headless Chromium with a fresh profile, its console log captured."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver, path: Path) -> list[dict]:
    """Load ``path``; return the console entries logged as errors (level SEVERE)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what an earlier page logged
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def text_of(driver, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector).text.strip()


def test_console_error_detection_works(browser, tmp_path):
    # the control: a page that throws and one that tries to load a script must be caught
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom')</script></body></html>",
        encoding="utf-8",
    )
    errors = open_page(browser, page)
    assert any("boom" in e["message"] for e in errors), errors


def test_report_renders_without_errors_and_shows_the_counts(browser, tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "out"
    options = ExportOptions(formats=("html",), now=dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
    export_plan(sample_instance(), sample_plan(), out, options)
    errors = open_page(browser, out / "report.html")
    assert errors == []
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    plan = sample_plan()
    expected = {
        "networks": len(plan.networks),
        "learners": 5,
        "clusters": 1,
        "clustered_schools": 4,
        "tn_networks": 1,
        "tn_participants": 3,
        "sessions": len(plan.sessions),
        "los_sessions": len(N1_DATES) + len(N2_DATES),
        "visits": 1,
        "unplaced": 1,
        "learners_unplaced": 1,  # L6, left out for its curriculum (L3)
        "bv_meetings": 2,
        "tn_meetings": 2,  # the kick-off and one meeting
        "development": 2,  # one development meeting and one review
    }
    shown = {
        e.get_attribute("data-count")
        for e in browser.find_elements(By.CSS_SELECTOR, "[data-count]")
    }
    assert shown == set(expected)  # every count the report shows is checked here
    for key, value in expected.items():
        assert text_of(browser, f'[data-count="{key}"]') == str(value), key
    assert text_of(browser, "#summary-status") == "feasible"
    assert text_of(browser, "#summary-gap") == "7.69%"
    assert text_of(browser, '#rules tr[data-rule="P1"] .status') == "ok"
    # escaped markup shows as text, it is not rendered
    assert "<b>Bram</b> & Co" in text_of(browser, "#networks-table")
    assert browser.find_elements(By.CSS_SELECTOR, "#clusters img") == []
    # L6: s1 and SO1 are over capacity and highlighted
    assert len(browser.find_elements(By.CSS_SELECTOR, "#hours tr.over")) == 2
    # the map draws the 4 clustered schools and the 2 network locations
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map circle.school")) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map rect.network")) == 2
    # the calendar colours the plan's session days
    busy = browser.find_elements(By.CSS_SELECTOR, '#calendar-heat rect[data-n]:not([data-n="0"])')
    assert len(busy) == len({s.date for s in plan.sessions} | {v.date for v in plan.visits})
    # the script runs: sorting the networks by learners puts N2 (2 learners) first
    header = browser.find_elements(By.CSS_SELECTOR, "#networks-table thead th")
    learners = next(h for h in header if h.text.strip() == "learners")
    learners.click()
    first = browser.find_element(By.CSS_SELECTOR, "#networks-table tbody tr td").text
    assert first == "N2"
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1300, min(int(height) + 100, 12000))
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    assert open_page(browser, out / "report.html") == []  # still clean after resizing
