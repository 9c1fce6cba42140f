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


def _new_session(browser, srv) -> str:
    """Log in and create a three_reps session with the dashboard's form; its join code."""
    browser.get(f"{srv.url}/?key={srv.key}")
    Select(browser.find_element(By.NAME, "scenario")).select_by_value("three_reps")
    browser.find_element(By.CSS_SELECTOR, "#new-session button").click()
    WebDriverWait(browser, 20).until(lambda d: "/sessions/" in d.current_url)
    return str(browser.find_element(By.ID, "join-code").text.strip())


HOSTILE = ("'+(document.title='PWNED')+'", "Siobhan O'Brien", "<img src=x onerror=\"window.pwned=3\">",
           "</script><script>window.pwned=1</script>", "\"); window.pwned=2; //")


def _inline_handlers(browser) -> list[str]:
    return browser.execute_script(
        "var out = []; document.querySelectorAll('*').forEach(function (el) {"
        "  for (var i = 0; i < el.attributes.length; i++) {"
        "    if (el.attributes[i].name.indexOf('on') === 0) { out.push(el.tagName + ' ' + el.attributes[i].name); } } });"
        "document.querySelectorAll('script').forEach(function (s) { if (!s.src) { out.push('inline script'); } });"
        "return out;")


def test_hostile_and_apostrophe_names_run_nothing_and_remove_asks_and_can_be_undone(browser, tmp_path):
    import urllib.request

    from selenium.webdriver.support import expected_conditions as ec

    with LiveServer(tmp_path / "w.db") as srv:
        client = WorkshopClient(srv.url)
        code = _new_session(browser, srv)
        docs = class_results("three_reps", 1, len(HOSTILE))
        for name, (_, text) in zip(HOSTILE, docs):
            client.submit(code, client.join(code, name)["token"], json.loads(text))
        browser.get(f"{srv.url}/sessions/{code}")
        title = browser.title
        board = browser.find_element(By.ID, "leaderboard").text
        for name in HOSTILE:
            assert name in board  # shown as text, exactly as typed
        assert _inline_handlers(browser) == []
        assert browser.execute_script("return window.pwned === undefined")

        with urllib.request.urlopen(f"{srv.url}/sessions/{code}?key={srv.key}") as r:
            csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]

        def remove_button(name: str):
            for row in browser.find_elements(By.CSS_SELECTOR, "#leaderboard tr")[1:]:
                if name in row.text:
                    return row.find_element(By.XPATH, ".//button[text()='remove']")
            raise AssertionError(f"{name} is not on the leaderboard")

        for name in HOSTILE:
            remove_button(name).click()  # the question names them as typed; Cancel keeps the result
            alert = WebDriverWait(browser, 5).until(ec.alert_is_present())
            assert alert.text == f"Remove {name}'s result so they can send another? You can undo this."
            alert.dismiss()
            assert browser.title == title and browser.execute_script("return window.pwned === undefined")
        assert len(client.leaderboard(code)) == len(HOSTILE)

        remove_button("Siobhan O'Brien").click()
        WebDriverWait(browser, 5).until(ec.alert_is_present()).accept()
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "removed"))
        assert "Siobhan O'Brien" in browser.find_element(By.ID, "removed").text
        assert [b["name"] for b in client.leaderboard(code)].count("Siobhan O'Brien") == 0
        browser.find_element(By.CSS_SELECTOR, "#removed button.undo").click()
        WebDriverWait(browser, 20).until(lambda d: not d.find_elements(By.ID, "removed"))
        assert len(client.leaderboard(code)) == len(HOSTILE)
        assert browser.title == title and browser.execute_script("return window.pwned === undefined")
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]
        assert errors == [], errors  # no Content-Security-Policy violations either


@pytest.mark.parametrize("width, height", [(1024, 768), (1920, 1080)])
def test_the_projector_fits_the_screen_at_1024x768_and_1920x1080(browser, tmp_path, width, height):
    with LiveServer(tmp_path / "w.db") as srv:
        client = WorkshopClient(srv.url)
        code = _new_session(browser, srv)
        for name, text in class_results("three_reps", 1, 12):
            client.submit(code, client.join(code, name)["token"], json.loads(text))
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        try:
            shots = os.environ.get("SERVICEFLOOR_SHOTS")
            for slide, query in (("join", "m=0"), ("hidden", "m=1"), ("revealed", "m=1&reveal=1")):
                browser.get(f"{srv.url}/sessions/{code}/projector?{query}")
                size = browser.execute_script(
                    "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
                    " window.innerWidth, window.innerHeight];")
                assert size[0] <= size[2], (slide, size)  # nothing overflows sideways
                assert size[1] <= size[3] * 1.15, (slide, size)  # one screen, not 5,000 px
                if shots:
                    browser.save_screenshot(os.path.join(shots, f"27-projector-{slide}-{width}x{height}.png"))
            browser.find_element(By.ID, "next").click()  # the click from moment 1 goes to moment 2
            WebDriverWait(browser, 10).until(lambda d: "Key moment 2" in d.page_source)
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_printed_report_of_a_20_trainee_class_is_a_handful_of_a4_pages(tmp_path):
    import re
    import subprocess

    from sim.workshop.store import Store

    db = tmp_path / "w.db"
    with LiveServer(db) as srv:
        code = Store(db).create_session("Tuesday class", "calm_weekday", 1, True, 0).code
        client = WorkshopClient(srv.url)
        for name, text in class_results("calm_weekday", 1, 20):
            client.submit(code, client.join(code, name)["token"], json.loads(text))
        pdf = tmp_path / "report.pdf"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", f"{srv.url}/sessions/{code}/report?key={srv.key}"],
                       capture_output=True, timeout=120, check=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 2 <= pages <= 6, pages  # it was 29 to 40 before the print layout
    if os.environ.get("SERVICEFLOOR_SHOTS"):
        shutil.copy(pdf, os.path.join(os.environ["SERVICEFLOOR_SHOTS"], "26-workshop-report.pdf"))
