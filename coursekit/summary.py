"""The course's size, computed at build time from the lessons themselves (never typed): how
many lessons, concept checks and runnable exercises (core and extra), and how long the core
path takes. The home page's header and its course map's Time column are filled from here
(hooks.on_post_page), so adding a quiz or an exercise updates them.

Minutes are estimates from fixed rates, stated here so a reader can check them:
reading at WORDS_PER_MINUTE (technical prose; code in the text counts as words), one minute
per concept check, DESIGN_CHALLENGE_MIN per design challenge (read it, sketch an answer,
compare with the model answer) and EXERCISE_MIN per runnable exercise."""

import html
import math
import re

WORDS_PER_MINUTE = 200
QUIZ_MIN = 1
DESIGN_CHALLENGE_MIN = 2
EXERCISE_MIN = 10

_BLOCK = re.compile(r"^(`{3,})(quiz|challenge|exercise)[ \t]*\n.*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_WORD = re.compile(r"[A-Za-z0-9_'’.-]*[A-Za-z0-9]")


def prose_words(markdown: str) -> int:
    """Words a learner reads in a lesson's Markdown, outside its quiz, challenge and exercise
    blocks (timed separately), inline SVG figures, HTML tags and comments."""
    text = _BLOCK.sub(" ", markdown)
    text = re.sub(r"<svg\b.*?</svg>", " ", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    return len(_WORD.findall(text))


def lesson_minutes(lesson: dict) -> dict:
    """{'core': minutes of the lesson's core path, 'extra': minutes of its extra exercises}."""
    core = (math.ceil(lesson.get("words", 0) / WORDS_PER_MINUTE) + QUIZ_MIN * len(lesson["quizzes"])
            + DESIGN_CHALLENGE_MIN * len(lesson["challenges"]) + EXERCISE_MIN * len(lesson["core_exercises"]))
    return {"core": core, "extra": EXERCISE_MIN * len(lesson["extra_exercises"])}


def totals(lessons: list[dict]) -> dict:
    minutes = [lesson_minutes(lesson) for lesson in lessons]
    core = sum(len(lesson["core_exercises"]) for lesson in lessons)
    extra = sum(len(lesson["extra_exercises"]) for lesson in lessons)
    return {"lessons": len(lessons), "quizzes": sum(len(lesson["quizzes"]) for lesson in lessons),
            "exercises": core + extra, "core_exercises": core, "extra_exercises": extra,
            "core_minutes": sum(m["core"] for m in minutes), "extra_minutes": sum(m["extra"] for m in minutes)}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def header_text(lessons: list[dict]) -> str:
    t = totals(lessons)
    parts = [_plural(t["lessons"], "lesson"), _plural(t["quizzes"], "concept check"),
             f'{_plural(t["exercises"], "runnable exercise")} ({t["core_exercises"]} core, {t["extra_exercises"]} extra)',
             f'~{t["core_minutes"]} min core path']
    text = " · ".join(parts)
    if t["extra_minutes"]:
        text += f' (+{t["extra_minutes"]} min of extra exercises)'
    return text


def lesson_time_text(lesson: dict) -> str:
    m = lesson_minutes(lesson)
    return f'{m["core"]} min' + (f' (+{m["extra"]} extra)' if m["extra"] else "")


_PLACEHOLDER = re.compile(r'<span data-course="(?P<what>summary|minutes)"(?: data-lesson="(?P<lesson>[^"]+)")?></span>')


def fill(page_html: str, lessons: list[dict]) -> str:
    """Replace the home page's placeholders: <span data-course="summary"></span> and
    <span data-course="minutes" data-lesson="<id>"></span>. An unknown lesson id fails the build."""
    by_id = {lesson["id"]: lesson for lesson in lessons}

    def replace(match: re.Match) -> str:
        if match["what"] == "summary":
            return f'<span data-course="summary">{html.escape(header_text(lessons))}</span>'
        lesson = by_id.get(match["lesson"])
        if lesson is None:
            raise ValueError(f"data-course=minutes names lesson {match['lesson']!r}, which is not in docs/lessons/")
        return f'<span data-course="minutes" data-lesson="{html.escape(lesson["id"])}">{html.escape(lesson_time_text(lesson))}</span>'

    return _PLACEHOLDER.sub(replace, page_html)
