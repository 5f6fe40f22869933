"""The course manifest: which lessons exist and what completes each (its quiz questions
and core exercises; its extra exercises beside them). Written at build time; progress.js reads it on every page, so the home
page can show progress for lessons it does not contain."""

import json
from pathlib import Path


class Manifest:
    def __init__(self):
        self.lessons: dict[str, dict] = {}

    def clear(self) -> None:
        self.lessons.clear()

    def add_lesson(self, lesson_id: str, title: str, url: str, ctx, words: int = 0) -> None:
        core = [e for e, is_core in zip(ctx.exercises, ctx.core_exercises) if is_core]
        self.lessons[lesson_id] = {
            "id": lesson_id,
            "title": title,
            "url": url,
            "quizzes": list(ctx.quizzes),
            "exercises": list(ctx.exercises),
            # A lesson is completed by its concept checks and its core exercises; extra
            # exercises are shown and counted but optional.
            "core_exercises": core,
            "extra_exercises": [e for e in ctx.exercises if e not in core],
            "words": words,
            "challenges": list(ctx.challenges),
        }

    def to_dict(self) -> dict:
        return {"version": 1, "lessons": [self.lessons[k] for k in sorted(self.lessons)]}

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
