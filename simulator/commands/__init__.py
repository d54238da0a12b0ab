"""One module per command group of the `chorus` CLI."""
