"""`python -m harvester` runs the command-line interface."""

from harvester.cli import main

# Guarded: worker processes import the main module again, and must not run the CLI.
if __name__ == "__main__":
    main()
