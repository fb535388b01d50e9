"""Partial detectors with bugs, as a project's own detectors may have."""


def broken(request):
    raise RuntimeError("the detector has a bug")


def also_broken(request):
    return request.headers["X-Not-Sent"] == "1"  # KeyError when the header is absent
