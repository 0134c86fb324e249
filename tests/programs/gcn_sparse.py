"""Graph convolutional network (Kipf & Welling) in the style of the PyTorch gcn example, on a synthetic
stochastic-block-model graph: a symmetric-normalised sparse adjacency built with torch.sparse_coo_tensor,
GraphConv layers computing adj @ (x W) with torch.sparse.mm, dropout, log_softmax + nll_loss on the training
mask only, Adam with weight decay, and masked validation/test accuracy.

    python gcn_sparse.py --epochs 20 --log losses.txt
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class GraphConv(nn.Module):
    def __init__(self, input_dim, output_dim, use_bias=True):
        super(GraphConv, self).__init__()
        self.kernel = nn.Parameter(torch.empty(input_dim, output_dim))
        nn.init.xavier_normal_(self.kernel)
        self.bias = nn.Parameter(torch.zeros(output_dim)) if use_bias else None

    def forward(self, input_tensor, adj_mat):
        support = torch.mm(input_tensor, self.kernel)
        output = torch.sparse.mm(adj_mat, support)
        if self.bias is not None:
            output = output + self.bias
        return output


class GCN(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, dropout_p=0.5):
        super(GCN, self).__init__()
        self.gc1 = GraphConv(input_dim, hidden_dim)
        self.gc2 = GraphConv(hidden_dim, output_dim)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input_tensor, adj_mat):
        x = self.gc1(input_tensor, adj_mat)
        x = F.relu(x)
        x = self.dropout(x)
        x = self.gc2(x, adj_mat)
        return F.log_softmax(x, dim=1)


def block_model_graph(num_nodes, num_classes, features, p_in=0.15, p_out=0.01):
    labels = torch.randint(0, num_classes, (num_nodes,))
    same = labels[:, None] == labels[None, :]
    prob = torch.where(same, torch.tensor(p_in), torch.tensor(p_out))
    upper = torch.triu(torch.rand(num_nodes, num_nodes) < prob, diagonal=1)
    dense = (upper | upper.t()).float() + torch.eye(num_nodes)  # symmetric, with self-loops
    deg_inv_sqrt = dense.sum(1).pow(-0.5)
    norm = deg_inv_sqrt[:, None] * dense * deg_inv_sqrt[None, :]
    indices = norm.nonzero().t()
    values = norm[indices[0], indices[1]]
    adj = torch.sparse_coo_tensor(indices, values, (num_nodes, num_nodes)).coalesce()
    centres = torch.randn(num_classes, features)
    x = centres[labels] * 0.4 + torch.randn(num_nodes, features)
    return x, adj, labels


def make_logger(path):
    """One line per step, `phase epoch step key value ...`, values at full precision (for comparisons)."""
    handle = open(path, "w") if path else None

    def log(phase, epoch, step, **values):
        if handle is not None:
            fields = " ".join("{} {!r}".format(k, float(v)) for k, v in values.items())
            handle.write("{} {} {} {}\n".format(phase, epoch, step, fields))
            handle.flush()
    return log


def main():
    parser = argparse.ArgumentParser(description="PyTorch Graph Convolutional Network")
    parser.add_argument("--epochs", type=int, default=20, help="number of epochs to train (default: 20)")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (default: 0.01)")
    parser.add_argument("--l2", type=float, default=5e-4, help="weight decay (default: 5e-4)")
    parser.add_argument("--dropout-p", type=float, default=0.5, help="dropout probability (default: 0.5)")
    parser.add_argument("--hidden-dim", type=int, default=16, help="dimension of the hidden representation")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--log", default=None, metavar="FILE", help="write every epoch's loss to FILE")
    args = parser.parse_args()

    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    torch.manual_seed(args.seed)

    features, adj_mat, labels = block_model_graph(120, 3, 12)
    idx = torch.randperm(120)
    idx_train, idx_val, idx_test = idx[:30], idx[30:60], idx[60:]
    features, adj_mat, labels = features.to(device), adj_mat.to(device), labels.to(device)

    gcn = GCN(features.shape[1], args.hidden_dim, 3, args.dropout_p).to(device)
    optimizer = optim.Adam(gcn.parameters(), lr=args.lr, weight_decay=args.l2)
    criterion = nn.NLLLoss()
    log = make_logger(args.log)
    log("setup", 0, 0, edges=adj_mat._nnz(), params=sum(p.detach().abs().sum().item() for p in gcn.parameters()))

    for epoch in range(args.epochs):
        gcn.train()
        optimizer.zero_grad()
        y_pred = gcn(features, adj_mat)
        loss = criterion(y_pred[idx_train], labels[idx_train])
        loss.backward()
        optimizer.step()

        gcn.eval()
        with torch.no_grad():
            y_pred = gcn(features, adj_mat)
            val_loss = criterion(y_pred[idx_val], labels[idx_val]).item()
            val_acc = (y_pred[idx_val].argmax(1) == labels[idx_val]).float().mean().item()
        log("train", epoch, 0, loss=loss.item(), val_loss=val_loss, val_acc=val_acc)
        print(f"Epoch {epoch + 1:03d} | Train Loss {loss.item():.4f} | Val Loss {val_loss:.4f} | Val Acc {val_acc:.3f}")

    with torch.no_grad():
        y_pred = gcn(features, adj_mat)
        test_acc = (y_pred[idx_test].argmax(1) == labels[idx_test]).float().mean().item()
    log("test", 0, 0, accuracy=test_acc)
    print(f"Test accuracy {test_acc:.3f}")


if __name__ == "__main__":
    main()
