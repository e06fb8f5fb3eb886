"""ASGI entry point for uvicorn: settings from the environment."""

from crm.app import create_app

app = create_app()
