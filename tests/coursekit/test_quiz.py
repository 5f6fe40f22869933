"""Quiz renderer: the page carries the right key; malformed blocks fail with page and line."""
import pytest

from coursekit import blocks, quiz  # noqa: F401

GOOD = """? Which is right?
- [ ] one
- [ ] two
- [x] three
- [ ] four

Because **three**.
"""


def ctx():
    return blocks.PageContext(page_path="lessons/9-x.md", lesson_id="9-x")


def test_key_and_id_embedded():
    c = ctx()
    html = blocks.render_blocks("intro\n\n```quiz\n" + GOOD + "```\n", c)
    assert 'data-key="2"' in html and 'data-quiz-id="9-x/q1"' in html
    assert c.quizzes == ["9-x/q1"]
    assert "<strong>three</strong>" in html and html.count('type="radio"') == 4


@pytest.mark.parametrize("body, reason", [
    (GOOD.replace("- [x] three", "- [ ] three"), "exactly one"),
    (GOOD.replace("- [ ] four\n", ""), "four"),
    (GOOD.replace("Because **three**.", ""), "explanation"),
    (GOOD.replace("? ", ""), "question"),
])
def test_malformed_fails_with_page_and_line(body, reason):
    with pytest.raises(blocks.BlockError) as err:
        blocks.render_blocks("a\nb\n```quiz\n" + body + "```\n", ctx())
    assert "lessons/9-x.md:3" in str(err.value) and reason in str(err.value)
