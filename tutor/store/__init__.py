"""The learner store: SQLAlchemy models, the database, migrations and persistence services.

Build one :class:`Database` from the settings at startup (:func:`open_database` also migrates it)
and pass it to the functions below; each runs in its own short transaction and returns frozen
records, never ORM rows.
"""

from tutor.store.accounts import (
    create_learner,
    find_api_key,
    get_learner,
    has_live_keys,
    hash_key,
    issue_api_key,
    list_api_keys,
    list_learners,
    local_learner,
    revoke_api_key,
)
from tutor.store.attempts import (
    get_attempt,
    learner_attempts,
    override_grade,
    parse_grade,
    pending_attempts,
    record_failure,
    record_grade,
    submit_attempt,
)
from tutor.store.chat import add_message, create_chat_session, get_chat_session, list_messages
from tutor.store.database import Database, database_url
from tutor.store.migrate import current_revision, head_revision, open_database, upgrade_to_head
from tutor.store.records import (
    ApiKeyRecord,
    AttemptRecord,
    AttemptStatus,
    ChatSessionRecord,
    IssuedKey,
    LearnerRecord,
    MessageRecord,
    OverrideRecord,
    Role,
    VariantRecord,
    VariantStatus,
)
from tutor.store.variants import add_variant, get_variant, list_variants, set_variant_status

__all__ = [
    "ApiKeyRecord",
    "AttemptRecord",
    "AttemptStatus",
    "ChatSessionRecord",
    "Database",
    "IssuedKey",
    "LearnerRecord",
    "MessageRecord",
    "OverrideRecord",
    "Role",
    "VariantRecord",
    "VariantStatus",
    "add_message",
    "add_variant",
    "create_chat_session",
    "create_learner",
    "current_revision",
    "database_url",
    "find_api_key",
    "get_attempt",
    "get_chat_session",
    "get_learner",
    "get_variant",
    "has_live_keys",
    "hash_key",
    "head_revision",
    "issue_api_key",
    "learner_attempts",
    "list_api_keys",
    "list_learners",
    "list_messages",
    "list_variants",
    "local_learner",
    "open_database",
    "override_grade",
    "parse_grade",
    "pending_attempts",
    "record_failure",
    "record_grade",
    "revoke_api_key",
    "set_variant_status",
    "submit_attempt",
    "upgrade_to_head",
]
