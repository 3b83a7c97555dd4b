"""The whole schema, as SQLAlchemy Core tables.

Times are integers: ``*_ms`` columns hold Unix milliseconds (events), other date columns Unix
seconds (Ongage's ``ocx_*`` dates). Integers compare and bucket the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT primary keys autoincrement on PostgreSQL; SQLite only does so for INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _opaque(length: int) -> Any:
    """An opaque identifier's text: compared as bytes (collation "C") on PostgreSQL, as SQLite
    compares all text; cheaper in its indexes than the database's locale (migration 0006)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


# --- tenants and credentials -------------------------------------------------------------------

accounts = Table(
    "accounts",
    metadata,
    _id(),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("default_list_id", BigInteger, nullable=True),
    Column("rate_limit_per_minute", Integer, nullable=True),
    Column("rate_limit_in_flight", Integer, nullable=True),
    Column("created", BigInteger, nullable=False),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),  # IANA name
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("username", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False, server_default="admin"),
    Column("api_access", Boolean, nullable=False, server_default=text("true")),
    Column("created", BigInteger, nullable=False),
    UniqueConstraint("account_id", "username"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(255), nullable=False, server_default="contact_data"),
    Column("created", BigInteger, nullable=False),
    Column("revoked", BigInteger, nullable=True),
)

# Web sessions (Tellody's cookie login, the console): ids and XSRF tokens stored as SHA-256 hex,
# so a copy of the table opens no session. Every process reads the same rows.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", _opaque(64), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("remember", Boolean, nullable=False, server_default=text("false")),
    Column("xsrf_first", _opaque(64), nullable=False),
    Column("xsrf_last", _opaque(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_seen_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False, index=True),
)

# Wrong passwords per key (a user at an address, or an address): a fixed window and its count.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", _opaque(64), primary_key=True),
    Column("window_start_ms", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),
)

# --- lists, fields, contacts ---------------------------------------------------------------------

lists = Table(
    "lists",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("type", String(32), nullable=False, server_default="sending"),
    Column("scope", String(32), nullable=True),
    Column("notification_email", String(255), nullable=True),
    Column("settings", JSON, nullable=False, server_default="{}"),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    # Bumped by every change to the list's fields: cached field schemas check it.
    Column("fields_version", BigInteger, nullable=False, server_default="0"),
)

list_fields = Table(
    "list_fields",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("title", String(255), nullable=False),
    Column("type", String(16), nullable=False),  # email | string | numeric | date
    Column("format", String(32), nullable=False, server_default=""),
    Column("default", Text, nullable=True),
    Column("mandatory", Boolean, nullable=False, server_default=text("false")),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("is_sms", Boolean, nullable=False, server_default=text("false")),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    UniqueConstraint("list_id", "name"),
)

contacts = Table(
    "contacts",
    metadata,
    _id(),
    Column("uid", _opaque(24), nullable=False, unique=True),  # the public id in every dialect
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("fields", JSON, nullable=False, server_default="{}"),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    Column("unsubscribe_date", BigInteger, nullable=True),
    Column("resubscribe_date", BigInteger, nullable=True),
    Column("bounce_date", BigInteger, nullable=True),
    Column("complaint_date", BigInteger, nullable=True),
    Column("import_id", BigInteger, nullable=True),
    # Milliseconds of the last status change: older events never override a newer change.
    Column("status_changed_ms", BigInteger, nullable=False, server_default="0"),
    Column("email_changed", BigInteger, nullable=True),
    UniqueConstraint("list_id", "email"),
    # Room on each page for status and field updates to stay HOT (migration 0008).
    postgresql_with={"fillfactor": 90},
)
Index("ix_contacts_account_email", contacts.c.account_id, contacts.c.email)
# A list's contacts in table order (SQLite's rowid follows list_id here): criteria scan lists.
Index("ix_contacts_list_id", contacts.c.list_id)
# The few contacts not active, by list and status in email order: the console's status filter
# pages through them without walking a million active ones (migration 0017b).
Index(
    "ix_contacts_inactive",
    contacts.c.list_id,
    contacts.c.status,
    contacts.c.email,
    sqlite_where=contacts.c.status != "active",
    postgresql_where=contacts.c.status != "active",
)

# --- sending: messages, mailings, connections, links ---------------------------------------------

