"""tools/run_times.py: the schedule and the measured figures, written into README's table and the headers."""

import nbformat
import pytest

from tools import run_times

README = """# Course

<!-- notebook-table -->
| notebook | learning goals | run time (2 cores) | kernel peak memory |
| --- | --- | --- | --- |
| [00 one](notebooks/00_one.ipynb) | first goals | 15 s | 0.74 GB |
| [01 two](notebooks/01_two.ipynb) | second goals | 8 s | 0.20 GB |
<!-- /notebook-table -->

After the table.
"""
MARKERS = "<!-- run-time -->old<!-- /run-time -->"


@pytest.fixture
def course(tmp_path):
    (tmp_path / "notebooks").mkdir()
    headers = {"00_one": f"# One\n\n**Teaching:** 25 min · **Exercises:** 30 min · **Run time:** {MARKERS}\n",
               "01_two": f"# Two\n\n**Expected run time:** {MARKERS}.\n"}
    for name, header in headers.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(header), nbformat.v4.new_code_cell("1")])
        nbformat.write(nb, str(tmp_path / "notebooks" / f"{name}.ipynb"))
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    return tmp_path


def _header(path):
    return nbformat.read(str(path), as_version=4).cells[0].source


def test_schedule_is_read_from_the_header_line_and_missing_shows_a_dash():
    assert run_times.read_schedule("**Teaching:** 25 min · **Exercises:** 30 min · **Run time:** x") == ("25", "30")
    assert run_times.read_schedule("**Expected run time:** about 10 s") == ("–", "–")


def test_rewrite_adds_the_schedule_columns_and_brings_headers_in_line_with_readme(course):
    unmarked = run_times.write_run_times({}, readme=course / "README.md", notebook_dir=course / "notebooks")
    text = (course / "README.md").read_text(encoding="utf-8")
    assert "| notebook | learning goals | teaching | exercises | run time (2 cores) | kernel peak memory |" in text
    assert "| [00 one](notebooks/00_one.ipynb) | first goals | 25 min | 30 min | 15 s | 0.74 GB |" in text
    assert "| [01 two](notebooks/01_two.ipynb) | second goals | – | – | 8 s | 0.20 GB |" in text
    assert text.endswith("<!-- /notebook-table -->\n\nAfter the table.\n") and unmarked == []
    assert ("<!-- run-time -->about 15 s on 2 CPU cores, kernel peak memory 0.74 GB<!-- /run-time -->"
            in _header(course / "notebooks" / "00_one.ipynb"))
    assert "about 10 s on 2 CPU cores" in _header(course / "notebooks" / "01_two.ipynb")
    again = (course / "README.md").read_text(encoding="utf-8")
    run_times.write_run_times({}, readme=course / "README.md", notebook_dir=course / "notebooks")
    assert (course / "README.md").read_text(encoding="utf-8") == again  # idempotent


def test_measured_figures_replace_those_of_the_notebooks_that_ran(course):
    measured = {course / "notebooks" / "01_two.ipynb": {"seconds": 21.6, "peak_mb": 512.0, "error": None},
                course / "notebooks" / "00_one.ipynb": {"seconds": 99.0, "peak_mb": 1.0, "error": "boom"}}
    run_times.write_run_times(measured, readme=course / "README.md", notebook_dir=course / "notebooks")
    text = (course / "README.md").read_text(encoding="utf-8")
    assert "| second goals | – | – | 22 s | 0.50 GB |" in text
    assert "| first goals | 25 min | 30 min | 15 s | 0.74 GB |" in text  # a failed run changes nothing
    assert "about 20 s on 2 CPU cores, kernel peak memory 0.50 GB" in _header(course / "notebooks" / "01_two.ipynb")
