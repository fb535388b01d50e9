"""A test-only Django site for the mixed integrity soak (:mod:`tests.soak_mixed`)."""

ANONYMOUS = "anonymous"  # the name an anonymous visitor's markers show
