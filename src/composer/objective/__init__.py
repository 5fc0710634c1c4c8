"""Objective terms per programme, plain Python, shared by the solvers and the checker."""
