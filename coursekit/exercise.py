"""```exercise blocks: the body names a folder under exercises/; the page gets its prompt,
editor (starter code), hints and solution. The checks stay in the folder and are fetched by
the browser from site/assets/exercises/<id>/check.py (copied by coursekit.assets)."""

import html
import re
import tomllib
from pathlib import Path

import markdown

from coursekit import blocks

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
REQUIRED_FILES = ("exercise.toml", "prompt.md", "starter.py", "solution.py", "check.py", "hints.md")
_ID = re.compile(r"^[0-9]{2}-[a-z0-9-]+$")
_MD_EXTENSIONS = ["admonition", "attr_list", "tables", "fenced_code", "pymdownx.inlinehilite"]


def load(exercise_id: str, base: Path = EXERCISES) -> dict:
    """Read and validate one exercise folder; raise BlockError naming what is missing."""
    if not _ID.match(exercise_id):
        raise blocks.BlockError(f"exercise id {exercise_id!r} must look like 02-some-slug")
    folder = base / exercise_id
    if not folder.is_dir():
        raise blocks.BlockError(f"no folder exercises/{exercise_id}/")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    wrong = sorted(p for p in (folder / "wrong").glob("*") if p.suffix in (".py", ".patch")) \
        if (folder / "wrong").is_dir() else []
    if not wrong:
        missing.append("wrong/*.py or wrong/*.patch (at least one known-wrong answer)")
    if missing:
        raise blocks.BlockError(f"exercises/{exercise_id}/ is missing: {', '.join(missing)}")
    try:
        meta = tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise blocks.BlockError(f"exercises/{exercise_id}/exercise.toml: {exc}") from None
    for key in ("title", "lesson"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise blocks.BlockError(f"exercises/{exercise_id}/exercise.toml needs a `{key}` string")
    timeout = meta.get("timeout_s", 10)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 120:
        raise blocks.BlockError(f"exercises/{exercise_id}/exercise.toml: timeout_s must be a number in (0, 120]")
    core = meta.get("core", False)
    if not isinstance(core, bool):
        raise blocks.BlockError(f"exercises/{exercise_id}/exercise.toml: core must be true or false")
    hints = [h.strip() for h in re.split(r"^---[ \t]*$", (folder / "hints.md").read_text(encoding="utf-8"),
                                          flags=re.MULTILINE) if h.strip()]
    if not hints:
        raise blocks.BlockError(f"exercises/{exercise_id}/hints.md has no hint")
    read = lambda name: (folder / name).read_text(encoding="utf-8")  # noqa: E731
    return {"id": exercise_id, "title": meta["title"], "lesson": meta["lesson"], "timeout_s": timeout, "core": core,
            "prompt": read("prompt.md"), "starter": read("starter.py"), "solution": read("solution.py"),
            "hints": hints, "wrong": [p.name for p in wrong]}


def _md(text: str) -> str:
    return markdown.markdown(text, extensions=_MD_EXTENSIONS)


def _attr(text: str) -> str:
    """Escape for a double-quoted attribute, newlines kept as character references so the
    HTML block has no blank lines for Markdown to split on."""
    return html.escape(text, quote=True).replace("\n", "&#10;")


def render(body: str, ctx: blocks.PageContext) -> str:
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    if len(lines) != 1:
        raise blocks.BlockError("the body must be exactly one exercise folder name, e.g. 02-keyed-payment-order")
    ex = load(lines[0])
    if ctx.lesson_id is not None and ex["lesson"] != ctx.lesson_id:
        raise blocks.BlockError(f"exercise {ex['id']} belongs to lesson {ex['lesson']}, not {ctx.lesson_id}")
    ctx.exercises.append(ex["id"])
    ctx.core_exercises.append(ex["core"])
    eid = html.escape(ex["id"])
    kind = "core" if ex["core"] else "extra"
    badge = ("Core exercise" if ex["core"] else "Extra exercise (optional)")
    keys_id = f"course-keys-{eid}"
    hints = "".join(f'<li class="course-exercise__hint" hidden>{_md(h)}</li>' for h in ex["hints"])
    # Until the learner approaches the exercise, the starter code is shown as plain text; Ace
    # replaces it (docs/javascripts/exercise.js). Newlines as &#10; keep the HTML block whole.
    preview = _attr(ex["starter"])
    return (
        f'<div class="course-exercise course-exercise--{kind}" data-exercise-id="{eid}" data-core="{str(ex["core"]).lower()}" '
        f'data-timeout-ms="{int(ex["timeout_s"] * 1000)}" '
        f'data-starter="{_attr(ex["starter"])}" data-solution="{_attr(ex["solution"])}">'
        f'<p class="course-exercise__title"><span class="course-exercise__kind course-exercise__kind--{kind}">{badge}</span> '
        f'<strong>{html.escape(ex["title"])}</strong></p>'
        f'<div class="course-exercise__prompt">{_md(ex["prompt"])}</div>'
        f'<div class="course-exercise__editor"><pre class="course-exercise__preview" tabindex="0" '
        f'aria-describedby="{keys_id}">{preview}</pre></div>'
        f'<p class="course-exercise__keys" id="{keys_id}">Keyboard: <kbd>Tab</kbd> moves past the editor. '
        'To type in it, press <kbd>Enter</kbd> on it (then <kbd>Tab</kbd> indents); '
        '<kbd>Esc</kbd> leaves it; <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs.</p>'
        '<div class="course-exercise__toolbar">'
        '<button type="button" class="md-button md-button--primary course-exercise__run">Run</button>'
        '<button type="button" class="md-button course-exercise__stop" disabled>Stop</button>'
        '<button type="button" class="md-button course-exercise__reset">Reset</button>'
        '<span class="course-exercise__status" role="status"></span>'
        '</div>'
        f'<pre class="course-exercise__output" role="log" tabindex="0" aria-label="Output of {eid}"></pre>'
        f'<ul class="course-exercise__checks" aria-label="Checks of {eid}"></ul>'
        f'<div class="course-exercise__hints"><ol class="course-exercise__hint-list">{hints}</ol>'
        f'<button type="button" class="md-button course-exercise__next-hint">Show a hint (1 of {len(ex["hints"])})</button></div>'
        '<div class="course-exercise__solution-box">'
        '<button type="button" class="md-button course-exercise__show-solution">Show the solution</button>'
        '<div class="course-exercise__solution" hidden><pre><code class="language-python"></code></pre>'
        '<button type="button" class="md-button course-exercise__load-solution">Load it into the editor</button></div>'
        '</div></div>'
    )


blocks.renderer("exercise")(render)
