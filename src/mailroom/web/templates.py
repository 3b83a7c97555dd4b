"""HTML pages from the package's Jinja2 templates, every value escaped (autoescape always on)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

_env = Environment(
    loader=PackageLoader("mailroom", "web/templates"),
    autoescape=True,  # every template, whatever its name: nothing reaches HTML unescaped
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_page(name: str, **values: Any) -> str:
    return _env.get_template(name).render(**values)
