"""MkDocs hooks (see mkdocs.yml). Kept thin: the work lives in coursekit modules."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursekit import blocks, manifest, summary  # noqa: E402
# Importing a renderer module registers its ```kind block renderer.
from coursekit import quiz, challenge, exercise  # noqa: E402,F401
from coursekit import assets, offline  # noqa: E402

_course = manifest.Manifest()


def on_pre_build(config):
    _course.clear()


def on_page_markdown(markdown, page, config, files):
    path = page.file.src_uri
    lesson_id = Path(path).stem if path.startswith("lessons/") else None
    ctx = blocks.PageContext(page_path=path, lesson_id=lesson_id)
    html = blocks.render_blocks(markdown, ctx)
    if lesson_id:
        _course.add_lesson(lesson_id, page.title or lesson_id, page.url, ctx, words=summary.prose_words(markdown))
    return html


def on_post_page(output, page, config):
    # MkDocs reads every page's Markdown before it renders any template, so the manifest is
    # complete here: the home page's counts and minutes come from the lessons themselves.
    if 'data-course="' in output:
        return summary.fill(output, _course.to_dict()["lessons"])
    return output


def on_post_build(config):
    site_dir = Path(config["site_dir"])
    assets.copy_into_site(ROOT, site_dir)
    _course.write(site_dir / "assets" / "course-manifest.json")
    offline.write_service_worker(site_dir)
