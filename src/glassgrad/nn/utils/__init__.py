"""glassgrad.nn.utils."""
