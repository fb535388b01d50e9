"""Sphinx configuration for the layouts_cbv manual."""

import sys
from pathlib import Path

import django
from django.conf import settings

# Import the package from this checkout, not from an installed copy.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# autodoc imports the package, and the package imports Django models and apps.
if not settings.configured:
    settings.configure(
        SECRET_KEY="docs-only-not-secret",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "layouts_cbv",
        ],
        DATABASES={},
        USE_TZ=True,
    )
django.setup()

import layouts_cbv  # noqa: E402

project = "layouts_cbv"
author = "layouts_cbv contributors"
copyright = "layouts_cbv contributors"
release = layouts_cbv.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    # The pictures are drawn from docs/diagrams/*.dot by Debian's graphviz ("dot").
    "sphinx.ext.graphviz",
    # No mappings are configured, so the build never goes to the network.
    "sphinx.ext.intersphinx",
]

exclude_patterns = ["_build"]

graphviz_output_format = "svg"
root_doc = "index"
language = "en"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"

html_theme = "furo"
html_title = f"layouts_cbv {release}"
highlight_language = "none"  # plain "::" blocks are log lines and shell commands
