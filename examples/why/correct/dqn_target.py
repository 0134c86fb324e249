"""A DQN update: the target comes from a target network under torch.no_grad() and is detached: nothing to report."""
import copy

import glassgrad as torch
import glassgrad.nn as nn
from glassgrad import optim

torch.manual_seed(0)

q_net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
target_net = copy.deepcopy(q_net)
opt = optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99

for step in range(4):
    state, next_state = torch.randn(8, 4), torch.randn(8, 4)
    action, reward = torch.randint(0, 2, (8,)), torch.randn(8)
    done = (torch.rand(8) < 0.1).float()
    q = q_net(state).gather(1, action.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_q = target_net(next_state).max(dim=1).values
    target = (reward + gamma * (1 - done) * next_q).detach()
    loss = nn.functional.smooth_l1_loss(q, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 1:
        target_net.load_state_dict(q_net.state_dict())
    print(f"step {step}: loss {loss.item():.4f}")
