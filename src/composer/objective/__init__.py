"""Objective terms shared by the solvers and the checker (plain Python, integer units)."""