email_messages = Table(
    "email_messages",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("list_id", ForeignKey("lists.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(255), nullable=False),
    Column("subject", Text, nullable=False, server_default=""),
    Column("from_address", String(320), nullable=False, server_default=""),
    Column("from_name", String(255), nullable=False, server_default=""),
    Column("html", Text, nullable=False, server_default=""),
    Column("text", Text, nullable=False, server_default=""),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    Column("reply_address", String(320), nullable=False, server_default=""),
)

mailings = Table(
    "mailings",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("list_id", ForeignKey("lists.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(255), nullable=False),
    Column(
        "campaign_activity_id", String(36), nullable=False, unique=True
    ),  # Constant Contact's id
    Column("type", String(32), nullable=False, server_default="campaign"),
    Column("status", Integer, nullable=False, server_default="60004"),
    Column("email_message_id", ForeignKey("email_messages.id", ondelete="SET NULL"), nullable=True),
    Column("trigger_id", BigInteger, nullable=True),  # mailings made by automation triggers
    Column("created", BigInteger, nullable=False),
    Column("sent", BigInteger, nullable=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("email_messages", JSON, nullable=False, server_default="[]"),
    Column("segments", JSON, nullable=False, server_default="[]"),
    Column("segments_excluded", JSON, nullable=False, server_default="[]"),
    Column("distribution", JSON, nullable=False, server_default="[]"),
    Column("schedule_date", BigInteger, nullable=True),
    Column("register_only", Boolean, nullable=False, server_default=text("false")),
    Column("recipients", BigInteger, nullable=False, server_default="0"),
    Column("sent_count", BigInteger, nullable=False, server_default="0"),
    Column("failed_count", BigInteger, nullable=False, server_default="0"),
    Column("modified", BigInteger, nullable=True),
)

sending_connections = Table(
    "sending_connections",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("esp_id", Integer, nullable=False, server_default="59"),  # 59 = Private SMTP
    Column("name", String(255), nullable=False),
    Column("host", String(255), nullable=False, server_default="127.0.0.1"),
    Column("port", Integer, nullable=False, server_default="25"),
    Column("username", String(255), nullable=True),
    Column("password", String(255), nullable=True),
    Column("use_tls", Boolean, nullable=False, server_default=text("false")),
    Column("from_address", String(320), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("support_transactional", Boolean, nullable=False, server_default=text("true")),
    Column("created", BigInteger, nullable=False),
    Column("encryption", String(8), nullable=False, server_default="none"),  # none|starttls|tls
    Column("from_name", String(255), nullable=False, server_default=""),
    Column("reply_address", String(320), nullable=False, server_default=""),
    Column("rate_per_second", Float, nullable=True),
    Column("daily_quota", Integer, nullable=True),
    Column("folder", Text, nullable=True),  # outbox connections: where .eml files go
    Column("modified", BigInteger, nullable=True),
)

links = Table(
    "links",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("url_hash", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
    UniqueConstraint("account_id", "url_hash"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("provider", String(32), nullable=False),  # ses | sendgrid | mailgun | postmark
    Column("token", String(64), nullable=False, unique=True),  # part of the endpoint URL
    Column("secret", Text, nullable=True),  # signing key / basic-auth secret / SNS topic arn
    Column("list_id", ForeignKey("lists.id", ondelete="SET NULL"), nullable=True),
    Column("created", BigInteger, nullable=False),
)

# --- engagement activity -------------------------------------------------------------------------

events = Table(
    "events",
    metadata,
    _id(),  # monotonic: the replica and the cursors follow it
    Column("account_id", BigInteger, nullable=False),
    Column("list_id", BigInteger, nullable=False),
    Column("contact_id", BigInteger, nullable=False),  # contacts.id; no FK so pruning stays cheap
    Column("type", SmallInteger, nullable=False),  # mailroom.activity.types
    Column("at_ms", BigInteger, nullable=False),
    Column("mailing_id", BigInteger, nullable=True),
    Column("link_id", BigInteger, nullable=True),
    Column("machine", Boolean, nullable=False, server_default=text("false")),
    Column("source", SmallInteger, nullable=False, server_default="0"),
    Column("idem_key", _opaque(128), nullable=True),
    Column(
        "details", JSON, nullable=True
    ),  # type-specific: url, device, bounce code, reason, ua, ip
)
# The per-contact log, newest first; `type` lets a type-filtered page skip rows in the index.
Index(
    "ix_events_contact_at_type",
    events.c.contact_id,
    events.c.at_ms,
    events.c.id,
    events.c.type,
)
Index(
    "ux_events_idem",
    events.c.account_id,
    events.c.idem_key,
    unique=True,
    sqlite_where=events.c.idem_key.isnot(None),
    postgresql_where=events.c.idem_key.isnot(None),
)

# The aggregate tables take thousands of random updates per ingest batch (migration 0004): on
# PostgreSQL pages keep room for HOT updates; on SQLite each row lives in one B-tree (the rowid
# is contact_totals' key; the composite-key tables are WITHOUT ROWID).
_FILLFACTOR = {"fillfactor": 70}

contact_totals = Table(
    "contact_totals",
    metadata,
    Column("contact_id", Id, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("list_id", BigInteger, nullable=False),
    Column("sends", Integer, nullable=False, server_default="0"),
    Column("opens", Integer, nullable=False, server_default="0"),
    Column("machine_opens", Integer, nullable=False, server_default="0"),
    Column("clicks", Integer, nullable=False, server_default="0"),
    Column("machine_clicks", Integer, nullable=False, server_default="0"),
    Column("bounces", Integer, nullable=False, server_default="0"),
    Column("soft_bounces", Integer, nullable=False, server_default="0"),
    Column("optouts", Integer, nullable=False, server_default="0"),
    Column("complaints", Integer, nullable=False, server_default="0"),
    Column("forwards", Integer, nullable=False, server_default="0"),
    Column("page_events", Integer, nullable=False, server_default="0"),
    Column("last_sent_ms", BigInteger, nullable=True),
    Column("last_open_ms", BigInteger, nullable=True),
    Column("last_click_ms", BigInteger, nullable=True),
    postgresql_with=_FILLFACTOR,
)

contact_mailing_totals = Table(
    "contact_mailing_totals",
    metadata,
    Column("contact_id", BigInteger, primary_key=True, autoincrement=False),
    Column("mailing_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("sends", Integer, nullable=False, server_default="0"),
    Column("opens", Integer, nullable=False, server_default="0"),
    Column("machine_opens", Integer, nullable=False, server_default="0"),
    Column("clicks", Integer, nullable=False, server_default="0"),
    Column("machine_clicks", Integer, nullable=False, server_default="0"),
    Column("bounces", Integer, nullable=False, server_default="0"),
    Column("optouts", Integer, nullable=False, server_default="0"),
    Column("complaints", Integer, nullable=False, server_default="0"),
    Column("forwards", Integer, nullable=False, server_default="0"),
    Column("first_sent_ms", BigInteger, nullable=True),
    Column("last_sent_ms", BigInteger, nullable=True),
    Column("last_at_ms", BigInteger, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
    postgresql_with=_FILLFACTOR,
)
# A mailing's totals in contact order: the automation's chunks of a follow-up (migration 0018a).
Index(
    "ix_contact_mailing_totals_mailing_contact",
    contact_mailing_totals.c.mailing_id,
    contact_mailing_totals.c.contact_id,
)

# The charts' time series: per list and hour, one counter per event type (machines' opens and
# clicks apart; see `activity.repository.hourly_counter`). One row per list-hour, so a batch
# spread over a month updates some 720 rows rather than one per hour and type.
HOURLY_COUNTERS = (
    "em_sends",
    "em_opens",
    "em_opens_machine",
    "em_clicks",
    "em_clicks_machine",
    "em_bounces",
    "em_optouts",
    "em_forwards",
    "em_complaints",
    "p_contact_open",
    "p_contact_click",
    "p_contact_add",
    "p_contact_update",
)

activity_hourly = Table(
    "activity_hourly",
    metadata,
    Column("list_id", BigInteger, primary_key=True, autoincrement=False),
    Column("hour", BigInteger, primary_key=True, autoincrement=False),  # Unix seconds, hour start
    Column("account_id", BigInteger, nullable=False),
    *(Column(name, Integer, nullable=False, server_default="0") for name in HOURLY_COUNTERS),
    sqlite_with_rowid=False,
    postgresql_with=_FILLFACTOR,
)

# The contacts chart's counters (Tellody's ContactChart), kept in the transactions that create
# contacts and lists or opt contacts out: per account and UTC hour, so a year is at most 8,784
# rows of one key range however many lists the account has. Rows outlive the contacts and lists
# they count: they are the account's history.
ACCOUNT_HOURLY_COUNTERS = ("contacts_added", "contacts_blocked", "lists_added")

account_hourly = Table(
    "account_hourly",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("hour", BigInteger, primary_key=True, autoincrement=False),  # Unix seconds, hour start
    *(
        Column(name, Integer, nullable=False, server_default="0")
        for name in ACCOUNT_HOURLY_COUNTERS
    ),
    sqlite_with_rowid=False,
)

# Distinct contacts sent to, exactly, for any bucket starting on a UTC hour: each send counts
# under (its hour, the hour of the same contact's previous send, -1 for none). The contacts sent
# to in [a, b) are the sends in [a, b) whose previous send is before a (`activity.served`).
served_hourly = Table(
    "served_hourly",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("hour", BigInteger, primary_key=True, autoincrement=False),
    Column("prev_hour", BigInteger, primary_key=True, autoincrement=False),
    Column("sends", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)

# --- segments and reports ------------------------------------------------------------------------

segments = Table(
    "segments",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("type", String(16), nullable=False, server_default="Active"),
    Column("description", Text, nullable=False, server_default=""),
    Column("favorite", Boolean, nullable=False, server_default=text("false")),
    Column("criteria", JSON, nullable=False, server_default="[]"),
    Column("last_count", BigInteger, nullable=True),
    Column("last_count_date", BigInteger, nullable=True),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
)

reports = Table(
    "reports",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("kind", String(32), nullable=False),  # contact_activity | contact_search | ...
    Column("title", String(255), nullable=False),
    Column("request", JSON, nullable=False),
    Column("status", SmallInteger, nullable=False, server_default="1"),  # 1 pending, 2 completed
    Column("row_count", BigInteger, nullable=True),
    Column("result", JSON, nullable=True),
    Column("error", Text, nullable=True),
    Column("created", BigInteger, nullable=False),
    Column("completed", BigInteger, nullable=True),
    Column("events_high", BigInteger, nullable=True),  # highest event id committed at creation
    Column("data_through", BigInteger, nullable=True),  # the replica's event id it read
    Column("store", String(16), nullable=True),  # where its rows are: main | replica
)

# The counters of a contact activity report row (Ongage's selected_fields names).
REPORT_COUNTERS = (
    "sent",
    "opens",
    "clicks",
    "machine_opens",
    "machine_clicks",
    "unsubscribe",
    "complains",
    "bounces",
)

# Rows of reports computed in the main database (all-time reports, MAILROOM_ANALYTICS=main).
report_rows = Table(
    "report_rows",
    metadata,
    Column("report_id", BigInteger, primary_key=True, autoincrement=False),
    Column("contact_id", BigInteger, primary_key=True, autoincrement=False),
    Column("email", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("fields", Text, nullable=True),  # the contact's list-field values, JSON text
    Column("created", BigInteger, nullable=True),
    Column("unsubscribe_date", BigInteger, nullable=True),
    Column("resubscribe_date", BigInteger, nullable=True),
    Column("bounce_date", BigInteger, nullable=True),
    Column("complaint_date", BigInteger, nullable=True),
    *(Column(name, BigInteger, nullable=False, server_default="0") for name in REPORT_COUNTERS),
    Column("last_sent_date", BigInteger, nullable=True),
    Column("last_open_date", BigInteger, nullable=True),
    Column("last_click_date", BigInteger, nullable=True),
    sqlite_with_rowid=False,
)

# The contacts a contact search found (migration 0013a), read joined to `contacts`.
search_results = Table(
    "search_results",
    metadata,
    Column(
        "report_id",
        BigInteger,
        ForeignKey("reports.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("contact_id", BigInteger, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

# --- automation: events & triggers ---------------------------------------------------------------

automation_events = Table(
    "automation_events",
    metadata,
    _id(),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("based_on", String(16), nullable=True),  # mailing | date_field | recurring
    Column("mailing_id", BigInteger, nullable=True),
    Column("date_field_name", String(64), nullable=True),
    Column("annually_event", Boolean, nullable=False, server_default=text("false")),
    Column("ongoing_event", Boolean, nullable=False, server_default=text("false")),
    Column("start_date", BigInteger, nullable=True),
    Column("end_date", BigInteger, nullable=True),
    Column("active", Boolean, nullable=False, server_default=text("false")),
    Column("segments", JSON, nullable=False, server_default="[]"),
    Column("segments_excluded", JSON, nullable=False, server_default="[]"),
    Column("distribution", JSON, nullable=False, server_default="[]"),
    Column("esp_connections_quota", JSON, nullable=True),
    Column("emails_limit", BigInteger, nullable=True),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    Column("activated", BigInteger, nullable=True),  # last switched on; nothing due before
    Column("checked_until_ms", BigInteger, nullable=True),  # the scheduler looked up to here
)

triggers = Table(
    "triggers",
    metadata,
    _id(),
    Column(
        "event_id",
        ForeignKey("automation_events.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),  # 1-based, as based_on_trigger names it
    Column("based_on", String(16), nullable=False),  # list_field | mailing | trigger | list
    Column("email_messages", JSON, nullable=False, server_default="[]"),
    Column("days_diff", Integer, nullable=True),
    Column("send_on_days", JSON, nullable=True),
    Column("operator", String(8), nullable=True),
    Column("email_operator", String(32), nullable=True),
    Column("based_on_trigger", Integer, nullable=True),
    Column("schedule_hour", SmallInteger, nullable=False, server_default="0"),
    Column("schedule_minute", SmallInteger, nullable=False, server_default="0"),
    Column("recurrence", JSON, nullable=True),
    Column("mailing_id", BigInteger, nullable=True),  # the mailing its sends are recorded under
)

# One row per message that is due: claimed under its unique key before it is sent, its outcome
# written after (mailroom.sending.claims). key: "m:<mailing>:<contact>" for a mailing,
# "t:<trigger>:<contact>:<occurrence>" for a trigger.
sends = Table(
    "sends",
    metadata,
    _id(),
    Column("account_id", BigInteger, nullable=False),
    Column("key", _opaque(96), nullable=False),  # compared as bytes on PostgreSQL
    Column("mailing_id", BigInteger, nullable=False),
    Column("trigger_id", BigInteger, nullable=True),
    Column("contact_id", BigInteger, nullable=False),
    Column("email_message_id", BigInteger, nullable=False),
    Column("connection_id", BigInteger, nullable=True),
    Column("due_ms", BigInteger, nullable=False),
    # queued | claimed | sending | sent | failed | bounced | unknown | skipped
    Column("status", String(12), nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(64), nullable=True),
    Column("lease_until_ms", BigInteger, nullable=True),
    Column("sent_ms", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_ms", BigInteger, nullable=False),
    # The included segment the recipient was chosen through ({{ocx_segment_id}}; 0018a).
    Column("segment_id", BigInteger, nullable=True),
    UniqueConstraint("key"),
)
Index("ix_sends_status_due_ms", sends.c.status, sends.c.due_ms)
Index("ix_sends_mailing_id_status", sends.c.mailing_id, sends.c.status)
Index("ix_sends_trigger_id_sent_ms", sends.c.trigger_id, sends.c.sent_ms)

# Places taken in daily quotas (migration 0019a): per (connection, event, day), event 0 being
# the connection's own `daily_quota`. Every worker process takes its places here, atomically, so
# a quota holds across processes; only connections and events that have a quota get rows.
quota_usage = Table(
    "quota_usage",
    metadata,
    Column("connection_id", BigInteger, primary_key=True, autoincrement=False),
    # 0: the connection's daily_quota
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("day_ms", BigInteger, primary_key=True, autoincrement=False),  # the account's day
    Column("used", BigInteger, nullable=False),
)

# A sending connection's next free slot for `rate_per_second` (Unix time in microseconds),
# shared by every worker process (see sending/pace.py).
connection_pace = Table(
    "connection_pace",
    metadata,
    Column("connection_id", BigInteger, primary_key=True, autoincrement=False),
    Column("next_us", BigInteger, nullable=False),
)

# The console's copy of each event's preview of the next days (migration 0017c): computing it
# selects the contacts due on each day, too slow to do on every page view of a large list.
automation_previews = Table(
    "automation_previews",
    metadata,
    Column("event_id", ForeignKey("automation_events.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", BigInteger, nullable=False),
    Column("first_day", String(10), nullable=False),  # YYYY-MM-DD (UTC), the window's first day
    Column("days", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("per_day", JSON, nullable=False),  # {"YYYY-MM-DD": messages}
    Column("items", JSON, nullable=False),  # the first messages due, as the preview API shows them
    Column("computed_ms", BigInteger, nullable=False),
)

# --- rollups the console reads (`charts`), refreshed by the charts.refresh job --------------------
# Each is a snapshot: counting a million contacts or summing a mailing's 750,000 totals rows on
# every page view is what these tables spare. `replica_state` rows `charts.*:<account id>` hold
# the event cursor and the time of the last refresh.

mailing_stats = Table(
    "mailing_stats",
    metadata,
    Column("mailing_id", ForeignKey("mailings.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    # Contacts, each counted once per mailing (from contact_mailing_totals).
    Column("sent", BigInteger, nullable=False, server_default="0"),
    Column("delivered", BigInteger, nullable=False, server_default="0"),
    Column("opened", BigInteger, nullable=False, server_default="0"),  # people's opens
    Column("opened_any", BigInteger, nullable=False, server_default="0"),  # machines' too
    Column("clicked", BigInteger, nullable=False, server_default="0"),
    Column("clicked_any", BigInteger, nullable=False, server_default="0"),
    Column("bounced", BigInteger, nullable=False, server_default="0"),
    Column("complained", BigInteger, nullable=False, server_default="0"),
    Column("opted_out", BigInteger, nullable=False, server_default="0"),
    Column("computed_ms", BigInteger, nullable=False),
)

mailing_hourly = Table(
    "mailing_hourly",
    metadata,
    Column("mailing_id", ForeignKey("mailings.id", ondelete="CASCADE"), primary_key=True),
    Column("hour", SmallInteger, primary_key=True, autoincrement=False),  # hours after sending
    Column("account_id", BigInteger, nullable=False),
    Column("opens", Integer, nullable=False, server_default="0"),
    Column("machine_opens", Integer, nullable=False, server_default="0"),
    Column("clicks", Integer, nullable=False, server_default="0"),
    Column("machine_clicks", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)

mailing_links = Table(
    "mailing_links",
    metadata,
    Column("mailing_id", ForeignKey("mailings.id", ondelete="CASCADE"), primary_key=True),
    Column("link_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("clicks", Integer, nullable=False, server_default="0"),
    Column("machine_clicks", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)

list_status_counts = Table(
    "list_status_counts",
    metadata,
    Column("list_id", ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("contacts", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# --- durable background work ---------------------------------------------------------------------

jobs = Table(
    "jobs",
    metadata,
    _id(),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False, server_default="{}"),
    Column(
        "status", String(16), nullable=False, server_default="queued"
    ),  # queued|running|done|failed
    Column("run_at_ms", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="5"),
    Column("locked_by", String(64), nullable=True),
    Column("locked_until_ms", BigInteger, nullable=True),
    Column("dedupe_key", String(255), nullable=True, unique=True),
    Column("error", Text, nullable=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("finished_ms", BigInteger, nullable=True),
)
Index("ix_jobs_ready", jobs.c.status, jobs.c.run_at_ms)

# What the columnar replica follows besides the events (migration 0014). Triggers on `contacts`
# write one row per inserted, updated or deleted contact; code that deletes events writes one
# row per deletion (`activity.deletions`).
contact_changes = Table(
    "contact_changes",
    metadata,
    _id(),
    Column("contact_id", BigInteger, nullable=False),
)

event_deletions = Table(
    "event_deletions",
    metadata,
    _id(),
    Column("account_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # contacts | list | range | account
    Column("list_id", BigInteger, nullable=True),
    Column("contact_ids", JSON, nullable=True),
    Column("id_low", BigInteger, nullable=True),
    Column("id_high", BigInteger, nullable=True),
    Column("before_ms", BigInteger, nullable=True),
    Column("events_max", BigInteger, nullable=False, server_default="0"),  # max id left
)

replica_state = Table(
    "replica_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_event_id", BigInteger, nullable=False, server_default="0"),
    Column("updated_ms", BigInteger, nullable=False, server_default="0"),
)

# --- hardening: secrets, webhook replays, shared rate limits --------------------------------------

# The server secret that signs tracking links when MAILROOM_SECRET_KEY is not set: generated on
# first start, kept with the data it protects. Retired keys still verify for a grace period.
server_keys = Table(
    "server_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("secret", String(128), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("retired", BigInteger, nullable=True),
)

# Signature tokens (or message ids) of webhook calls already accepted, with a hash of the body
# each came with: shared by every process and kept across restarts.
webhook_replays = Table(
    "webhook_replays",
    metadata,
    Column("endpoint_id", BigInteger, primary_key=True),
    Column("token", _opaque(128), primary_key=True),
    Column("body_hash", String(64), nullable=False),  # hex SHA-256
    Column("seen_s", BigInteger, nullable=False),
)
Index("ix_webhook_replays_seen", webhook_replays.c.seen_s)

# Calls per account per clock minute, counted by every process of this database.
rate_counts = Table(
    "rate_counts",
    metadata,
    Column("account_id", BigInteger, primary_key=True),
    Column("minute", BigInteger, primary_key=True),
    Column("calls", Integer, nullable=False),
)
