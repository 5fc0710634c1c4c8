"""Builders: turn public Dutch school data into instances, and generate synthetic ones.

- :mod:`composer.builders.real_data` reads the raw public files (DUO, BAG-geocoded
  GeoJSON, OpenHolidays) into school and holiday rows, and writes the compact derived
  tables shipped in ``composer/data/``;
- :mod:`composer.builders.tables` loads those tables (from the package, or rebuilt from a
  raw data folder) and turns them into model rows (schools, regions, the calendar);
- :mod:`composer.builders.generate` builds seeded, reproducible instances (presets
  ``tiny``, ``region``, ``national``) with a planted feasible LOS assignment;
- :mod:`composer.builders.tiny` is the hand-made ``tiny`` instance.

Builders sit beside the I/O layer: they import the model, never a solver.
"""
