"""The hard rules, declared once (``spec.RULE_TABLE``) and implemented once per shape per
backend: ``check`` (numpy), ``kernels`` (numba), ``cpsat`` (CP-SAT), ``necessary``
(counting checks)."""
