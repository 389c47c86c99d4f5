"""Alembic revisions, oldest first (``rNNNN_<slug>.py``)."""
