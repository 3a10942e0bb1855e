"""The documentation site renders in a browser: it is served on 127.0.0.1 and loaded in
headless Chromium (Debian's `chromium` package), and the DOM the browser ends with has the
page's title, its headings and code blocks, and the copy buttons that the theme's scripts
add (so the scripts loaded and ran).

`scripts/test-docs.sh` builds the site and passes its folder in `DOCS_SITE_DIR`; without it
the site is built here, into a temporary folder, with `mkdocs build --strict`.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROWSER_TIMEOUT = 120  # seconds for one page load; a page here loads in about one


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site's folder."""
    given = os.environ.get("DOCS_SITE_DIR")
    if given:
        folder = Path(given)
    else:
        folder = tmp_path_factory.mktemp("site")
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(folder)],
            cwd=ROOT,
            check=True,
        )
    assert (folder / "index.html").is_file(), f"no built site in {folder}"
    return folder


# A page of the test's own, served beside the site: it loads a page of the site in a frame
# and, once the frame has loaded, writes what became of each of its images (the address,
# whether it finished loading, its natural width: 0 for a broken image) into an attribute of
# its body, which the DOM dump then shows.
IMAGE_CHECK_PATH = "/__image-check.html"
IMAGE_CHECK_PAGE = """<!doctype html><html><body>
<iframe id="page" width="1280" height="900"></iframe>
<script>
const frame = document.getElementById("page");
frame.onload = () => {
  const images = [...frame.contentDocument.images].map(
    (image) => [image.getAttribute("src"), image.complete, image.naturalWidth]);
  document.body.setAttribute("data-images", JSON.stringify(images));
};
frame.src = new URLSearchParams(location.search).get("page");
</script></body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keeps the test output free of one line per request."""

    def do_GET(self) -> None:
        """The site's files, and the image check page at ``IMAGE_CHECK_PATH``."""
        if self.path.split("?")[0] != IMAGE_CHECK_PATH:
            super().do_GET()
            return
        body = IMAGE_CHECK_PAGE.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """The site served over HTTP on a free port of 127.0.0.1, for the session."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The headless browser's command line, up to the action and the URL."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed (apt-get install chromium)"
    profile = tmp_path_factory.mktemp("chromium-profile")
    return [
        binary,
        "--headless",
        "--no-sandbox",  # needed when running as root, as CI does
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        # Let the page's scripts run to completion before the DOM is taken.
        "--virtual-time-budget=10000",
    ]


def rendered(chromium: list[str], url: str) -> str:
    """The DOM of `url` after the browser loaded it and ran its scripts."""
    done = subprocess.run(
        [*chromium, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"chromium failed on {url}: {done.stderr[-2000:]}"
    assert "<html" in done.stdout, f"chromium returned no page for {url}"
    return done.stdout


def text_of(html: str) -> str:
    """The text of an HTML fragment, tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def check_rendered_page(dom: str, title: str) -> None:
    """The checks every page passes: title, heading, code blocks, the theme's scripts ran."""
    # The home page's title is the site name; every other page's is "Page - site name".
    assert re.search(rf"<title>({re.escape(title)} - )?hyperparameter</title>", dom)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", dom, re.DOTALL)
    assert heading and title in text_of(heading.group(1)), "the page has no title heading"
    assert re.search(r'<div class="[^"]*highlight[^"]*"><pre', dom), "no highlighted code block"
    assert "<code" in dom
    # The theme's JavaScript replaces `no-js` and adds a copy button to each code block.
    assert 'class="no-js"' not in dom, "the theme's scripts did not run"
    assert "md-code__button" in dom or "md-clipboard" in dom, "no copy button on code blocks"


def test_home_page_renders(chromium: list[str], base_url: str) -> None:
    dom = rendered(chromium, base_url)
    check_rendered_page(dom, "hyperparameter")
    text = text_of(dom)
    assert "A 30-second tour" in text
    assert "import hyperparameter as hp" in text
    assert 'href="guarantees/"' in dom and 'href="api/"' in dom


def test_api_page_renders_the_documented_functions(chromium: list[str], base_url: str) -> None:
    dom = rendered(chromium, base_url + "api/cli/")
    check_rendered_page(dom, "Command line")
    assert 'id="hyperparameter.cli.launch"' in dom
    text = text_of(dom)
    # The signature and the docstring come from the source, by static analysis.
    assert re.search(r"launch \( func .* argv .* prog", text), "no signature of launch"
    assert "Parses the command line" in text


def test_config_api_page_documents_config(chromium: list[str], base_url: str) -> None:
    dom = rendered(chromium, base_url + "api/config/")
    check_rendered_page(dom, "Configuration")
    assert 'id="hyperparameter.config"' in dom
    assert 'id="hyperparameter.Config"' in dom
    assert "Loads and merges configuration files" in text_of(dom)


