"""The project's tools: the portability runner, the traceback rewriter, the run-time writer."""
