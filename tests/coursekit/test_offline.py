"""The service worker's build id: a new id (so a fresh cache) exactly when a file it serves
cache first changes; pages and the course's own scripts, served network first, do not count."""
from coursekit import offline


def site(tmp_path):
    for rel, text in {"assets/pyodide/pyodide.mjs": "p", "assets/ace/ace.js": "a", "assets/wheels/pysim.whl": "w",
                      "assets/javascripts/bundle.0123abcd.min.js": "b", "index.html": "home",
                      "javascripts/exercise.js": "e"}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_build_id_follows_cache_first_files_only(tmp_path):
    root = site(tmp_path)
    first = offline.build_id(root)
    (root / "index.html").write_text("home, edited")
    (root / "javascripts" / "exercise.js").write_text("e2")
    assert offline.build_id(root) == first
    (root / "assets" / "wheels" / "pysim.whl").write_text("w2")
    assert offline.build_id(root) != first


def test_written_worker_carries_the_id(tmp_path):
    root = site(tmp_path)
    build = offline.write_service_worker(root)
    text = (root / "sw.js").read_text()
    assert f'const BUILD = "{build}";' in text and "__BUILD__" not in text
