"""Provenance of gradient tracking: where and why it was cut (built out in the explanation issue)."""
from .events import tracking_event, set_listener, get_listener, KINDS

__all__ = ["tracking_event", "set_listener", "get_listener", "KINDS"]
