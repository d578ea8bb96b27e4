"""Use cases: accounts, workspaces, apps, API keys, conversations, datasets, workflows."""
