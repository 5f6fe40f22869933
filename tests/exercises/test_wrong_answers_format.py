"""coursekit.wrong_answers: a wrong answer stored as a patch against solution.py is that
script exactly, and a patch that no longer fits the solution fails loudly."""

import difflib

import pytest

from coursekit.wrong_answers import PatchError, apply_patch, wrong_answers

SOLUTION = "import x\n\ndef f():\n    return 1\n\nprint(f())\n"
WRONG = "# Fails: returns\nimport x\n\ndef f():\n    return 2\n\nprint(f())\n"


def _diff(a, b):
    return "".join(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                        "solution.py", "wrong/w.py", n=1))


def test_a_patch_rebuilds_the_wrong_answer_exactly():
    assert apply_patch(SOLUTION, _diff(SOLUTION, WRONG)) == WRONG


def test_a_patch_that_no_longer_fits_names_the_line():
    changed = SOLUTION.replace("return 1", "return 10")
    with pytest.raises(PatchError, match=r"w.patch: line \d+ expects solution.py line 4 to be '    return 1'"):
        apply_patch(changed, _diff(SOLUTION, WRONG), "w.patch")


def test_not_a_patch_is_refused():
    with pytest.raises(PatchError, match="no hunk"):
        apply_patch(SOLUTION, "print('hello')\n", "w.patch")


def test_a_folder_mixes_scripts_and_patches(tmp_path):
    (tmp_path / "wrong").mkdir()
    (tmp_path / "solution.py").write_text(SOLUTION)
    (tmp_path / "wrong" / "b_whole.py").write_text("print('other')\n")
    (tmp_path / "wrong" / "a_patched.patch").write_text(_diff(SOLUTION, WRONG))
    assert wrong_answers(tmp_path) == [("a_patched.py", WRONG), ("b_whole.py", "print('other')\n")]
