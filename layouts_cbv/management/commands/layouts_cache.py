"""``manage.py layouts_cache``: clear or inspect panel cache entries."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...cache import invalidate_all
from ...cache.inspection import StoredEntry, inspect_entry
from ...cache.invalidation import declared_names


class Command(BaseCommand):
    help = "Clear or inspect the cached entries of panels."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        clear = actions.add_parser("clear", help="Drop every variant of a panel, or of all panels.")
        clear.add_argument("panel", nargs="?", help="The panel name (its attribute name).")
        clear.add_argument("--all", action="store_true", help="Clear every cached panel.")
        inspect = actions.add_parser("inspect", help="Show one stored entry of a panel.")
        inspect.add_argument("panel", help="The panel name (its attribute name).")
        inspect.add_argument("--vary", default=None, help="The vary value (default: sitewide).")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        # Importing the URLconf imports the views, which declare their cached panels.
        import_module(settings.ROOT_URLCONF)
        if action == "clear":
            self.clear(options["panel"], options["all"])
        else:
            self.inspect(options["panel"], options["vary"])

    def clear(self, panel: str | None, everything: bool) -> None:
        if bool(panel) == everything:
            raise CommandError("Give a panel name or --all, not both.")
        names = [panel] if panel else declared_names()
        for name in names:
            invalidate_all(name)
            self.stdout.write(f"Cleared every entry of panel {name!r}.")
        if not names:
            self.stdout.write("No cached panels are declared.")

    def inspect(self, panel: str, vary: str | None) -> None:
        for stored in inspect_entry(panel, vary):
            self.stdout.write(describe(stored))


def describe(stored: StoredEntry) -> str:
    lines = [f"{stored.key} in cache {stored.alias!r}"]
    if stored.problem:
        return "\n".join([*lines, f"  unreadable: {stored.problem}"])
    if stored.entry is None:
        return "\n".join([*lines, "  no entry"])
    entry, now = stored.entry, time.time()
    fresh = "forever" if entry.fresh_until == float("inf") else f"{entry.fresh_until - now:.0f}s"
    lines += [
        f"  age: {stored.age(now):.0f}s, fresh for: {fresh}",
        f"  size: {stored.size} bytes",
        "  generation: " + ("current" if stored.current else "outdated (invalidated)"),
        f"  queue items: {len(entry.items)}",
        *(f"    {queue}: {item!r}" for queue, item in entry.items),
    ]
    return "\n".join(lines)
