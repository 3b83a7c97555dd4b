from mailroom.cli.main import cli

cli()
