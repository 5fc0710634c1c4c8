"""Solvers: the only package that imports OR-Tools (CP-SAT) or another optimisation engine."""
