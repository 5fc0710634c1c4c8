"""The ``calendar`` stage: dated sessions of every programme, visits and development meetings.

See :mod:`composer.solvers.calendar.stage` for what is scheduled and in which order.
"""

from composer.solvers.calendar.stage import run_stage

__all__ = ["run_stage"]
