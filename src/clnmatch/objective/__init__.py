"""The objective terms (pair: cohesion and travel; focus; SIMD mix), defined once: their
values (``terms``, numpy), their deltas for a move or swap (``kernels``, numba) and their
CP-SAT forms (``cpsat``)."""
