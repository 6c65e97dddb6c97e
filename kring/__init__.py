"""Kring: an anonymous workplace reporting drop."""
