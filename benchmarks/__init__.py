"""Benchmark runners (see benchmarks/README.md)."""
