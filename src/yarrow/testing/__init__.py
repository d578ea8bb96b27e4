"""Conformance suites and fakes shipped for backend authors."""
