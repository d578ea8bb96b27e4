"""Process wiring: the only place that loads settings and builds objects."""
