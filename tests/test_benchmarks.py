"""The benchmarks compare like with like: every way serves the same panels."""

import re

import pytest
from django.core.cache import caches

from tests.benchmarks import pages, scaling

PANEL = re.compile(r'<section class="panel-(\d+)">.*?</section>', re.S)


def panels_in(body: str) -> list[str]:
    return sorted(match.group(0) for match in PANEL.finditer(body))


@pytest.fixture
def bench_settings(settings):
    settings.ROOT_URLCONF = pages.__name__
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    caches["default"].clear()
    return settings


def test_every_way_of_the_warm_page_serves_the_same_eight_panels(bench_settings, client):
    expected = panels_in(client.get("/uncached/").content.decode())
    assert len(expected) == 7
    for way, url in pages.WAYS:
        for _ in range(2):  # cold, then warm
            body = client.get(url).content.decode()
            assert panels_in(body) == expected, way
            assert '<a href="/login/">Log in</a>' in body, way
            assert "<h1>Benchmark</h1>" in body, way


@pytest.mark.parametrize("size", scaling.SIZES)
def test_every_way_of_the_scaling_pages_serves_as_many_panels(bench_settings, client, size):
    bench_settings.ROOT_URLCONF = scaling.__name__
    for way in scaling.WAYS:
        for _ in range(2):
            body = client.get(scaling.url(way, size)).content.decode()
            assert len(panels_in(body)) == size, way
