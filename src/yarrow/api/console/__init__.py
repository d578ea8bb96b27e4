"""Console API (``/console/api``): session-authenticated routes for the web console."""
