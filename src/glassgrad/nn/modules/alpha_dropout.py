"""AlphaDropout and FeatureAlphaDropout: dropout that keeps a SELU network's mean and variance (whole channels
for the feature form), drawing PyTorch's masks from glassgrad's generator."""
from .. import functional as F
from .dropout import _DropoutNd

__all__ = ["AlphaDropout", "FeatureAlphaDropout"]


class AlphaDropout(_DropoutNd):
    """Sets each element with probability p to SELU's saturation value, then rescales and shifts."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """AlphaDropout of whole channels (input[n, c])."""

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
