"""A small site for the streaming benchmark: one page three ways (cached, streamed, whole)."""

SLOW = 0.3  # seconds the slow panel takes
