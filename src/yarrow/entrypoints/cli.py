"""The ``yarrow`` command. Each sub-command lives in its own ``commands_*`` module."""

from __future__ import annotations

import click

from yarrow import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="yarrow")
def main() -> None:
    """Yarrow: a self-hosted LLM application platform compatible with Dify."""


def _register() -> None:
    # Imported here so that `yarrow --help` stays fast and modules never import this one.
    from yarrow.entrypoints import commands_admin, commands_serve

    for module in (commands_admin, commands_serve):
        for command in module.COMMANDS:
            main.add_command(command)
    from yarrow.entrypoints import commands_sandbox

    for command in commands_sandbox.COMMANDS:
        main.add_command(command)
    from yarrow.entrypoints import commands_tasks

    for command in commands_tasks.COMMANDS:
        main.add_command(command)
    from yarrow.entrypoints import commands_storage

    for command in commands_storage.COMMANDS:
        main.add_command(command)


_register()

if __name__ == "__main__":  # python -m yarrow.entrypoints.cli
    main()
