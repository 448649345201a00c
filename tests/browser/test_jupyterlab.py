"""What a learner sees: every notebook run through JupyterLab's UI in a real browser.

For each notebook: open it in JupyterLab, Run > Run All Cells, wait for the
kernel to finish; then no cell holds an error except cells tagged
``raises-exception``, every widget output renders as a widget (not a text
repr, not "Error displaying widget"), and moving a slider with the keyboard
(or, in a widget without a slider, a toggle button or a drop-down) changes the
output it drives. A screenshot of each notebook's widget is saved under
``artifacts/screenshots/``.

Run with ``make test-browser``; the terminal summary lists each notebook's
Run All time and the whole run's time.
"""

import contextlib
import os
import re
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(Path(os.environ.get("AEGMM_NOTEBOOK_DIR", ROOT / "notebooks")).glob("[0-9]*.ipynb"))
RAISES_TAGS = ("raises-exception",)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# A widget shown as its Python repr, e.g. "interactive(children=(...))" or "IntSlider(value=3)".
WIDGET_REPR = re.compile(r"^\s*(interactive|[A-Z]\w*)\((children|value|description)=")

OPEN_TIMEOUT_MS = 180_000  # page load and kernel start on a busy 2-core machine
RUN_TIMEOUT_MS = 420_000  # the slowest notebook, top to bottom
RENDER_TIMEOUT_MS = 60_000
SLIDER_TIMEOUT_MS = 60_000  # the kernel recomputes what the slider drives
VIEWPORT = {"width": 1400, "height": 1000}

# The notebook panel JupyterLab shows, through the app object the server exposes.
CURRENT = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

JS_KERNEL_READY = f"""() => {{
  const panel = {CURRENT};
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return !!(panel && panel.context && panel.context.isReady && panel.sessionContext.isReady
    && kernel && kernel.status === 'idle');
}}"""

JS_RUN_FINISHED = f"""() => {{
  const panel = {CURRENT};
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const prompts = [...panel.node.querySelectorAll('.jp-InputPrompt')];
  if (prompts.some(p => p.textContent.includes('*'))) return false;
  // Run All stops at the first error outside a cell tagged raises-exception.
  const cells = panel.content.model.toJSON().cells.filter(c => c.cell_type === 'code');
  const stopped = cells.some(c => (c.outputs || []).some(o => o.output_type === 'error')
    && !((c.metadata && c.metadata.tags) || []).includes('raises-exception'));
  return stopped || cells.every(c => c.execution_count !== null);
}}"""

JS_CELLS = f"""() => {{
  const panel = {CURRENT};
  return panel.content.model.toJSON().cells.filter(c => c.cell_type === 'code').map(c => ({{
    tags: (c.metadata && c.metadata.tags) || [],
    source: Array.isArray(c.source) ? c.source.join('') : c.source,
    outputs: c.outputs || [],
  }}));
}}"""

# Top-level outputs of code cells (not the outputs nested inside an Output widget).
TOP_OUTPUTS = ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"

JS_RENDERED = f"""() => {{
  const outputs = [...{CURRENT}.node.querySelectorAll('{TOP_OUTPUTS}')];
  return {{
    widgets: outputs.filter(o => o.querySelector('.jupyter-widgets')).length,
    texts: outputs.map(o => o.textContent),
  }};
}}"""

# What the index-th widget output shows apart from its controls: images,
# Output widgets' text, HTML widgets.
JS_SHOWN = f"""(index) => {{
  const root = [...{CURRENT}.node.querySelectorAll('{TOP_OUTPUTS}')]
    .filter(o => o.querySelector('.jupyter-widgets'))[index];
  const parts = [];
  root.querySelectorAll('img').forEach(i => parts.push('img:' + i.src));
  root.querySelectorAll('.widget-output').forEach(o => parts.push('out:' + o.innerText));
  root.querySelectorAll('.widget-html-content').forEach(h => parts.push('html:' + h.innerHTML));
  return parts.join('\\n');
}}"""

# Controls a learner can move, in order of preference: sliders (keyboard
# arrows on the focused handle), toggle buttons, drop-downs.
SLIDER = ".widget-slider .noUi-handle"
TOGGLE = ".widget-toggle-buttons button"
DROPDOWN = ".widget-dropdown select"


