"""Benchmarks of clnmatch: ``python -m benchmarks --help`` (see benchmarks/README.md)."""
