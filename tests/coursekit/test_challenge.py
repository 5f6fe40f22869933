"""Challenge renderer: prompt, self-check boxes, model answer; malformed blocks name page+line."""
import pytest

from coursekit import blocks, challenge  # noqa: F401

GOOD = """? Design topics.
How many partitions?

A strong answer covers:
- keys
- throughput

Model answer:

Use ~~~ fences:

~~~python
x = 1
~~~
"""


def ctx():
    return blocks.PageContext(page_path="lessons/9-x.md", lesson_id="9-x")


def test_renders_parts():
    c = ctx()
    html = blocks.render_blocks("```challenge\n" + GOOD + "```\n", c)
    assert 'data-challenge-id="9-x/c1"' in html and c.challenges == ["9-x/c1"]
    assert html.count('type="checkbox"') == 2 and "<textarea" in html and "<details" in html
    assert "<code" in html and "~~~" not in html


@pytest.mark.parametrize("body", [GOOD.replace("Model answer:", "Answer:"),
                                  GOOD.replace("- keys\n- throughput\n", "")])
def test_malformed_fails_with_page_and_line(body):
    with pytest.raises(blocks.BlockError) as err:
        blocks.render_blocks("x\n```challenge\n" + body + "```\n", ctx())
    assert "lessons/9-x.md:2" in str(err.value)
