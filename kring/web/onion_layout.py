"""The onion layout an instance's settings name (shared by journalist_ui and the CLI)."""

from __future__ import annotations

from pathlib import Path

from kring.core.settings import Settings
from kring.onion.layout import OnionLayout, layout_for


def onion_layout(settings: Settings) -> OnionLayout:
    """``settings.onion_layout`` as an OnionLayout (OnionLayoutUnreadable if unknown)."""
    return layout_for(
        settings.onion_layout,
        instance_dir=settings.instance_dir,
        source_dir=Path(settings.onion_source_dir) if settings.onion_source_dir else None,
        journalist_dir=(
            Path(settings.onion_journalist_dir) if settings.onion_journalist_dir else None
        ),
    )
