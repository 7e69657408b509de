"""`python -m harvester` runs the command-line interface."""

from harvester.cli import main

main()