def test_screenshot_of_the_home_page(chromium: list[str], base_url: str, tmp_path: Path) -> None:
    """A screenshot is a non-trivial PNG of the requested size (a blank page compresses to
    almost nothing)."""
    shot = tmp_path / "home.png"
    done = subprocess.run(
        [*chromium, f"--screenshot={shot}", "--window-size=1280,900", base_url],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 20_000, f"the screenshot is nearly blank ({len(data)} bytes)"
    target = os.environ.get("DOCS_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)


def test_file_fences_and_table_pipes_render(site: Path) -> None:
    """The guides' ```` ```toml file=NAME ```` fences are code blocks titled NAME, and
    `\\|` inside a table's code span shows as `|` (docs/hooks/markdown_compat.py)."""
    config_page = (site / "config" / "index.html").read_text(encoding="utf-8")
    assert '<span class="filename">base.toml</span>' in config_page
    assert "file=base.toml" not in config_page
    guarantees = (site / "guarantees" / "index.html").read_text(encoding="utf-8")
    assert "<code>hp.scope.a.b | d</code>" in guarantees
    assert "\\|" not in text_of(guarantees)


def test_rust_api_link_has_the_crate_docs_when_built(site: Path) -> None:
    """With `cargo doc` output in the site (DOCS_WITH_RUST=1), the Rust API page's link
    reaches the crate's page."""
    page = (site / "rust-api" / "index.html").read_text(encoding="utf-8")
    assert 'href="../rust/hyperparameter/index.html"' in page
    crate = site / "rust" / "hyperparameter" / "index.html"
    if not crate.is_file():
        pytest.skip("the site was built without cargo doc output")
    assert "Crate hyperparameter" in crate.read_text(encoding="utf-8")


def test_performance_page_shows_the_benchmark_chart(chromium: list[str], base_url: str) -> None:
    """The chart is an image of the performance page that the browser loads and decodes."""
    dom = rendered(chromium, base_url + "performance/")
    check_rendered_page(dom, "Performance")
    assert re.search(r'<img[^>]+src="[^"]*images/benchmarks\.png"', dom), "no chart on the page"
    checked = rendered(chromium, f"{base_url}{IMAGE_CHECK_PATH[1:]}?page=/performance/")
    found = re.search(r'data-images="([^"]*)"', checked)
    assert found, "the check page did not report the performance page's images"
    images = json.loads(html.unescape(found.group(1)))
    chart = [image for image in images if image[0].endswith("images/benchmarks.png")]
    assert chart, f"no chart among the loaded images: {images}"
    for src, complete, width in chart:
        assert complete and width > 0, f"the chart {src} did not load ({images})"


# What no page of the site may say: the project's documents state their rules in their own
# words. `SPEC` as a word in capitals (a "spec" of TOML is fine), the section sign, and
# "seeds" (the word; "seed", of the key hash, is fine).
FORBIDDEN = re.compile(r"\bSPEC\b|§|\b[Ss]eeds\b")


def page_text(page: Path) -> str:
    """The visible text of a built page: scripts, styles and tags removed."""
    source = page.read_text(encoding="utf-8")
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.DOTALL)
    return html.unescape(text_of(source))


def test_no_built_page_mentions_an_outside_contract(site: Path) -> None:
    """Every built page (the guides, the API reference generated from the docstrings, the
    search index), but not the `cargo doc` output copied under rust/, which has its own
    checks in the crates."""
    pages = [p for p in site.rglob("*.html") if "rust" not in p.relative_to(site).parts[:1]]
    assert len(pages) >= 10
    found = []
    for page in pages:
        for match in FORBIDDEN.finditer(page_text(page)):
            found.append(f"{page.relative_to(site)}: {match.group(0)!r}")
    index = site / "search" / "search_index.json"
    if index.is_file():
        found += [f"search index: {m.group(0)!r}" for m in FORBIDDEN.finditer(index.read_text())]
    assert not found, "\n".join(found)


def test_every_page_footer_names_the_version(site: Path) -> None:
    """The footer shows the workspace version (docs/hooks/version.py)."""
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    version = re.search(r'\[workspace\.package\]\nversion = "([^"]+)"', cargo)
    assert version, "no [workspace.package] version in Cargo.toml"
    for page in ("index.html", "packaging/index.html", "api/scope/index.html"):
        footer = re.search(r"<footer.*?</footer>", (site / page).read_text(encoding="utf-8"), re.S)
        assert footer and f"hyperparameter {version.group(1)}" in text_of(footer.group(0)), page
