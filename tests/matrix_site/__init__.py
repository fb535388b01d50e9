"""A test-only Django site served by gunicorn on any cache deployment of the suite.

Its cache alias comes from the environment (``MATRIX_CACHE``, the JSON of one
``CACHES`` entry), and every panel render is counted in a file (``MATRIX_RENDERS``),
outside every process and every cache server, so a test can count renders across the
server's worker processes even while a cache server is down. Every cache call that
runs into a server out of reach is counted the same way, in ``MATRIX_FAULTS`` (see
:mod:`tests.matrix_site.faults`).
"""
