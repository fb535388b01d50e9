#!/usr/bin/env python
"""Run Django's command-line utility for the layouts_cbv sandbox."""

import os
import sys
from pathlib import Path


def main():
    """Put the repository root on sys.path and run the management command."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
