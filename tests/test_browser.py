"""What a manager sees: the rendered index and report in headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.xdist_group("render"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]


def test_index_and_report_in_chromium(rendered, tmp_path):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((rendered.folder / "index.html").as_uri())
        assert page.locator("h1").inner_text().startswith("Sales reports for 2026Q3")
        tiles = page.locator(".tile-label").all_inner_texts()
        assert [t.lower() for t in tiles[:2]] == ["bookings", "attainment"]
        assert page.locator(".status.ok").count() == len(rendered.results)
        page.locator(".card h3 a").first.click()
        page.wait_for_load_state()
        assert "Team visibility" in page.locator("h1").first.inner_text()
        images = page.locator("img")
        assert images.count() >= 4
        assert all(
            page.evaluate("(img) => img.naturalWidth > 100", images.nth(i).element_handle())
            for i in range(images.count())
        )
        assert page.locator("pre, .jp-InputArea").count() == 0
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert not errors
    assert all(u.startswith(("file://", "data:")) for u in requests), [
        u for u in requests if not u.startswith(("file://", "data:"))
    ]


def test_summary_links_open_their_sections_in_chromium(rendered):
    """Each finding's link on the executive summary scrolls to an existing section heading."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.goto((rendered.folder / "index.html").as_uri())
        page.locator(".exec-lead h3 a").click()
        page.wait_for_load_state()
        assert page.locator("h1").first.inner_text().startswith("Executive summary")
        links = page.locator(".exec-findings a.exec-link")
        n = links.count()
        assert 5 <= n <= 8
        for i in range(n):
            href = links.nth(i).get_attribute("href")
            links.nth(i).click()
            page.wait_for_load_state()
            target = page.evaluate("decodeURIComponent(location.hash.slice(1))")
            assert target, href
            heading = page.locator(f'[id="{target}"]')
            assert heading.count() == 1, href
            assert page.evaluate("(el) => el.tagName", heading.element_handle()) == "H2"
            page.go_back()
            page.wait_for_load_state()
        browser.close()
    assert all(u.startswith(("file://", "data:")) for u in requests)
