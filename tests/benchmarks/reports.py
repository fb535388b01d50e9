"""Turn the runs of the in-process benchmarks into Markdown tables of ratios."""

from __future__ import annotations

from operator import truediv

from tests.benchmarks import common, pages
from tests.benchmarks.common import median, per_round, ratio, table

NAMES = {backend: name for backend, (name, _) in pages.BACKENDS.items()}
# way -> backend -> at most this ratio to cache_page
PAGE_GOALS = {
    pages.ASSEMBLED: {"redis": 1.0, "locmem": 2.5},
    pages.PAGE_CACHE: {"redis": 0.95, "locmem": 2.0},
}
PANEL_GOAL = 1.3


def verdict(values: list[float], limit: float | None) -> str:
    """Return the ratio cell, marked met or missed when there is a goal."""
    cell = ratio(values)
    if limit is None:
        return cell
    return f"{cell} met" if median(values) <= limit else f"**{cell}** missed"


def pages_report(runs: dict[str, list[dict]]) -> str:
    anchor = pages.WAYS[0][0]
    columns = [(backend, visitor) for backend in runs for visitor in pages.VISITORS]
    rows = []
    for way, _ in pages.WAYS:
        row = [way]
        for backend, visitor in columns:
            values = [
                per_round(truediv, run[visitor]["µs"][way], run[visitor]["µs"][anchor])
                for run in runs[backend]
            ]
            row.append(verdict(values, PAGE_GOALS.get(way, {}).get(backend)))
        calls = {run[visitor]["calls"][way] for run in runs["redis"] for visitor in run}
        row.append("/".join(map(str, sorted(calls))))
        goals = PAGE_GOALS.get(way)
        row.append(
            ", ".join(f"≤ {limit:.2f} on {NAMES[backend]}" for backend, limit in goals.items())
            if goals
            else ""
        )
        rows.append(row)
    headers = ["way"] + [f"{NAMES[backend]}, {visitor}" for backend, visitor in columns]
    headers += ["cache calls", "goal"]
    scale = "; ".join(
        f"{NAMES[backend]}, {visitor}: "
        f"{median(median(run[visitor]['µs'][anchor]) for run in runs[backend]):.0f} µs"
        for backend, visitor in columns
    )
    intro = (
        "One page of 8 panels (7 shared by everyone, 1 per user; each a 10-item list) "
        "around the view's content, warm, sent straight to Django's WSGI handler with the "
        f"test settings' middleware. Each run times {pages.ROUNDS} rounds of "
        f"{pages.REPEAT} requests of every way in turn; a way's ratio to `cache_page` "
        "is taken within each round and the median round counts. Each figure is the "
        f"median of {common.RUNS} runs, each in a fresh process (in brackets, the lowest "
        "and highest run): lower is faster. Logged-in visitors carry a "
        "signed-cookie session. Cache calls are counted on the backend for one warm "
        "request. The goals are issue 16's: each is met when the median run is within it."
        f"\n\n`cache_page` itself took (median run) {scale}."
    )
    return intro + "\n\n" + table(headers, rows)


def per_panel(run: dict[str, dict[str, list[float]]], way: str, size: int) -> float:
    """Return the median over the rounds of one run of what each panel past the first
    added to ``way``'s page of ``size`` panels."""
    return per_round(lambda big, one: (big - one) / (size - 1), run[way][str(size)], run[way]["1"])


def scaling_report(runs: dict[str, list[dict]]) -> str:
    from tests.benchmarks import scaling

    sizes = scaling.SIZES[1:]
    columns = [(backend, size) for backend in runs for size in sizes]
    rows = []
    for way in ("layouts_cbv", "`{% cache %}`", "sketch"):
        row = [way]
        for backend, size in columns:
            values = [
                per_panel(run, way, size) / per_panel(run, "sketch", size) for run in runs[backend]
            ]
            row.append(verdict(values, PANEL_GOAL if way == "layouts_cbv" else None))
        row.append(f"≤ {PANEL_GOAL:.2f} on both" if way == "layouts_cbv" else "")
        rows.append(row)
    headers = ["way"] + [f"{NAMES[backend]}, {size} panels" for backend, size in columns]
    headers.append("goal")
    whole = []
    for way in scaling.WAYS:
        row = [way]
        for backend, size in columns:
            values = [
                per_round(truediv, run[way][str(size)], run["`cache_page`"][str(size)])
                for run in runs[backend]
            ]
            row.append(ratio(values))
        whole.append(row)
    scale = "; ".join(
        f"{NAMES[backend]}: {median(per_panel(run, 'sketch', 128) for run in runs[backend]):.1f} µs"
        for backend in runs
    )
    intro = (
        f"Pages of {', '.join(map(str, scaling.SIZES))} panels, every panel shared and "
        "cached (a 10-item list), warm, anonymous. What one more panel costs a way is the "
        "slope from its 1-panel page to its N-panel page, `(t(N) - t(1)) / (N - 1)`, "
        f"taken within each of {scaling.ROUNDS} rounds (the median round counts); the "
        "table gives it as a ratio to the sketch's own slope in the same run (median of "
        f"{common.RUNS} runs, the spread in brackets). At 8 panels the slope is a few "
        "dozen µs in a request of hundreds: the most exposed to a noisy machine. `cache_page` serves a stored page "
        "whatever is in it: its slope is nearly nothing and has no row. For scale, the "
        f"sketch's extra panel at 128 panels took {scale}."
    )
    second = (
        "The whole page at each size, as a ratio to `cache_page` of the same page in the same run:"
    )
    whole_headers = ["way"] + [f"{NAMES[backend]}, {size} panels" for backend, size in columns]
    return "\n\n".join([intro, table(headers, rows), second, table(whole_headers, whole)])


def deployments_report(runs: list[dict]) -> str:
    from tests.benchmarks import deployments

    deployed = list(deployments.ALIASES)
    anchor = f"{deployed[0]}|{deployments.WAYS[0]}"
    rows = []
    for name in deployed:
        for way in deployments.WAYS:
            label = f"{name}|{way}"
            values = [per_round(truediv, run["µs"][label], run["µs"][anchor]) for run in runs]
            first = runs[0]
            rows.append(
                [
                    name,
                    way,
                    ratio(values),
                    str(first["round trips"][label]),
                    str(first["commands"][label]),
                    str(first["nodes"][label]),
                ]
            )
    headers = [
        "deployment",
        "way",
        "µs per page, ratio",
        "round trips",
        "commands on the servers",
        "servers answering",
    ]
    intro = (
        "The warm 8-panel page (anonymous) with its cache on one Redis and on a Redis "
        "Cluster of 3 masters (`layouts_cbv.cache.redis_cluster.RedisClusterCache`), "
        "every way in turn within each round; ratios are to `cache_page` on one Redis "
        f"in the same round (median round, median of {common.RUNS} runs, the spread of "
        "the runs in brackets). Round "
        "trips are the client's writes to a socket that wait for an answer (a pipeline "
        "to one master is one); commands are counted by the servers (`INFO "
        "commandstats`)."
    )
    return intro + "\n\n" + table(headers, rows)