def _wait_shown_change(page, index, before, action):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    changed = (
        f"([index, before]) => {{ const now = ({JS_SHOWN})(index);"
        " return now !== before && now.includes('img:') === before.includes('img:'); }"
    )
    try:
        page.wait_for_function(changed, arg=[index, before], timeout=SLIDER_TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(
            f"{action} in widget output {index + 1} did not change the output it drives "
            f"within {SLIDER_TIMEOUT_MS / 1000:.0f} s",
            pytrace=False,
        )
    # Let the kernel finish redrawing before the output is read again.
    page.wait_for_function(JS_RUN_FINISHED, timeout=SLIDER_TIMEOUT_MS)


def _menu(page, menu, item):
    """Click ``menu`` in JupyterLab's menu bar, then ``item`` in it."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _error_outputs(cells):
    """(cell number, ename, evalue) of each error outside cells tagged to raise."""
    errors = []
    for number, cell in enumerate(cells, 1):
        if any(tag in cell["tags"] for tag in RAISES_TAGS):
            continue
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                errors.append((number, output.get("ename"), output.get("evalue", "")[:300]))
    return errors


def _stderr_texts(cells):
    texts = []
    for number, cell in enumerate(cells, 1):
        for output in cell["outputs"]:
            if output["output_type"] == "stream" and output.get("name") == "stderr":
                text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
                texts.append(f"code cell {number}: {text[:200]!r}")
    return texts


def _operate(control, kind):
    """Move ``control`` one step, as a learner would; return a description."""
    if kind == SLIDER:
        control.scroll_into_view_if_needed()
        at_max = control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax")
        key = "ArrowLeft" if at_max else "ArrowRight"
        control.focus()
        control.press(key)
        return f"slider {key}"
    if kind == TOGGLE:
        control.click()
        return f"toggle button {control.inner_text()!r}"
    options = control.locator("option").all_inner_texts()
    current = control.input_value()
    choice = next(o for o in options if o != current)
    control.select_option(label=choice)
    return f"drop-down {current!r} -> {choice!r}"


def _move_a_control(page, n_widgets):
    """Move one control of a widget whose output shows something; return what was done.

    Prefers a slider; falls back to toggle buttons, then a drop-down, for
    widgets that have no slider.
    """
    roots = page.locator(TOP_OUTPUTS).filter(has=page.locator(".jupyter-widgets"))
    for kind in (SLIDER, TOGGLE, DROPDOWN):
        for index in range(n_widgets):
            before = page.evaluate(JS_SHOWN, index)
            if not before.strip():
                continue
            # A toggle button changes something only when it is not the active one.
            candidates = roots.nth(index).locator(f"{kind}:not(.mod-active)" if kind == TOGGLE else kind)
            if candidates.count() == 0:
                continue
            if kind == DROPDOWN and candidates.first.locator("option").count() < 2:
                continue
            action = _operate(candidates.first, kind)
            _wait_shown_change(page, index, before, action)
            after = page.evaluate(JS_SHOWN, index)
            assert after != before, f"{action} did not change the output it drives"
            return action, roots.nth(index)
    pytest.fail("no slider, toggle button or drop-down drives a visible output (image, Output or HTML)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_widget_responds_in_jupyterlab(
    path, lab_server, browser, screenshot_dir, record_timing
):
    started = time.perf_counter()
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(lab_server.notebook_url(path.name))
        page.wait_for_function(JS_KERNEL_READY, timeout=OPEN_TIMEOUT_MS)

        # Edit > Clear Outputs of All Cells (the stored outputs and execution
        # counts), then Run > Run All Cells, as a learner would.
        _menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            f"() => {CURRENT}.content.model.toJSON().cells"
            ".every(c => c.cell_type !== 'code' || c.execution_count === null)",
            timeout=RENDER_TIMEOUT_MS,
        )
        run_started = time.perf_counter()
        _menu(page, "Run", "Run All Cells")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))"
            f" || ({JS_RUN_FINISHED})()",
            timeout=OPEN_TIMEOUT_MS,
        )
        page.wait_for_function(JS_RUN_FINISHED, timeout=RUN_TIMEOUT_MS)
        run_seconds = time.perf_counter() - run_started

        cells = page.evaluate(JS_CELLS)
        errors = _error_outputs(cells)
        assert not errors, "error outputs in cells not tagged raises-exception:\n" + "\n".join(
            f"code cell {n}: {name}: {value}" for n, name, value in errors
        )
        stderr = _stderr_texts(cells)
        if stderr:
            warnings.warn(f"{path.name} wrote to stderr in JupyterLab: " + "; ".join(stderr), stacklevel=1)

        n_widget_outputs = sum(
            WIDGET_MIME in output.get("data", {}) for cell in cells for output in cell["outputs"]
        )
        assert n_widget_outputs >= 1, f"{path.name} displays no ipywidgets control"
        page.wait_for_function(
            f"(n) => ({JS_RENDERED})().widgets >= n", arg=n_widget_outputs, timeout=RENDER_TIMEOUT_MS
        )
        rendered = page.evaluate(JS_RENDERED)
        page_text = page.locator(".jp-NotebookPanel").inner_text()
        assert "Error displaying widget" not in page_text
        reprs = [t.strip()[:80] for t in rendered["texts"] if WIDGET_REPR.match(t)]
        assert not reprs, f"widgets shown as text reprs: {reprs}"

        action, root = _move_a_control(page, rendered["widgets"])
        root.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / f"{path.stem}.png"))
        record_timing(time.perf_counter() - started, run_seconds, action)
    except BaseException:
        with contextlib.suppress(Exception):  # keep the original failure
            page.screenshot(path=str(screenshot_dir / f"{path.stem}-failed.png"))
        raise
    finally:
        with contextlib.suppress(Exception):  # the page may already be gone after a failure
            page.evaluate(f"() => {CURRENT} && {CURRENT}.sessionContext.shutdown()")
        page.close()
        lab_server.shut_down_kernels()
