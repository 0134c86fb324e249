"""Test-wide settings: the explanation recorder raises its own errors instead of swallowing them."""
import os

os.environ["GLASSGRAD_DEBUG_RECORDER"] = "1"
