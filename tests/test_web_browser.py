"""The web page in a real headless browser (Debian's chromium and chromium-driver, Selenium).

Skipped, saying why, where no browser is installed; .ci/run installs one and sets
HARVESTER_REQUIRE_BROWSER=1, so in CI a missing browser fails instead. Set
HARVESTER_UPDATE_SCREENSHOT=1 to write the README's screenshot (docs/search-page.png).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCREENSHOT = Path(__file__).parents[1] / "docs" / "search-page.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("HARVESTER_REQUIRE_BROWSER"):
        raise RuntimeError("HARVESTER_REQUIRE_BROWSER is set but chromium/chromedriver are missing")
    pytest.skip(
        "no headless browser: apt-get install chromium chromium-driver fonts-noto-core "
        "fonts-noto-cjk to run the browser tests",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=en-US",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER or ""))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def follow(browser: Any, element: Any) -> None:
    """Click a link or button and wait until the next page has replaced this one."""
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    # While the document is being replaced, chromedriver may answer a question about the old
    # page with a passing error ("Node ... does not belong to the document"): ask again.
    wait = WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,))
    wait.until(expected_conditions.staleness_of(old))
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")


def search_for(browser: Any, web_url: str, query: str) -> list[str]:
    """Type the query into the box, submit it, and return the result titles."""
    browser.get(web_url + "/")
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query)
    follow(browser, browser.find_element(By.ID, "search-button"))
    return [link.text for link in browser.find_elements(By.CSS_SELECTOR, "a.title")]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("古代建筑", "中国古代建筑史"),
        ("國際貿易", "國際貿易中隱私保護的法律協調全球趨勢綜述研究"),
        ("อยุธยา", "ประวัติศาสตร์กรุงศรีอยุธยา"),
        ("государства", "История государства Российского"),
        ("حافظ", "دیوان حافظ"),
        ("شاهنامه", "شاهنامه فردوسی"),
    ],
)
def test_search_in_each_script_finds_its_title(browser: Any, web_url: str, query: str, title: str):
    assert title in search_for(browser, web_url, query)


def test_a_persian_title_is_laid_out_right_to_left(browser: Any, web_url: str):
    search_for(browser, web_url, "حافظ")
    title = browser.find_element(By.CSS_SELECTOR, "a.title")
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction", title) == "rtl"
    page = browser.find_element(By.TAG_NAME, "main")
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction", page) == "ltr"
    assert title.get_attribute("lang") == "fa"


def test_clicking_a_facet_narrows_to_its_count(browser: Any, web_url: str):
    search_for(browser, web_url, "the")
    before = int(browser.find_element(By.ID, "total").get_attribute("textContent"))
    item = browser.find_elements(By.CSS_SELECTOR, "#facet-decade li")[0]
    expected = int(item.find_element(By.CSS_SELECTOR, ".count").text.replace(",", ""))
    assert expected < before
    follow(browser, item.find_element(By.TAG_NAME, "a"))
    assert int(browser.find_element(By.ID, "total").get_attribute("textContent")) == expected
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.hit")) == min(expected, 20)
    follow(browser, browser.find_element(By.CSS_SELECTOR, ".active-filters a.remove"))
    assert int(browser.find_element(By.ID, "total").get_attribute("textContent")) == before


def test_a_record_page_leads_to_the_members_landing_page(browser: Any, web_url: str):
    search_for(browser, web_url, "古代建筑")
    follow(browser, browser.find_element(By.CSS_SELECTOR, 'a.title[href^="/record/test-silk/"]'))
    assert browser.find_element(By.CSS_SELECTOR, "h1.record-title").text == "中国古代建筑史"
    raw = browser.find_element(By.CSS_SELECTOR, "details.raw")
    assert raw.get_attribute("open") is None  # the XML stays folded until asked for
    follow(browser, browser.find_element(By.ID, "landing"))
    WebDriverWait(browser, 30).until(lambda b: b.title.startswith("Landing page"))
    assert browser.title.endswith("/item/zh1")


def test_switching_the_interface_language_keeps_the_query(browser: Any, web_url: str):
    search_for(browser, web_url, "อยุธยา")
    follow(browser, browser.find_element(By.ID, "lang-zh"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh"
    assert browser.find_element(By.ID, "q").get_attribute("value") == "อยุธยา"
    assert "丝绸之路数字图书馆" in browser.find_element(By.CSS_SELECTOR, "a.brand").text
    assert "ประวัติศาสตร์กรุงศรีอยุธยา" in [
        a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.title")
    ]
    follow(browser, browser.find_element(By.ID, "lang-ru"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru"
    assert browser.find_element(By.ID, "q").get_attribute("value") == "อยุธยา"


def test_the_readme_screenshot(browser: Any, web_url: str, tmp_path: Path):
    members = "source=test-silk&source=demo-persian&source=demo-thai"
    browser.set_window_size(1280, 1000)
    browser.get(f"{web_url}/?{members}&lang=en")
    target = SCREENSHOT if os.environ.get("HARVESTER_UPDATE_SCREENSHOT") else tmp_path / "s.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    assert target.read_bytes().startswith(b"\x89PNG")
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG"), "the README's screenshot is missing"
