"""HTML pages over the same services as the API (placeholder wiring, widened by the web work)."""

from __future__ import annotations

from pathlib import Path

from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

TEMPLATES = Path(__file__).parent / "templates"

ROUTES: list = []


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


def plugins() -> list:
    return []


def middleware(settings) -> list:
    return []
