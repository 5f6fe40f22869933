"""Finds the course's own fenced blocks in a page's Markdown (```quiz, ```challenge,
```exercise) and replaces each with the HTML its renderer returns, before MkDocs turns
the rest of the Markdown into HTML. Contributors write Markdown; this writes the HTML."""

import re
from dataclasses import dataclass, field
from typing import Callable

# A fence at the start of a line: three or more backticks, then the block kind.
_FENCE = re.compile(r"^(?P<ticks>`{3,})(?P<kind>quiz|challenge|exercise)[ \t]*\n(?P<body>.*?)^(?P=ticks)[ \t]*$",
                    re.MULTILINE | re.DOTALL)


class BlockError(ValueError):
    """A course block is malformed. The build stops with the page and the reason."""


@dataclass
class PageContext:
    """What renderers know about the page, and what they report back for the manifest."""
    page_path: str                 # e.g. "lessons/1-queue-vs-kafka.md"
    lesson_id: str | None          # e.g. "1-queue-vs-kafka" for pages under lessons/, else None
    counters: dict = field(default_factory=dict)
    quizzes: list = field(default_factory=list)      # question ids in page order
    exercises: list = field(default_factory=list)    # exercise ids in page order
    core_exercises: list = field(default_factory=list)  # parallel to exercises: True if core
    challenges: list = field(default_factory=list)   # challenge ids in page order

    def next_number(self, kind: str) -> int:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.counters[kind]


Renderer = Callable[[str, PageContext], str]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str):
    """Register the function that turns one ```kind block body into HTML."""
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn
    return register


def render_blocks(markdown: str, ctx: PageContext) -> str:
    def replace(match: re.Match) -> str:
        kind = match["kind"]
        fn = RENDERERS.get(kind)
        if fn is None:
            raise BlockError(f"{ctx.page_path}: no renderer for ```{kind} blocks")
        try:
            html = fn(match["body"], ctx)
        except BlockError as exc:
            line = markdown.count("\n", 0, match.start()) + 1
            raise BlockError(f"{ctx.page_path}:{line}: ```{kind} block: {exc}") from None
        return "\n" + html.strip() + "\n"

    return _FENCE.sub(replace, markdown)
