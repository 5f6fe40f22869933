"""The playground page: settings from and to the URL, the program shown, a run in the shared
worker, the lessons' measures and the trace player; axe and 375 px."""

from test_accessibility import axe_violations
from test_exercises import BOOT_TIMEOUT

PAGE = "/playground/"
ROOT = "#course-playground"


def _measure(page, name):
    return page.locator(f"{ROOT} .course-playground__measures tr", has_text=name).locator("td").inner_text()


def test_settings_in_the_url_run_measures_and_picture(page, site_url):
    page.goto(site_url + PAGE + "?partitions=2&records=60&keys=12&consumers=2&assignor=roundrobin&commit=auto&fault=crash")
    page.wait_for_function(f"document.querySelector('{ROOT}').dataset.ready")
    assert page.input_value(f"{ROOT} [name=partitions]") == "2"
    assert page.input_value(f"{ROOT} [name=commit]") == "auto"
    code = page.text_content(f"{ROOT} .course-playground__code")
    assert 'cluster.create_topic("orders", num_partitions=2)' in code and "cluster.crash(consumers[0])" in code
    assert '"enable.auto.commit": True' in code
    page.click(f"{ROOT} .course-playground__run")
    page.wait_for_function(f"document.querySelector('{ROOT} .course-playground__status').textContent.startsWith('Done')",
                           timeout=BOOT_TIMEOUT)
    assert int(_measure(page, "Processed twice")) > 0
    assert float(_measure(page, "no owner").split()[0]) >= 40
    assert page.locator(f"{ROOT} .course-trace__player").count() == 1
    assert page.locator(f"{ROOT} .course-trace__kind option[value=client]").count() == 1   # the crash
    # Changing a setting rewrites the URL and the program, without a run.
    page.fill(f"{ROOT} [name=keys]", "0")
    page.dispatch_event(f"{ROOT} [name=keys]", "input")
    assert "keys=0" in page.url
    assert "key = None" in page.text_content(f"{ROOT} .course-playground__code")
    assert axe_violations(page) == []


def test_playground_at_375px_has_no_horizontal_scroll(page, site_url):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(site_url + PAGE + "?partitions=6&records=40&keys=0&consumers=1")
    page.wait_for_function(f"document.querySelector('{ROOT}').dataset.ready")
    page.click(f"{ROOT} .course-playground__run")
    page.wait_for_function(f"document.querySelector('{ROOT} .course-playground__status').textContent.startsWith('Done')",
                           timeout=BOOT_TIMEOUT)
    assert "Split" in page.inner_text(f"{ROOT} .course-trace__findings")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
