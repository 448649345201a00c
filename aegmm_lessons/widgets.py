"""ipywidgets controls for the lessons.

Each control is a thin layer over a pure function that computes what it shows
(tested on its own); the widget only wires sliders to that function. In the
notebooks, widget cells are marked ``# NBVAL_IGNORE_OUTPUT`` (JupyterLab
stores widget output as widget state, nbval sees it as stdout), and a static
figure made by the same pure function stands beside each widget.
"""

__all__ = []
