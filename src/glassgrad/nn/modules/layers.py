"""glassgrad.nn.modules.layers."""
__all__ = []
