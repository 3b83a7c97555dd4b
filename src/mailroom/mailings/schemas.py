"""Shapes of the mailings domain: Ongage's status codes."""

from __future__ import annotations

NEW = 60001
SCHEDULED = 60002
IN_PROGRESS = 60003
COMPLETED = 60004
ERROR = 60005
CANCELLED = 60006
DELETED = 60007
COMPLETED_WITH_ERRORS = 60008
ON_HOLD = 60009
STOPPED = 60010

STATUS_DESC = {
    NEW: "New",
    SCHEDULED: "Scheduled",
    IN_PROGRESS: "In Progress",
    COMPLETED: "Completed",
    ERROR: "Error",
    CANCELLED: "Cancelled",
    DELETED: "Deleted",
    COMPLETED_WITH_ERRORS: "Completed With Errors",
    ON_HOLD: "On Hold",
    STOPPED: "Stopped",
}
# Sends of a mailing in these states wait (paused) or are dropped (cancelled).
NOT_SENDING = (CANCELLED, DELETED, ON_HOLD, STOPPED)
MAILING_NOT_FOUND = "Mailing not found"
