"""The course site's sources (tools/course_site.py) and the launch links (tools/launch_links.py).

The site itself is built by `make site` and checked in a browser by
tests/browser/test_site.py; these tests need neither Sphinx nor a network.
"""

import copy
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import course_site  # noqa: E402
import launch_links  # noqa: E402
from course_notebooks import COLAB_TAG, is_solution  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
GITHUB = "https://github.com/course-owner/aegmm-lessons"


def lesson():
    """A small lesson: set-up, a widget with its static figure, an exercise, two solutions (one untagged)."""
    nb = nbformat.v4.new_notebook()
    colab = nbformat.v4.new_code_cell("import sys", metadata={"tags": [COLAB_TAG]})
    widget = nbformat.v4.new_code_cell("widgets.em_steps_widget(X)")
    widget.outputs = [
        nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo="}),
        nbformat.v4.new_output(
            "execute_result",
            {WIDGET_VIEW: {"model_id": "abc"}, "text/plain": "VBox(children=(...))"},
            execution_count=2,
        ),
    ]
    exercise = nbformat.v4.new_code_cell("answer = None\n_ = check(answer)", metadata={"tags": ["exercise"]})
    tagged = nbformat.v4.new_code_cell("answer = 3", metadata={"tags": ["solution"]})
    untagged = nbformat.v4.new_code_cell("answer = 4", metadata={"jupyter": {"source_hidden": True}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 09 · A lesson\n\nSome $x$."),
        colab,
        widget,
        nbformat.v4.new_markdown_cell("## Exercises"),
        exercise,
        nbformat.v4.new_markdown_cell("## Solutions"),
        tagged,
        untagged,
    ]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"abc": {}}}}
    return nb


def tags(cell):
    return cell.metadata.get("tags", [])


def test_solutions_get_hide_input_tagged_or_not():
    site = course_site.site_notebook(lesson())
    assert [("hide-input" in tags(c)) for c in site.cells] == [False] * 6 + [True, True]


def test_colab_setup_cell_is_left_off_the_page():
    site = course_site.site_notebook(lesson())
    assert "remove-cell" in tags(site.cells[1])
    assert "hide-input" not in tags(site.cells[1])


def test_widget_views_and_widget_state_are_dropped_and_the_static_figure_stays():
    site = course_site.site_notebook(lesson())
    outputs = site.cells[2].outputs
    assert [list(o["data"]) for o in outputs] == [["image/png"]]
    assert "widgets" not in site.metadata
    nbformat.validate(site)


def test_site_notebook_leaves_the_committed_notebook_alone():
    nb = lesson()
    before = copy.deepcopy(nb)
    course_site.site_notebook(nb)
    assert nb == before


def test_a_hidden_code_cell_outside_solutions_is_not_a_solution():
    nb = lesson()
    nb.cells.insert(3, nbformat.v4.new_code_cell("plot()", metadata={"jupyter": {"source_hidden": True}}))
    assert not is_solution(nb, 3)
    assert "hide-input" not in tags(course_site.site_notebook(nb).cells[3])


README = """# aegmm-lessons

A course.

Second paragraph.

## Quick start

make lab

## Notebooks

<!-- notebook-table -->
| notebook | learning goals |
| --- | --- |
| [00 concepts](notebooks/00_concepts.ipynb) | what |
| [01 EM](notebooks/01_em.ipynb) | how |

Run times are written here by make bench.
<!-- /notebook-table -->
"""


def test_index_page_has_readmes_introduction_table_and_a_toctree_in_order():
    page = course_site.index_page(README, ["00_concepts.ipynb", "01_em.ipynb"])
    assert "A course.\n\nSecond paragraph." in page
    assert "make lab\n\n|" not in page and "Run times are written" not in page
    assert "| [01 EM](notebooks/01_em.ipynb) | how |" in page
    assert page.index("notebooks/00_concepts\nnotebooks/01_em") > page.index("{toctree}")


def test_index_page_refuses_a_table_that_misses_a_lesson():
    with pytest.raises(ValueError, match=r"02_new\.ipynb"):
        course_site.index_page(README, ["00_concepts.ipynb", "01_em.ipynb", "02_new.ipynb"])


