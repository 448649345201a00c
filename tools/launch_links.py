"""The course's public address, and every launch link and badge made from it.

The address lives in one place, ``Repository`` under ``[project.urls]`` in
``pyproject.toml``. Binder and Colab links, README's badges, the site's launch
buttons and the Colab set-up cell's install command are all derived here, so
that whoever publishes the course (or a fork) sets it once. While it is not
set, every function that would need it returns None: nothing invents one.

Run as a script, it rewrites README's launch badges (between the
``<!-- launch-badges -->`` markers)::

    python tools/launch_links.py            # rewrite README.md
    python tools/launch_links.py --check    # exit 1 if README.md is out of date
"""

import argparse
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "README.md"
URL_KEY = "Repository"
# The branch Binder builds and Colab opens; the install command installs from it too.
BRANCH = "main"
FIRST_NOTEBOOK = "notebooks/00_concepts.ipynb"
BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"
BADGE_START, BADGE_END = "<!-- launch-badges -->", "<!-- /launch-badges -->"


def repository_url(pyproject=None):
    """The repository's public https address, or None while none is set.

    Parameters
    ----------
    pyproject : path-like, optional
        The ``pyproject.toml`` to read ``[project.urls] Repository`` from (default: the project's).

    Returns
    -------
    str or None
        The address without a trailing slash or ``.git``.

    Raises
    ------
    ValueError
        If the address is set but is not an ``https://host/owner/name`` address.
    """
    pyproject = PYPROJECT if pyproject is None else pyproject
    with open(pyproject, "rb") as file:
        urls = tomllib.load(file).get("project", {}).get("urls", {})
    url = urls.get(URL_KEY)
    if url is None:
        return None
    url = url.strip().rstrip("/").removesuffix(".git")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(parts.path.strip("/").split("/")) < 2:
        raise ValueError(
            f"[project.urls] {URL_KEY} in {pyproject} must be an https://host/owner/name address, got {url!r}"
        )
    return url


def github_repository(url):
    """``(owner, name)`` if ``url`` is a GitHub repository, else None (Colab opens GitHub only)."""
    parts = urlsplit(url)
    if parts.netloc.lower() != "github.com":
        return None
    owner, name = parts.path.strip("/").split("/")[:2]
    return owner, name


def binder_url(url, notebook=FIRST_NOTEBOOK):
    """A mybinder.org link that opens ``notebook`` (a path in the repository) in JupyterLab."""
    github = github_repository(url)
    if github:
        base = f"{BINDER}/v2/gh/{github[0]}/{github[1]}/{BRANCH}"
    else:
        base = f"{BINDER}/v2/git/{quote(url + '.git', safe='')}/{BRANCH}"
    return f"{base}?urlpath=lab/tree/{notebook}"


def colab_url(url, notebook=FIRST_NOTEBOOK):
    """A Colab link that opens ``notebook``, or None when the repository is not on GitHub."""
    github = github_repository(url)
    if github is None:
        return None
    return f"{COLAB}/github/{github[0]}/{github[1]}/blob/{BRANCH}/{notebook}"


def theme_options(url):
    """sphinx-book-theme options for the site's launch and repository buttons ({} when ``url`` is None).

    The buttons open ``notebooks/<lesson>.ipynb`` of the repository, the path the
    site's sources keep (``path_to_docs`` is the repository's root).
    """
    if url is None:
        return {}
    launch = {"binderhub_url": BINDER, "notebook_interface": "jupyterlab"}
    if github_repository(url):
        launch["colab_url"] = COLAB
    return {
        "repository_url": url,
        "repository_branch": BRANCH,
        "path_to_docs": "",
        "use_repository_button": True,
        "launch_buttons": launch,
    }


def pip_requirement(url):
    """What ``pip install`` takes to install the course package from the repository."""
    return f"aegmm-lessons @ git+{url}.git@{BRANCH}"


def badges(url):
    """README's Markdown badges for ``url`` (an empty string when ``url`` is None)."""
    if url is None:
        return ""
    lines = [f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(url)})"]
    colab = colab_url(url)
    if colab:
        lines.append(f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})")
    return " ".join(lines)


def with_badges(readme_text, url):
    """``readme_text`` with the text between the badge markers replaced by :func:`badges`.

    Raises
    ------
    ValueError
        If the text does not hold the two markers, in order.
    """
    pattern = re.compile(re.escape(BADGE_START) + r".*?" + re.escape(BADGE_END), re.DOTALL)
    if not pattern.search(readme_text):
        raise ValueError(f"README has no {BADGE_START} ... {BADGE_END} markers")
    block = badges(url)
    inner = f"\n{block}\n" if block else ""
    return pattern.sub(lambda _: f"{BADGE_START}{inner}{BADGE_END}", readme_text, count=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README's badges are out of date")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = with_badges(text, repository_url())
    if args.check:
        if new != text:
            print("README.md: launch badges out of date; run python tools/launch_links.py")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: launch badges rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
