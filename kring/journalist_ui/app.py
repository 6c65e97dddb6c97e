"""The confidants' app factory: the shared app base, then the confidants' and admins' pages."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g

from kring.core import throttle as accounts_throttle
from kring.core.accounts import admin as accounts_admin
from kring.core.accounts import passwords, records, totp
from kring.core.cases.inbox import ConversationNotFound
from kring.core.context import CoreContext, build_context
from kring.core.errors import (
    EmptySubmission,
    InvalidChoice,
    MessageTooLong,
    SubmissionFailed,
)
from kring.core.instance_settings import InvalidSetting
from kring.core.settings import Settings
from kring.core.storage.disk_room import StoreRoom, store_room
from kring.crypto.errors import InvalidPublicKey
from kring.journalist_ui import (
    account,
    admin,
    auth,
    content_admin,
    conversations,
    formatting,
    insights,
    labels,
    onion_admin,
)
from kring.journalist_ui.state import JournalistState
from kring.readable import human_size
from kring.web.base import AppSpec, build_app
from kring.web.sessions import SessionLengths

log = logging.getLogger("kring.journalist_ui")

# Named failures of core services -> (error page kind, status), besides the
# "not found" errors both apps answer alike (web.base.SHARED_ERROR_PAGES).
ERROR_PAGES: dict[type[Exception], tuple[str, int]] = {
    ConversationNotFound: ("not_found", 404),
    records.AccountNotFound: ("not_found", 404),
    totp.InvalidTotp: ("invalid_totp", 403),
    accounts_throttle.LoginThrottled: ("throttled", 429),
    accounts_admin.LastAdmin: ("last_admin", 409),
    accounts_admin.AccountHasConversations: ("has_conversations", 409),
    accounts_admin.UsernameTaken: ("username_taken", 409),
    accounts_admin.InvalidUsername: ("invalid_username", 400),
    passwords.WeakPassword: ("weak_password", 400),
    records.LoginFailed: ("wrong_password", 403),
    records.EnrolmentOrder: ("enrolment_order", 409),
    passwords.SamePassword: ("same_password", 400),
    accounts_admin.ResetNeedsSecondAdmin: ("second_admin", 409),
    InvalidPublicKey: ("invalid_key", 400),
    InvalidSetting: ("invalid_setting", 400),
    InvalidChoice: ("bad_request", 400),
    MessageTooLong: ("reply_too_long", 413),
    EmptySubmission: ("empty_reply", 400),
    SubmissionFailed: ("reply_failed", 503),
}


def create_app(settings: Settings, *, context: CoreContext | None = None) -> Flask:
    """Build the confidants' app for ``settings``.

    Invariants wired here: server-side sessions with a new id at login, ended
    after the idle or absolute minutes in force (30 and 120 unless an admin
    changed them; a form's CSRF token lives as long as a session may);
    security headers and the no-JavaScript CSP on every response; CSRF on
    every form; no request logging; no upload spooled to disk; every error a page.
    """
    ctx = context or build_context(settings)
    state = JournalistState(ctx=ctx)

    def page_globals() -> dict[str, Any]:
        return {
            "account": g.get("account"),
            "path_labels": labels.path_labels(),
            "status_labels": labels.status_labels(),
            "category_labels": labels.category_labels(),
            "kind_labels": labels.kind_labels(),
            "role_labels": labels.role_labels(),
            "outcome_labels": labels.outcome_labels(),
            "store_room": _store_warning(ctx),
        }

    app = build_app(
        ctx,
        AppSpec(
            import_name=__name__,
            cookie_name="kring_journalist",
            error_template="journalist/error.html",
            log=log,
            # Replies are text; the public key form is the largest (a few kB).
            max_content_length=2 * 1024 * 1024,
            session_lengths=lambda options: SessionLengths(
                options.session_idle_minutes * 60, options.session_absolute_minutes * 60
            ),
            csrf_time_limit=lambda options: options.session_absolute_minutes * 60,
            error_pages=ERROR_PAGES,
            extra_kinds={401: "session_ended"},
            # The session store and the throttle read the state's clock, so a test
            # moving the clock moves TOTP, throttle and session expiry together.
            session_clock=state.now,
            blueprints=(
                auth.bp,
                conversations.bp,
                account.bp,
                admin.bp,
                onion_admin.bp,
                insights.bp,
                content_admin.bp,
            ),
            # The upload streams its own body and checks the token once it has arrived.
            streaming_views=(content_admin.upload_media,),
            page_globals=page_globals,
            template_filters={
                "fingerprint": formatting.fingerprint_groups,
                "size": formatting.item_size,
                # No bucket: a store's use, a disk's free space.
                "bytes": human_size,
                "day": formatting.day,
                "decimal": formatting.decimal,
                "quarter": labels.quarter_label,
            },
        ),
    )
    state.failures = accounts_throttle.FailureThrottle(clock=state.now)
    app.extensions["kring_journalist"] = state
    app.before_request(auth.load_account)
    return app


def _store_warning(ctx: CoreContext) -> StoreRoom | None:
    """The store's room when an admin should be warned of it, else None.

    Counted for admins only (a walk of the store's file sizes, on each page),
    so the warning is on every page they open until room is made.
    """
    account = g.get("account")
    if account is None or account.role != "admin" or not account.totp_confirmed:
        return None
    room = store_room(ctx)
    return room if room.warn else None
