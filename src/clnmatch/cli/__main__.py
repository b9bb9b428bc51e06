"""``python -m clnmatch.cli``: as the console script."""

from clnmatch.console import main

main()
