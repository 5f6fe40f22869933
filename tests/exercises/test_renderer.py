"""The ```exercise block renderer and the asset copy: bad blocks fail the build with a clear
reason; a good block carries prompt, starter, hints and solution into the page."""

import html
import json
import shutil
from pathlib import Path

import pytest

from coursekit import assets, blocks
from coursekit import exercise as renderer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "exercises" / "02-keyed-payment-order"


def ctx(lesson="2-partitions-and-ordering"):
    return blocks.PageContext(page_path=f"lessons/{lesson}.md", lesson_id=lesson)


def test_renders_prompt_editor_hints_and_solution():
    c = ctx()
    out = renderer.render("02-keyed-payment-order\n", c)
    assert c.exercises == ["02-keyed-payment-order"]
    assert 'data-exercise-id="02-keyed-payment-order"' in out and 'data-timeout-ms="10000"' in out
    starter = (EXAMPLE / "starter.py").read_text()
    assert html.escape(starter, quote=True).replace("\n", "&#10;") in out
    assert "\n\n" not in out, "a blank line would let Markdown split the HTML block"
    hints = (EXAMPLE / "hints.md").read_text().count("\n---\n") + 1
    assert out.count('class="course-exercise__hint" hidden') == hints
    assert "check_" not in out, "the checks stay hidden"


@pytest.mark.parametrize("body,reason", [
    ("", "exactly one exercise folder"),
    ("a\nb", "exactly one exercise folder"),
    ("Not An Id", "must look like"),
    ("99-does-not-exist", "no folder exercises/99-does-not-exist/"),
])
def test_bad_blocks_say_why(body, reason):
    with pytest.raises(blocks.BlockError, match=reason):
        renderer.render(body, ctx())


def test_exercise_of_another_lesson_is_refused():
    with pytest.raises(blocks.BlockError, match="belongs to lesson 2-partitions-and-ordering"):
        renderer.render("02-keyed-payment-order", ctx("1-queue-vs-kafka"))


def test_incomplete_folder_names_what_is_missing(tmp_path):
    folder = tmp_path / "05-half-done"
    shutil.copytree(EXAMPLE, folder)
    (folder / "check.py").unlink()
    shutil.rmtree(folder / "wrong")
    with pytest.raises(blocks.BlockError, match=r"missing: check\.py, wrong/\*\.py or wrong/\*\.patch"):
        renderer.load("05-half-done", base=tmp_path)


def test_bad_toml_and_timeout(tmp_path):
    folder = tmp_path / "06-bad"
    shutil.copytree(EXAMPLE, folder)
    (folder / "exercise.toml").write_text('title = "x"\nlesson = "2-partitions-and-ordering"\ntimeout_s = -1\n')
    with pytest.raises(blocks.BlockError, match="timeout_s"):
        renderer.load("06-bad", base=tmp_path)
    (folder / "exercise.toml").write_text('title = "x\n')
    with pytest.raises(blocks.BlockError, match="exercise.toml"):
        renderer.load("06-bad", base=tmp_path)


def test_assets_copy_runtime_wheel_and_checks(tmp_path):
    assets.copy_into_site(ROOT, tmp_path)
    a = tmp_path / "assets"
    for name in assets.PYODIDE_FILES:
        assert (a / "pyodide" / name).stat().st_size > 0
    assert sorted(p.name for p in (a / "ace").iterdir()) == sorted(assets.ACE_FILES)
    assert (a / "wheels" / assets.WHEEL).is_file()
    assert (a / "exercises" / "02-keyed-payment-order" / "check.py").read_text() == (EXAMPLE / "check.py").read_text()
    assert not (a / "exercises" / "02-keyed-payment-order" / "solution.py").exists()
    index = json.loads((a / "exercises" / "index.json").read_text())
    assert {"id": "02-keyed-payment-order", "lesson": "2-partitions-and-ordering", "timeout_s": 10,
            "title": "Keyed payments keep their order",
            "check": "assets/exercises/02-keyed-payment-order/check.py"} in index["exercises"]
