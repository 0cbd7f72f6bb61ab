"""How the audit trail names each workflow action (django-simple-history's change reason)."""

from __future__ import annotations


class Action:
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    PRE_APPROVE = "pre_approve"
    APPROVE = "approve"
    # An official approved a report its park was to pre-review, before the park manager did.
    APPROVE_SKIPPING_PREREVIEW = "approve_skipping_prereview"
    RETURN = "return"
    REOPEN = "reopen"


def change_reason(action: str, comment: str = "") -> str:
    """The history row's reason: the action, then the comment ("return: Fix revenue")."""
    return f"{action}: {comment}" if comment else action


def change_reason_parse(reason: str | None) -> tuple[str, str]:
    action, _sep, comment = (reason or "").partition(": ")
    return action, comment
