"""composer: compose and schedule Dutch learning networks (leernetwerken)."""

__version__ = "0.1.0"
