"""```challenge blocks (renderer registered on import): an open design question with a
locally saved answer box, a self-check list and a model answer to reveal."""

import html

import markdown as md

from coursekit import blocks

_EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "pymdownx.superfences",
               "pymdownx.inlinehilite", "pymdownx.details"]


def parse(body: str) -> tuple[str, list[str], str]:
    """Split a challenge body into (prompt, self-check points, model answer)."""
    lines = body.splitlines()
    if not lines or not lines[0].startswith("? "):
        raise blocks.BlockError("line 1: a challenge starts with '? <prompt>'")
    try:
        covers = next(i for i, l in enumerate(lines) if l.strip() == "A strong answer covers:")
        model = next(i for i, l in enumerate(lines) if l.strip() == "Model answer:")
    except StopIteration:
        raise blocks.BlockError("needs the lines 'A strong answer covers:' and 'Model answer:'") from None
    if model < covers:
        raise blocks.BlockError("'A strong answer covers:' must come before 'Model answer:'")
    prompt = "\n".join([lines[0][2:]] + lines[1:covers]).strip()
    points = [l.strip()[2:].strip() for l in lines[covers + 1:model] if l.strip().startswith("- ")]
    if not points:
        raise blocks.BlockError("the self-check list after 'A strong answer covers:' is empty")
    answer = "\n".join(lines[model + 1:]).strip().replace("~~~", "```")
    if not answer:
        raise blocks.BlockError("the model answer is missing")
    return prompt, points, answer


@blocks.renderer("challenge")
def render(body: str, ctx: blocks.PageContext) -> str:
    prompt, points, answer = parse(body)
    number = ctx.next_number("challenge")
    cid = html.escape(f"{ctx.lesson_id or ctx.page_path.removesuffix('.md')}/c{number}")
    ctx.challenges.append(cid)
    checks = "".join(f'<li><label><input type="checkbox"> '
                     f'{md.markdown(p, extensions=_EXTENSIONS).removeprefix("<p>").removesuffix("</p>")}</label></li>'
                     for p in points)
    return (
        f'<div class="challenge" data-challenge-id="{cid}">'
        f'<div class="challenge-prompt">{md.markdown(prompt, extensions=_EXTENSIONS)}</div>'
        f'<label for="answer-{cid}">Your answer (saved in this browser)</label>'
        f'<textarea id="answer-{cid}" class="challenge-answer" rows="8"></textarea>'
        f'<p class="challenge-saved" aria-live="polite"></p>'
        f'<p>A strong answer covers:</p><ul class="challenge-checklist">{checks}</ul>'
        f'<details class="challenge-model"><summary>Show model answer</summary>'
        f'{md.markdown(answer, extensions=_EXTENSIONS)}</details></div>')
