"""Material features a reader expects, and a usable 375 px layout."""
LESSONS = ["1-queue-vs-kafka", "2-partitions-and-ordering", "3-consumer-groups", "4-exactly-once"]


def test_search_finds_partition(page, site_url):
    page.goto(f"{site_url}/")
    # At desktop width the search field sits in the header; typing opens the results.
    page.locator("input.md-search__input").click()
    page.keyboard.type("partition")
    page.wait_for_selector(".md-search-result__item a[href*='lessons/']")


def test_dark_mode_toggle(page, site_url):
    page.goto(f"{site_url}/")
    before = page.get_attribute("body", "data-md-color-scheme")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.get_attribute("body", "data-md-color-scheme") != before


def test_footer_links_and_no_pyodide_on_home(page, site_url):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site_url}/lessons/{LESSONS[1]}/")
    assert page.locator("a.md-footer__link--prev").count() == 1
    assert page.locator("a.md-footer__link--next").count() == 1
    requests.clear()
    page.goto(f"{site_url}/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "/pyodide/" in u]


def test_no_horizontal_overflow_at_375(page, site_url):
    page.set_viewport_size({"width": 375, "height": 800})
    for lesson in LESSONS:
        page.goto(f"{site_url}/lessons/{lesson}/")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, lesson
