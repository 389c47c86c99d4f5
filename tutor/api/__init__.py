"""The HTTP service."""

from tutor.api.app import create_app

__all__ = ["create_app"]
