"""A real browser through the web view: overview → a team's technology share → an issue.

Headless Chromium from Debian, driven by Selenium, against the demo organisation as
``syncd demo`` configures it. The screenshots of the three pages go to docs/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.deploy.deploy_support import require_binary

from .web_support import WebRig

DOCS = Path(__file__).resolve().parents[2] / "docs"
_TEAM = "platform"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a window wide enough for the share tables."""
    options = webdriver.ChromeOptions()
    options.binary_location = require_binary("chromium", "chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1500,1100")
    service = Service(require_binary("chromedriver", "chromium-driver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def test_from_a_teams_technology_share_to_the_rule_behind_one_issue(
    open_demo_web: WebRig, browser: webdriver.Chrome
) -> None:
    """Open the overview, click the platform team's technology share (by issue count, in the
    first window), check that the listed issues' weights add up to the share's numerator,
    click an issue and see its rule and inheritance path."""
    browser.get(open_demo_web.url + "/")
    assert browser.title == "Overview · syncd"
    browser.save_screenshot(str(DOCS / "web-overview.png"))
    window = open_demo_web.get("/api/v1/overview").json()["windows"][0]["name"]
    share = browser.find_element(By.ID, f"share-{_TEAM}-{window}-technology--issues")
    share.click()

    numerator = float(browser.find_element(By.ID, "snapshot-completed").text)
    weights = [
        float(cell.get_attribute("data-weight") or "nan")
        for cell in browser.find_elements(By.CSS_SELECTOR, "tr.issue td.weight")
    ]
    count = int(browser.find_element(By.ID, "issue-count").text)
    assert numerator > 0
    assert len(weights) == count
    assert sum(weights) == pytest.approx(numerator)
    browser.save_screenshot(str(DOCS / "web-drilldown.png"))

    first = browser.find_element(By.CSS_SELECTOR, "tr.issue")
    cells = first.find_elements(By.TAG_NAME, "td")
    listed_rule, listed_path = cells[6].text, cells[7].text
    first.find_element(By.CSS_SELECTOR, "a.explain").click()

    assert browser.find_element(By.ID, "rule").text.split(" — ")[0] == listed_rule
    assert browser.find_element(By.ID, "path").text == listed_path
    assert browser.find_elements(By.CSS_SELECTOR, "#steps li")
    browser.save_screenshot(str(DOCS / "web-issue.png"))
