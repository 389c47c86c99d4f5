"""Alembic migrations for the learner store (run by ``tutor.store.upgrade_to_head``)."""
