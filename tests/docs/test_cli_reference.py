"""Every console example in docs/reference/cli.md is what the command prints today: the page
shows real output, never output from an older pysim. A block that ends with a line '...'
shows only the first lines of the output."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from pysim.cli import main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "cli.md"
PROMPT = "$ python -m pysim "


def _examples():
    text = PAGE.read_text(encoding="utf-8")
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        current = None
        for line in block.splitlines():
            if line.startswith(PROMPT):
                if current:
                    yield current
                current = (shlex.split(line[len(PROMPT):]), [])
            elif current is not None:
                current[1].append(line)
        if current:
            yield current


EXAMPLES = list(_examples())


def test_the_page_has_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("argv, expected", EXAMPLES, ids=[" ".join(a) for a, _ in EXAMPLES])
def test_example_output_is_real(argv, expected):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    got = out.getvalue().rstrip("\n").splitlines()
    while expected and expected[-1] == "":
        expected = expected[:-1]
    if expected and expected[-1] == "...":
        expected = expected[:-1]
        got = got[:len(expected)]
    assert got == expected
