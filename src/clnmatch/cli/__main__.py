"""``python -m clnmatch.cli``."""

from clnmatch.cli import main

main()
