"""Admin page: both onion addresses, the workplace poster, and the confidants' client keys."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from kring.core.instance_settings import load_options
from kring.journalist_ui.auth import require_admin
from kring.journalist_ui.state import core
from kring.web.poster import poster_pdf, poster_png

bp = Blueprint("onion_admin", __name__, url_prefix="/<lang>/admin/onion")


def _address(service: str) -> str | None:
    """The published address of ``service`` ("source" or "journalist"), if any."""
    hostname = core().settings.instance_dir / "onion" / service / "hostname"
    try:
        return hostname.read_text().strip() or None
    except OSError:
        return None


def _client_names() -> list[str]:
    folder = core().settings.instance_dir / "onion" / "journalist" / "authorized_clients"
    try:
        return sorted(p.stem for p in folder.glob("*.auth"))
    except OSError:
        return []


@bp.get("/")
def overview() -> str:
    """Where reporters and confidants find the drop, and who holds a client key."""
    require_admin()
    return render_template(
        "journalist/admin_onion.html",
        source_address=_address("source"),
        journalist_address=_address("journalist"),
        clients=_client_names(),
    )


@bp.get("/poster.<fmt>")
def poster(fmt: str) -> Response:
    """The printable poster with the reporters' address as a QR code (PNG or PDF)."""
    require_admin()
    address = _address("source")
    if address is None or fmt not in ("png", "pdf"):
        abort(404)
    organisation = load_options(core()).organisation_name
    if fmt == "png":
        body, mimetype = poster_png(address, organisation), "image/png"
    else:
        body, mimetype = poster_pdf(address, organisation), "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="kring-poster.{fmt}"'
    return response
