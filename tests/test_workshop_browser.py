"""The instructor's dashboard in a real browser: headless Chromium against the live server on loopback."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from sim.workshop.client import WorkshopClient
from sim.workshop.live import LiveServer
from workshop_helpers import class_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail("chromium and chromedriver are needed in CI (scripts/setup-browser installs them)",
                    pytrace=False)
    pytest.skip("chromium and chromedriver are not installed (scripts/setup-browser)", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,900")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # so the test can see script errors
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


def test_an_instructor_runs_a_session_from_the_dashboard(browser, tmp_path):
    with LiveServer(tmp_path / "w.db") as srv:
        browser.get(srv.url + "/sessions/ANY")
        assert "instructor key" in browser.page_source.lower()
        browser.get(f"{srv.url}/?key={srv.key}")
        Select(browser.find_element(By.NAME, "scenario")).select_by_value("three_reps")
        browser.find_element(By.NAME, "title").send_keys("Tuesday group B")
        browser.find_element(By.CSS_SELECTOR, "#new-session button").click()
        WebDriverWait(browser, 20).until(lambda d: "/sessions/" in d.current_url)
        code = browser.find_element(By.ID, "join-code").text.strip()
        assert browser.title == f"{code} \u00b7 Tuesday group B"
        assert len(code) == 6 and browser.find_element(By.ID, "joined").text == "0"

        client = WorkshopClient(srv.url)
        assert client.session(code)["scenario"] == "three_reps"
        docs = class_results("three_reps", 1, 4)
        browser.execute_script("window.notReloaded = true; window.scrollTo(0, 200);")
        for name, text in docs:
            client.submit(code, client.join(code, name)["token"], json.loads(text))
        # the dashboard updates by itself, without reloading the page
        WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "finished").text == "4")
        assert browser.execute_script("return window.notReloaded === true")
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]
        assert errors == [], errors
        rows = browser.find_elements(By.CSS_SELECTOR, "#leaderboard tr")[1:]
        best = max(docs, key=lambda d: json.loads(d[1])["scores"]["overall"]["score"])[0]
        assert len(rows) == 4 and best in rows[0].text
        moments = browser.find_elements(By.CSS_SELECTOR, "section.moment")
        assert moments and "chose" in moments[0].text and "Customer 1" in moments[0].text

        browser.find_element(By.XPATH, "//button[text()='Compare']").click()
        WebDriverWait(browser, 20).until(lambda d: "/compare" in d.current_url)
        sides = browser.find_elements(By.CSS_SELECTOR, "section.side")
        assert len(sides) == 2 and "Customer" in sides[0].text and "frustration" in sides[0].text.lower()

        browser.get(f"{srv.url}/sessions/{code}/report")
        assert "Debrief: Tuesday group B" in browser.find_element(By.TAG_NAME, "h1").text
        assert browser.find_elements(By.CSS_SELECTOR, "#leaderboard tr")[1].text.startswith("1")
