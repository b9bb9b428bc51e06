"""``python -m clnmatch.cli``."""

from clnmatch.cli import app

app()
