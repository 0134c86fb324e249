"""Draws a small model's backward graph with glassgrad.explain.draw: the cut made by `.detach()` shows as a
grey dashed ghost node with its line, the value modified in place after it was saved shows in red.

    python examples/draw_graph.py [OUT.svg]
"""
import sys

import glassgrad as torch

torch.manual_seed(0)
w1 = torch.randn(4, 3, requires_grad=True)
w2 = torch.randn(2, 4, requires_grad=True)
x = torch.randn(3)

h = torch.tanh(w1 @ x)
frozen_h = h.detach()          # cuts w1 off from everything computed from frozen_h
y = torch.sigmoid(w2 @ frozen_h)
y.mul_(2)                      # overwrites the value SigmoidBackward0 saved for backward
loss = y.sum()

out = sys.argv[1] if len(sys.argv) > 1 else "docs/explain-graph.svg"
fmt = out.rsplit(".", 1)[-1]
torch.explain.draw(loss, name="loss", format=fmt, filename=out)
print(f"wrote {out}")
