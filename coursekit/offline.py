"""Writes the service worker (coursekit/sw.js) into the site root with a build id: a hash of
every file the worker serves cache-first (Pyodide, Ace, the pysim wheel, Material's hashed
bundle and styles). A build that changes any of them gets a new cache; one that changes only
pages keeps the learner's cached Python."""

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE_FIRST_DIRS = ("assets/pyodide", "assets/ace", "assets/wheels")


def build_id(site_dir: Path) -> str:
    digest = hashlib.sha256()
    files = [p for d in CACHE_FIRST_DIRS for p in (site_dir / d).rglob("*") if p.is_file()]
    files += list((site_dir / "assets" / "javascripts").glob("bundle.*.min.js"))
    files += list((site_dir / "assets" / "stylesheets").glob("*.min.css"))
    for path in sorted(files):
        digest.update(path.relative_to(site_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def write_service_worker(site_dir) -> str:
    site_dir = Path(site_dir)
    build = build_id(site_dir)
    text = (HERE / "sw.js").read_text(encoding="utf-8").replace("__BUILD__", build)
    (site_dir / "sw.js").write_text(text, encoding="utf-8")
    return build
