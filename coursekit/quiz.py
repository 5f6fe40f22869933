"""```quiz blocks (renderer registered on import): one multiple-choice question whose key
is embedded in the page so the browser can grade it without a server."""

import html
import re

import markdown as md

from coursekit import blocks

_OPTION = re.compile(r"^- \[(?P<mark>[ xX])\] (?P<text>.+)$")
_EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "pymdownx.superfences",
               "pymdownx.inlinehilite", "pymdownx.details"]


def _md(text: str) -> str:
    return md.markdown(text, extensions=_EXTENSIONS)


def parse(body: str) -> tuple[str, list[str], int, str]:
    """Split a quiz body into (question, options, index of the correct one, explanation)."""
    lines = body.splitlines()
    if not lines or not lines[0].startswith("? "):
        raise blocks.BlockError("line 1: a quiz starts with '? <question>'")
    question = [lines[0][2:].strip()]
    i = 1
    while i < len(lines) and not _OPTION.match(lines[i]):
        question.append(lines[i].strip())
        i += 1
    options, key = [], []
    while i < len(lines) and _OPTION.match(lines[i]):
        m = _OPTION.match(lines[i])
        if m["mark"] != " ":
            key.append(len(options))
        options.append(m["text"].strip())
        i += 1
    if len(options) != 4:
        raise blocks.BlockError(f"expected exactly four '- [ ]' options, found {len(options)}")
    if len(key) != 1:
        raise blocks.BlockError(f"expected exactly one '- [x]' option, found {len(key)}")
    explanation = "\n".join(lines[i:]).strip()
    if not explanation:
        raise blocks.BlockError("the explanation after the options is missing")
    return " ".join(q for q in question if q), options, key[0], explanation


@blocks.renderer("quiz")
def render(body: str, ctx: blocks.PageContext) -> str:
    question, options, key, explanation = parse(body)
    number = ctx.next_number("quiz")
    qid = f"{ctx.lesson_id or ctx.page_path.removesuffix('.md')}/q{number}"
    ctx.quizzes.append(qid)
    name = html.escape(qid)
    items = []
    for n, text in enumerate(options):
        letter = "ABCD"[n]
        inline = _md(text).removeprefix("<p>").removesuffix("</p>")
        items.append(
            f'<label class="quiz-option"><input type="radio" name="{name}" value="{n}"> '
            f'<span class="quiz-letter">{letter}.</span> {inline}</label>')
    return (
        f'<form class="quiz" data-quiz-id="{name}" data-key="{key}" data-lesson="{html.escape(ctx.lesson_id or "")}">'
        f'<fieldset><legend>Question {number}: {_md(question).removeprefix("<p>").removesuffix("</p>")}</legend>'
        + "".join(items) +
        '</fieldset><button type="submit" class="md-button quiz-check">Check answer</button> '
        '<button type="button" class="md-button quiz-retry" hidden>Retry</button>'
        '<div class="quiz-feedback" aria-live="polite" tabindex="-1"></div>'
        f'<div class="quiz-explanation" hidden>{_md(explanation)}</div></form>')
