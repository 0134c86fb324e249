"""glassgrad.nn.init."""
