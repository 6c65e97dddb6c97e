"""Admin page: both onion addresses, the workplace poster, and the confidants' client keys."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from kring.core.instance_settings import current_options
from kring.journalist_ui.auth import require_admin
from kring.onion.layout import OnionLayout, OnionLayoutUnreadable
from kring.web.context import core
from kring.web.onion_layout import onion_layout
from kring.web.poster import poster_pdf, poster_png

log = logging.getLogger("kring.journalist_ui")

bp = Blueprint("onion_admin", __name__, url_prefix="/<lang>/admin/onion")


def _layout() -> OnionLayout:
    return onion_layout(core().settings)


@bp.get("/")
def overview() -> str | tuple[str, int]:
    """Where reporters and confidants find the drop, and who holds a client key.

    The addresses and keys come from the layout the settings name (the demo's
    folders or Debian's tor as deployed); a layout that is missing or cannot be
    read is said on the page (503), never a 500 or an empty page.
    """
    require_admin()
    try:
        layout = _layout()
        source, journalist = layout.address("source"), layout.address("journalist")
        clients = layout.client_names()
    except OnionLayoutUnreadable as exc:
        log.warning("onion layout unreadable: %s", exc)
        return render_template("journalist/admin_onion.html", layout_error=str(exc)), 503
    return render_template(
        "journalist/admin_onion.html",
        source_address=source,
        journalist_address=journalist,
        clients=clients,
        layout_kind=layout.kind,
    )


@bp.get("/poster.<fmt>")
def poster(fmt: str) -> BaseResponse:
    """The printable poster with the reporters' address as a QR code (PNG or PDF)."""
    require_admin()
    try:
        address = _layout().address("source")
    except OnionLayoutUnreadable:
        return redirect(url_for("onion_admin.overview"))
    if address is None or fmt not in ("png", "pdf"):
        abort(404)
    organisation = current_options(core()).organisation_name
    if fmt == "png":
        body, mimetype = poster_png(address, organisation), "image/png"
    else:
        body, mimetype = poster_pdf(address, organisation), "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="kring-poster.{fmt}"'
    return response
