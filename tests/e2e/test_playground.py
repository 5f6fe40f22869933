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
    # fewer consumers than the crashing one's number: the last consumer crashes instead
    page.fill(f"{ROOT} [name=victim]", "2")
    page.fill(f"{ROOT} [name=consumers]", "1")
    page.dispatch_event(f"{ROOT} [name=consumers]", "input")
    assert page.input_value(f"{ROOT} [name=victim]") == "1" and "victim=1" in page.url
    assert "cluster.crash(consumers[0])" in page.text_content(f"{ROOT} .course-playground__code")
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
    # the fault settings and a zombie's measures fit too
    page.select_option(f"{ROOT} [name=producer]", "transactional")
    page.select_option(f"{ROOT} [name=fault]", "zombie")
    page.click(f"{ROOT} .course-playground__run")
    page.wait_for_function(f"document.querySelector('{ROOT} .course-playground__measures tr') && "
                           f"document.querySelector('{ROOT} .course-playground__status').textContent.startsWith('Done')",
                           timeout=BOOT_TIMEOUT)
    assert _measure(page, "Producers fenced").startswith("1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []


def _run_and_wait(page):
    page.wait_for_function(f"document.querySelector('{ROOT} .course-playground__status').textContent.startsWith('Done')",
                           timeout=BOOT_TIMEOUT)


def test_new_faults_chosen_by_keyboard(page, site_url):
    """Lose an ack with librdkafka's defaults, then a zombie against a transactional producer:
    every choice made with the keyboard, the measures and the player show what happened."""
    page.goto(site_url + PAGE + "?partitions=3&records=30&keys=5&consumers=2")
    page.wait_for_function(f"document.querySelector('{ROOT}').dataset.ready")
    page.focus(f"{ROOT} [name=consumers]")
    for _ in range(3):                                   # consumers -> assignor -> commit -> fault
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "fault"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")                     # none -> crash -> lose an ack
    assert page.input_value(f"{ROOT} [name=fault]") == "lostack"
    assert "fault=lostack" in page.url and "producer=plain" in page.url
    assert 'cluster.faults.lose_next_responses("orders")' in page.text_content(f"{ROOT} .course-playground__code")
    for _ in range(3):                                   # fault -> victim -> at -> Run
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Run"
    page.keyboard.press("Enter")
    _run_and_wait(page)
    assert _measure(page, "Duplicates written") == "1"
    assert _measure(page, "Delivery reports without error") == "30"
    assert _measure(page, "Processed twice") == "1"
    assert _measure(page, "recognised") == "0"

    # The producer becomes transactional and the fault a zombie, still by keyboard.
    page.focus(f"{ROOT} [name=producer]")
    page.keyboard.press("End")
    assert page.input_value(f"{ROOT} [name=producer]") == "transactional"
    page.focus(f"{ROOT} [name=fault]")
    page.keyboard.press("End")
    assert page.input_value(f"{ROOT} [name=fault]") == "zombie"
    assert "producer=transactional" in page.url and "fault=zombie" in page.url
    code = page.text_content(f"{ROOT} .course-playground__code")
    assert "zombie.commit_transaction()" in code and '"transactional.id": "orders-writer"' in code
    page.focus(f"{ROOT} .course-playground__run")
    page.keyboard.press("Enter")
    _run_and_wait(page)
    assert _measure(page, "Producers fenced") == "1 (the zombie got _FENCED)"
    assert _measure(page, "Records aborted") == "10"
    assert _measure(page, "Duplicates written") == "0"
    assert _measure(page, "Processed twice") == "0"
    assert "zombie: _FENCED (fatal)" in page.text_content(f"{ROOT} .course-playground__output")
    # the player draws the zombie's aborted records and an abort marker, and its transcript
    # says who was fenced
    assert page.locator(f"{ROOT} .ct-rec.is-aborted").count() > 0
    assert page.locator(f"{ROOT} .ct-marker.is-abort").count() > 0
    assert "10 record(s) belong to transactions that end aborted" in page.inner_text(f"{ROOT} .course-trace__findings")
    page.select_option(f"{ROOT} .course-trace__kind", "txn")
    page.click(f"{ROOT} .course-trace__prev-kind")   # from the end (where the player opens): the fencing
    assert "is fenced" in page.inner_text(f"{ROOT} .course-trace__now")
    assert axe_violations(page) == []
    page.emulate_media(color_scheme="dark")
    assert axe_violations(page) == []
