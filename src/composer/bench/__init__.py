"""``composer bench``: benchmark suites, a run history, regressions, peers and a report.

- :mod:`.suite` — suite files (``benchmarks/suites/*.yaml``), validated with located errors;
- :mod:`.runner` — runs every entry in a measured child process, checks every plan;
- :mod:`.judge` — the regression rules;
- :mod:`.history` — the SQLite history;
- :mod:`.literature` — readers, evaluators and published values of the public sets;
- :mod:`.plugins` — where literature runners and peers plug in;
- :mod:`.present`, :mod:`.report` — the terminal tables and the HTML history page.

See ``benchmarks/README.md`` for the method.
"""
