"""Objective terms per programme, in plain Python: the solvers take their integer
coefficients from here and the checker recomputes the same objective with them."""
