"""`python -m chorus.cli`: the same app as the `chorus` console script."""

from chorus.cli.app import main

main()
