"""Static assets copied into the built site: self-hosted Pyodide, the Ace editor (only the
files the exercises use), the pysim wheel, and each exercise's check.py + exercise.toml,
with a small JSON index of exercises the browser reads."""

import json
import shutil
import tomllib
from pathlib import Path

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
ACE_FILES = ("ace.js", "mode-python.js", "theme-chrome.js", "theme-tomorrow_night.js")
WHEEL = "pysim-0.1.0-py3-none-any.whl"


class AssetError(RuntimeError):
    """A file the site needs is missing; the message says how to get it."""


def _copy(src: Path, dst: Path, hint: str) -> None:
    if not src.is_file():
        raise AssetError(f"missing {src} ({hint})")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.stat().st_size != src.stat().st_size or dst.stat().st_mtime < src.stat().st_mtime:
        shutil.copy2(src, dst)


def copy_into_site(root, site_dir) -> None:
    root, site_dir = Path(root), Path(site_dir)
    assets = site_dir / "assets"
    for name in PYODIDE_FILES:
        _copy(root / "node_modules" / "pyodide" / name, assets / "pyodide" / name, "run `make setup` (npm ci)")
    for name in ACE_FILES:
        _copy(root / "node_modules" / "ace-builds" / "src-min-noconflict" / name, assets / "ace" / name,
              "run `make setup` (npm ci)")
    _copy(root / "dist" / WHEEL, assets / "wheels" / WHEEL, "run `make wheel`")
    index = {"version": 1, "wheel": f"assets/wheels/{WHEEL}", "exercises": []}
    exercises_dir = root / "exercises"
    for folder in sorted(p for p in exercises_dir.iterdir() if p.is_dir()) if exercises_dir.is_dir() else []:
        meta = tomllib.loads((folder / "exercise.toml").read_text(encoding="utf-8"))
        for name in ("check.py", "exercise.toml"):
            _copy(folder / name, assets / "exercises" / folder.name / name, "every exercise folder needs it")
        index["exercises"].append({"id": folder.name, "title": meta["title"], "lesson": meta["lesson"],
                                   "timeout_s": meta.get("timeout_s", 10),
                                   "check": f"assets/exercises/{folder.name}/check.py"})
    (assets / "exercises").mkdir(parents=True, exist_ok=True)
    (assets / "exercises" / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True), encoding="utf-8")
