"""A non-editable install (`pip install .`) carries the page, its static files and the docs' assets, and serves
them: nothing is read from the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.client.conftest import ROOT, LiveServer


def get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET."""
    with urllib.request.urlopen(url, timeout=30) as res:
        return res.status, res.read()


def test_an_installed_copy_serves_the_page(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: pip builds in the tree it is given (build/, *.egg-info)
    patterns = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache",
                                      "test-artifacts", ".hypothesis")

    def ignore(folder: str, names: list[str]) -> set[str]:  # the server's data/ at the top, not engine/data/
        return set(patterns(folder, names)) | ({"data"} if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, source, ignore=ignore)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--target", str(site), str(source)], check=True, cwd=tmp_path, capture_output=True)
    shutil.rmtree(source)  # nothing can be read from it now
    packages = [p.parent.relative_to(ROOT) for top in ("app", "engine", "descent") for p in (ROOT / top).rglob(
        "__init__.py")]
    missing = [str(p) for p in packages if not (site / p / "__init__.py").is_file()]
    assert missing == [], f"packages left out of the wheel (pyproject.toml [tool.setuptools] packages): {missing}"
    for part in ("app/templates/index.html", "app/static/js/main.js", "app/static/css/app.css",
                 "app/static/js/charts", "app/docs.py", "descent/client.py", "engine/run.py"):
        assert (site / part).exists(), part
    env = {"PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import app, descent, engine; print(app.__file__, descent.__file__)"],
                           env={**env, "PATH": ""}, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert all(path.startswith(str(site)) for path in where.stdout.split()), where.stdout

    server = LiveServer(env=env, cwd=tmp_path)
    try:
        status, page = get(server.url + "/")
        assert status == 200 and b'<script type="module" src="/static/js/main.js' in page
        for path in ("/static/js/main.js", "/static/css/app.css", "/vendor/plotly.min.js",
                     "/docs/assets/swagger-ui-bundle.js", "/docs"):
            status, body = get(server.url + path)
            assert status == 200 and len(body) > 500, path
    finally:
        server.stop()
