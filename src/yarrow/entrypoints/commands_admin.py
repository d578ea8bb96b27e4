"""Administrative commands: configuration, migrations, setup, apps and keys."""

from __future__ import annotations

import json

import click

from yarrow.settings import is_database_configured, load_settings, read_environment


@click.group("config")
def config_group() -> None:
    """Inspect the effective configuration."""


@config_group.command("show")
def config_show() -> None:
    """Print the effective settings as JSON, with every secret redacted."""
    environ = read_environment()
    settings = load_settings(embedded=not is_database_configured(environ), environ=environ)
    click.echo(json.dumps(settings.redacted(), indent=2, sort_keys=True))


COMMANDS: list[click.Command] = [config_group]
