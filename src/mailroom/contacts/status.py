"""Contact status changes and the ``ocx_*`` dates they set.

One rule serves `change_status` calls and engagement events alike: a change applies only if it is
not older than the contact's last status change, so repeated or out-of-order events do no harm.
"""

from __future__ import annotations

from typing import Any

ACTIVE = "active"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
COMPLAINT = "complaint"

OCX_STATUS = {
    ACTIVE: "Active",
    UNSUBSCRIBED: "Unsubscribed",
    BOUNCED: "Bounced",
    COMPLAINT: "Complaint",
}

# change_to value -> (new status, date column it stamps)
CHANGES: dict[str, tuple[str, str]] = {
    "unsubscribe": (UNSUBSCRIBED, "unsubscribe_date"),
    "resubscribe": (ACTIVE, "resubscribe_date"),
    "bounce": (BOUNCED, "bounce_date"),
    "complaint": (COMPLAINT, "complaint_date"),
}
# Statuses that stop mail at the contact's wish: entering one is an opt-out (the charts'
# "contacts blocked"); a hard bounce is not.
OPTED_OUT = frozenset((UNSUBSCRIBED, COMPLAINT))


def opts_out(old_status: str, new_status: str) -> bool:
    """Whether a change from `old_status` to `new_status` is an opt-out that changed the status."""
    return new_status in OPTED_OUT and old_status not in OPTED_OUT


# Accepted by change_status but not a status change: soft bounces only count; remove deletes.
COUNTER_ONLY = {"soft_bounce"}
REMOVE = "remove"
CHANGE_TO_VALUES = (*CHANGES, *COUNTER_ONLY, REMOVE)


def transition(
    status: str, status_changed_ms: int, change: str, at_ms: int
) -> dict[str, Any] | None:
    """Column updates for `change` at `at_ms`, or None when it changes nothing.

    A change older than the last one is ignored; the same change again only moves nothing
    (its date stays the first time it happened), so replays are harmless.
    """
    if change not in CHANGES or at_ms < status_changed_ms:
        return None
    new_status, date_column = CHANGES[change]
    if new_status == status:
        return None
    if change == "resubscribe" and status == ACTIVE:
        return None
    return {"status": new_status, date_column: at_ms // 1000, "status_changed_ms": at_ms}
