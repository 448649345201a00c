"""Sphinx configuration of the course site (`make site`).

The sources are laid out by tools/course_site.py in build/site-src (README's
table as the front page, the committed notebooks with site tags); nothing is
executed. Maths is typeset by MathJax copied from the sphinx-mathjax-offline
package: the pages ask no other host for anything. Launch links come from
the address in pyproject's [project.urls] and are left out while it is unset.
"""

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import launch_links  # noqa: E402

project = "aegmm-lessons"
html_title = "aegmm-lessons: autoencoders and Gaussian mixtures"
html_show_copyright = False
html_show_sphinx = False

extensions = ["myst_nb"]
exclude_patterns = ["**.ipynb_checkpoints"]
# Pygments cannot lex the bullet Keras prints in a stored traceback; the traceback still shows, plain.
suppress_warnings = ["misc.highlighting_failure"]

# MathJax 3 from the sphinx-mathjax-offline package, copied into _static/mathjax at the end of
# the build. Its setup is done here rather than by listing it as an extension, because the
# package does not declare itself safe for parallel reading (it only copies files after the build).
_mathjax_offline = importlib.import_module("sphinx-mathjax-offline")
mathjax_path = "mathjax/tex-chtml.js"

# The stored outputs are the lesson: never execute.
nb_execution_mode = "off"
nb_merge_streams = True
# No ipywidgets JavaScript from a CDN: widget views are dropped by course_site.py
# (each widget has a static figure beside it).
nb_ipywidgets_js = {}
nb_code_prompt_show = "Show {type}"
nb_code_prompt_hide = "Hide {type}"
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "path_to_docs": "",
}

# Launch buttons (Binder; Colab for a GitHub repository) and a repository button, once
# pyproject's [project.urls] Repository is set; none while it is not.
html_theme_options.update(launch_links.theme_options(launch_links.repository_url()))


def setup(app):
    app.connect("build-finished", _mathjax_offline.copy_mathjax_files)
    # MathJax on every page, not only on pages with maths: lesson titles in the sidebar hold maths.
    app.set_html_assets_policy("always")
