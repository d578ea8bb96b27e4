"""Workflow and chatflow apps: drafts, published versions, runs and their history."""
