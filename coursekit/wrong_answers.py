"""An exercise's known-wrong answers, as the tests run them.

A wrong answer is usually the solution with one mistake in it, so it is stored as what it
changes: ``wrong/NAME.patch``, a unified diff against the folder's ``solution.py``
(``diff -u solution.py wrong.py``), which says at a glance where the mistake is and keeps
the rest of the solution in one place. A wrong answer that shares little with the solution
stays a whole script, ``wrong/NAME.py``. A patch that no longer applies to the solution
fails loudly, naming the file and the hunk, so a solution changed later cannot silently
turn its wrong answers into something else.
"""

import re
from pathlib import Path

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    pass


def wrong_answers(folder):
    """[(name, source)] for every wrong answer of ``folder``, sorted by name (NAME.py)."""
    folder = Path(folder)
    wrong = folder / "wrong"
    if not wrong.is_dir():
        return []
    out = []
    for path in sorted(wrong.iterdir()):
        if path.suffix == ".py":
            out.append((path.name, path.read_text(encoding="utf-8")))
        elif path.suffix == ".patch":
            solution = (folder / "solution.py").read_text(encoding="utf-8")
            out.append((path.stem + ".py", apply_patch(solution, path.read_text(encoding="utf-8"), path.name)))
    return sorted(out)


def apply_patch(original, patch, name="patch"):
    """``original`` with the unified diff ``patch`` applied; every context and removed line
    must match exactly where its hunk says, else PatchError."""
    old = original.splitlines(keepends=True)
    out, pos = [], 0                       # pos: index in old of the next line not yet copied
    lines = patch.splitlines(keepends=True)
    i = 0
    while i < len(lines) and not lines[i].startswith("@@"):
        i += 1                             # the ---/+++ header
    if i == len(lines):
        raise PatchError(f"{name}: no hunk (a unified diff starts its hunks with '@@ -a,b +c,d @@')")
    while i < len(lines):
        m = HUNK.match(lines[i])
        if not m:
            raise PatchError(f"{name}: expected a hunk header at line {i + 1}, found {lines[i]!r}")
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        if start < pos:
            raise PatchError(f"{name}: hunks overlap at line {i + 1}")
        out.extend(old[pos:start])
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            tag, text = line[:1], line[1:]
            if line.startswith("\\"):      # "\ No newline at end of file": the line before has none
                if out and out[-1].endswith("\n") and lines[i - 1][:1] in "+ ":
                    out[-1] = out[-1][:-1]
                i += 1
                continue
            if tag in (" ", "-"):
                have = old[pos] if pos < len(old) else None
                if have is None or have.rstrip("\n") != text.rstrip("\n"):
                    raise PatchError(f"{name}: line {i + 1} expects solution.py line {pos + 1} to be "
                                     f"{text.rstrip()!r}, it is {(have or '<end>').rstrip()!r}")
                if tag == " ":
                    out.append(have)
                pos += 1
            elif tag == "+":
                out.append(text)
            else:
                raise PatchError(f"{name}: line {i + 1} starts with {tag!r}, not ' ', '-' or '+'")
            i += 1
    out.extend(old[pos:])
    return "".join(out)
