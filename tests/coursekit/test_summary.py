"""The home page's header and lesson times are computed from the course, and each exercise is
core or extra (exercise.toml's `core`, default false)."""
import tomllib
from pathlib import Path

import pytest

from coursekit import blocks, summary
from coursekit import exercise as renderer

ROOT = Path(__file__).resolve().parents[2]


def lesson(lid, words=0, quizzes=0, challenges=0, core=(), extra=()):
    return {"id": lid, "words": words, "quizzes": [f"{lid}/q{i}" for i in range(quizzes)],
            "challenges": [f"{lid}/c{i}" for i in range(challenges)],
            "core_exercises": list(core), "extra_exercises": list(extra), "exercises": list(core) + list(extra)}


def test_minutes_follow_the_stated_rates():
    one = lesson("1-a", words=1000, quizzes=3, challenges=2, core=["01-x"], extra=["01-y", "01-z"])
    m = summary.lesson_minutes(one)
    assert m["core"] == 1000 // summary.WORDS_PER_MINUTE + 3 * summary.QUIZ_MIN + 2 * summary.DESIGN_CHALLENGE_MIN \
        + summary.EXERCISE_MIN
    assert m["extra"] == 2 * summary.EXERCISE_MIN
    assert summary.lesson_minutes(lesson("1-a", words=201))["core"] == 2     # reading time rounds up


def test_header_counts_everything_and_splits_core_from_extra():
    lessons = [lesson("1-a", words=400, quizzes=3, core=["01-x"]), lesson("2-b", quizzes=2, extra=["02-y"])]
    text = summary.header_text(lessons)
    assert text.startswith("2 lessons · 5 concept checks · 2 runnable exercises (1 core, 1 extra) · ~")
    assert f"~{2 + 5 + summary.EXERCISE_MIN} min core path" in text
    assert f"(+{summary.EXERCISE_MIN} min of extra exercises)" in text
    assert summary.header_text([lesson("1-a", quizzes=1)]) == "1 lesson · 1 concept check · 0 runnable exercises (0 core, 0 extra) · ~1 min core path"


def test_placeholders_filled_and_unknown_lesson_fails():
    lessons = [lesson("1-a", words=200, quizzes=1, extra=["01-x"])]
    page = '<p><span data-course="summary"></span></p><td><span data-course="minutes" data-lesson="1-a"></span></td>'
    out = summary.fill(page, lessons)
    assert "1 lesson · 1 concept check" in out and ">2 min (+10 extra)<" in out
    with pytest.raises(ValueError, match="9-nope"):
        summary.fill('<span data-course="minutes" data-lesson="9-nope"></span>', lessons)


def test_prose_words_skip_blocks_figures_and_tags():
    md = "Two words.\n\n```quiz\n? many many many words here\n```\n<svg><text>hidden label</text></svg>\n<!-- a note -->\n<b>bold</b>"
    assert summary.prose_words(md) == 3


def test_core_defaults_to_false_and_must_be_a_boolean(tmp_path):
    src = ROOT / "exercises" / "02-key-spread"
    folder = tmp_path / "07-copy"
    folder.mkdir()
    for p in src.iterdir():
        if p.is_file():
            (folder / p.name).write_bytes(p.read_bytes())
    (folder / "wrong").mkdir()
    (folder / "wrong" / "x.py").write_text("# Wrong: nothing\n")
    (folder / "exercise.toml").write_text('title = "t"\nlesson = "2-partitions-and-ordering"\n')
    assert renderer.load("07-copy", base=tmp_path)["core"] is False
    (folder / "exercise.toml").write_text('title = "t"\nlesson = "2-partitions-and-ordering"\ncore = "yes"\n')
    with pytest.raises(blocks.BlockError, match="core must be true or false"):
        renderer.load("07-copy", base=tmp_path)


def test_every_exercise_says_core_or_extra_and_the_page_shows_it():
    for folder in sorted(p for p in (ROOT / "exercises").iterdir() if p.is_dir()):
        meta = tomllib.loads((folder / "exercise.toml").read_text())
        assert isinstance(meta.get("core"), bool), f"{folder.name}/exercise.toml: write core = true or false"
        ctx = blocks.PageContext(page_path=f"lessons/{meta['lesson']}.md", lesson_id=meta["lesson"])
        out = renderer.render(folder.name, ctx)
        assert ("Core exercise" if meta["core"] else "Extra exercise") in out
        assert ctx.core_exercises == [meta["core"]]