def test_index_page_refuses_a_readme_without_its_table():
    with pytest.raises(ValueError, match="notebook-table"):
        course_site.index_page("# x\n\nno table\n", ["00_concepts.ipynb"])


def test_readme_table_links_every_lesson():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    course_site.index_page(readme, [p.name for p in NOTEBOOKS])


def test_prepare_writes_every_lesson_and_only_rewrites_what_changed(tmp_path):
    out = tmp_path / "site-src"
    written = course_site.prepare(out)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    assert (out / "index.md").exists()
    stamps = {p: p.stat().st_mtime_ns for p in written}
    (out / "notebooks" / "99_gone.ipynb").write_text("{}")
    course_site.prepare(out)
    assert {p: p.stat().st_mtime_ns for p in written} == stamps
    assert not (out / "notebooks" / "99_gone.ipynb").exists()


def pyproject_with(tmp_path, url_line):
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[project]\nname = 'x'\ndependencies = []\n\n[project.urls]\n{url_line}\n")
    return path


def test_no_address_means_no_links(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n")
    assert launch_links.repository_url(path) is None
    assert launch_links.badges(None) == ""
    assert launch_links.theme_options(None) == {}


def test_the_projects_address_is_unset_and_nothing_invents_one():
    url = launch_links.repository_url()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if url is None:
        assert "mybinder.org/v2" not in readme and "colab.research.google.com/github" not in readme
    assert launch_links.with_badges(readme, url) == readme, "run python tools/launch_links.py"


def test_github_address_gives_binder_colab_and_install_links(tmp_path):
    url = launch_links.repository_url(pyproject_with(tmp_path, f'Repository = "{GITHUB}.git/"'))
    assert url == GITHUB
    assert launch_links.binder_url(url, "notebooks/04_vae_derivation.ipynb") == (
        "https://mybinder.org/v2/gh/course-owner/aegmm-lessons/main?urlpath=lab/tree/notebooks/04_vae_derivation.ipynb"
    )
    assert launch_links.colab_url(url, "notebooks/04_vae_derivation.ipynb") == (
        "https://colab.research.google.com/github/course-owner/aegmm-lessons/blob/main/notebooks/04_vae_derivation.ipynb"
    )
    assert launch_links.pip_requirement(url) == f"aegmm-lessons @ git+{GITHUB}.git@main"
    options = launch_links.theme_options(url)
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert options["repository_url"] == GITHUB and options["path_to_docs"] == ""


def test_other_hosts_get_binder_but_no_colab(tmp_path):
    url = launch_links.repository_url(pyproject_with(tmp_path, 'Repository = "https://gitlab.example.org/a/b"'))
    assert launch_links.colab_url(url) is None
    assert launch_links.binder_url(url).startswith(
        "https://mybinder.org/v2/git/https%3A%2F%2Fgitlab.example.org%2Fa%2Fb.git/main?urlpath=lab/tree/"
    )
    assert "colab_url" not in launch_links.theme_options(url)["launch_buttons"]
    assert "Colab" not in launch_links.badges(url)


@pytest.mark.parametrize("bad", ["http://github.com/a/b", "github.com/a/b", "https://github.com/onlyowner"])
def test_an_address_that_is_not_a_repository_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="https://host/owner/name"):
        launch_links.repository_url(pyproject_with(tmp_path, f'Repository = "{bad}"'))


def test_badges_go_between_the_markers_and_are_removed_when_the_address_goes():
    readme = "# t\n\n<!-- launch-badges --><!-- /launch-badges -->\n\nrest\n"
    with_links = launch_links.with_badges(readme, GITHUB)
    assert "](https://mybinder.org/v2/gh/course-owner/aegmm-lessons/main?urlpath=lab/tree/notebooks/00_concepts" in (
        with_links
    )
    assert "colab.research.google.com/github/course-owner" in with_links
    assert launch_links.with_badges(with_links, GITHUB) == with_links
    assert launch_links.with_badges(with_links, None) == readme


def test_badges_need_their_markers():
    with pytest.raises(ValueError, match="launch-badges"):
        launch_links.with_badges("# no markers\n", GITHUB)
