"""What a reader of the course site sees, in a real browser.

The site built by ``make site`` (``build/site``, or ``AEGMM_SITE_DIR``) is
served on 127.0.0.1 and opened in headless Chromium. On every lesson page:
the maths is typeset (each formula became MathJax output, no MathJax error,
no raw ``$$`` in the text), every image loads, every solution cell's input is
collapsed, no widget shows as its text repr, the page asks no other host for
anything, and no script fails. Searching for "ELBO" finds lesson 04.
Screenshots of each page's top and of its first folded solution, of the
front page and of the search go to ``artifacts/screenshots/site-*.png``.
"""

import functools
import http.server
import json
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from course_notebooks import is_solution  # noqa: E402

SITE_DIR = Path(os.environ.get("AEGMM_SITE_DIR", ROOT / "build" / "site"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
PAGE_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 1000}

JS_TYPESET = """async () => {
  await window.MathJax.startup.promise;
  const formulas = [...document.querySelectorAll('main .math')];
  return {
    formulas: formulas.length,
    untypeset: formulas.filter(f => !f.querySelector('mjx-container')).map(f => f.textContent.slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
  };
}"""

JS_IMAGES = """async () => {
  const images = [...document.querySelectorAll('main img')];
  const loaded = await Promise.all(images.map(img => {
    img.loading = 'eager';
    return img.decode().then(() => img.naturalWidth > 0, () => false);
  }));
  return images.map((img, i) => ({src: img.getAttribute('src'), loaded: loaded[i]}));
}"""

JS_HIDDEN_INPUTS = """() => [...document.querySelectorAll('main div.cell.tag_hide-input')].map(cell => {
  const details = cell.querySelector('details.hide');
  const code = cell.querySelector('.cell_input pre');
  return {
    collapsed: !!details && !details.open,
    codeVisible: !!code && code.checkVisibility(),
  };
})"""


def _unavailable(reason):
    if os.environ.get("AEGMM_BROWSER_TESTS") == "required":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def site_url():
    if not (SITE_DIR / "index.html").exists():
        _unavailable(f"no built site in {SITE_DIR} (run make site first)")
    handler = functools.partial(_QuietHandler, directory=str(SITE_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def site_page(browser, site_url):
    """A fresh page whose requests to any host but the site's are refused and recorded."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.outside_requests, page.script_errors = [], []
    site_host = urlsplit(site_url).netloc

    def route(route_):
        url = route_.request.url
        if urlsplit(url).netloc == site_host or url.startswith(("data:", "blob:")):
            route_.continue_()
        else:
            page.outside_requests.append(url)
            route_.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def _solution_count(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(is_solution(nb, i) for i in range(len(nb["cells"])))


def test_there_are_lesson_pages():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_page_reads_as_the_notebook(path, site_page, site_url, screenshot_dir):
    page = site_page
    page.goto(f"{site_url}/notebooks/{path.stem}.html", wait_until="load")
    heading = page.locator("main h1").first.inner_text()
    first_line = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
    title = ("".join(first_line) if isinstance(first_line, list) else first_line).splitlines()[0]
    # The page's title is the notebook's (compared up to any maths, which MathJax typesets).
    assert heading.strip().startswith(title.lstrip("# ").split("$")[0].strip())

    maths = page.evaluate(JS_TYPESET)
    assert maths["formulas"] > 0, "no formula on the page: the Markdown maths was not parsed"
    assert not maths["untypeset"], f"formulas MathJax did not typeset: {maths['untypeset'][:5]}"
    assert not maths["errors"], f"MathJax errors: {maths['errors'][:5]}"
    text = page.locator("main").inner_text()
    assert "$$" not in text, "raw $$ visible on the page"
    sidebar = page.locator("nav.bd-docs-nav").inner_text()
    assert "\\(" not in sidebar, f"raw maths in the sidebar: {sidebar[:300]}"

    images = page.evaluate(JS_IMAGES)
    assert images, "no figure on the page"
    broken = [image["src"] for image in images if not image["loaded"]]
    assert not broken, f"images that do not load: {broken}"

    hidden = page.evaluate(JS_HIDDEN_INPUTS)
    assert len(hidden) == _solution_count(path), "not every solution cell (and nothing else) is folded"
    assert all(h["collapsed"] and not h["codeVisible"] for h in hidden), f"solutions shown open: {hidden}"

    for widget_repr in ("VBox(children=", "interactive(children=", "HBox(children="):
        assert widget_repr not in text, f"a widget shows as its text repr {widget_repr}...)"
    page.screenshot(path=str(screenshot_dir / f"site-{path.stem}.png"))
    solutions = page.locator("main div.cell.tag_hide-input")
    if solutions.count():
        solutions.first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / f"site-{path.stem}-solutions.png"))
    assert not page.outside_requests, f"the page asked other hosts: {page.outside_requests[:5]}"
    assert not page.script_errors, f"script errors: {page.script_errors[:5]}"


def test_search_for_elbo_finds_lesson_04(site_page, site_url, screenshot_dir):
    page = site_page
    page.goto(f"{site_url}/search.html?q=ELBO", wait_until="load")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for()
    targets = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any("04_vae_derivation" in target for target in targets), f"search results: {targets}"
    page.evaluate("() => window.MathJax.startup.promise")
    sidebar = page.locator("nav.bd-docs-nav").inner_text()
    assert "\\(" not in sidebar, f"raw maths in the sidebar: {sidebar[:300]}"
    page.screenshot(path=str(screenshot_dir / "site-search-ELBO.png"))
    assert not page.outside_requests, f"the search page asked other hosts: {page.outside_requests[:5]}"
    assert not page.script_errors, f"script errors: {page.script_errors[:5]}"


def test_index_links_every_lesson(site_page, site_url, screenshot_dir):
    page = site_page
    page.goto(f"{site_url}/index.html", wait_until="load")
    links = page.locator("main table a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [f"notebooks/{path.stem}.html" for path in NOTEBOOKS]
    page.screenshot(path=str(screenshot_dir / "site-index.png"))
    assert not page.outside_requests, f"the front page asked other hosts: {page.outside_requests[:5]}"
