"""The blog's Forward-Forward code, step for step, as the baseline our timings are compared with.

Completed only where the post leaves gaps, as its source repository does: the threshold (2.0),
the optimizer step, and the list appends. Its separate positive and negative passes, its loss
expression `log(1 + exp(.))`, its full-batch loop and its final re-computed forward pass are kept.
Nothing here is imported by the package; it exists to be measured.
"""

from __future__ import annotations

import torch


def combine_x_y(x, y):
    label_onehot = torch.nn.functional.one_hot(y, 10) * x.max()
    return torch.hstack([x, label_onehot])


class Layer(torch.nn.Linear):
    def __init__(self, in_features, out_features, num_epochs=1000, bias=True, device=None, dtype=None):
        super().__init__(in_features, out_features, bias, device, dtype)
        self.activation = torch.nn.ReLU()
        self.optimizer = torch.optim.Adam(self.parameters(), lr=0.03)
        self.threshold = 2.0
        self.num_epochs = num_epochs
        self.losses = []

    def forward(self, x):
        x_normalized = x / (x.norm(2, 1, keepdim=True) + 1e-8)
        return self.activation(torch.mm(x_normalized, self.weight.T) + self.bias.unsqueeze(0))

    def train(self, x_positive, x_negative):
        self.losses = []
        for i in range(self.num_epochs):
            goodness_positive = self.forward(x_positive).pow(2).mean(1)
            goodness_negative = self.forward(x_negative).pow(2).mean(1)
            loss = torch.log(1 + torch.exp(torch.cat([-goodness_positive + self.threshold,
                                                      goodness_negative - self.threshold]))).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.losses.append(loss.item())
        return self.forward(x_positive).detach(), self.forward(x_negative).detach()


class FFNN(torch.nn.Module):
    def __init__(self, dims, num_epochs=1000, device="cpu"):
        super().__init__()
        self.layers = [Layer(dims[d], dims[d + 1], num_epochs, device=device) for d in range(len(dims) - 1)]

    def train(self, x_positive, x_negative):
        h_positive, h_negative = x_positive, x_negative
        for layer in self.layers:
            h_positive, h_negative = layer.train(h_positive, h_negative)

    @torch.no_grad()
    def predict(self, x):
        goodness_per_label = []
        for label in range(10):
            inputs = combine_x_y(x, torch.full((x.shape[0],), label, dtype=torch.long, device=x.device))
            goodness_per_label.append(sum(self._forward_pass(inputs)).unsqueeze(1))
        return torch.cat(goodness_per_label, 1).argmax(1)

    def _forward_pass(self, h):
        goodnesses = []
        for layer in self.layers:
            h = layer(h)
            goodnesses.append(h.pow(2).mean(1))
        return goodnesses


def blog_negatives(x, y, generator=None):
    """The blog's positive and negative data: true labels, and one shuffle of them (drawn once)."""
    rnd = torch.randperm(y.size(0), generator=generator)
    return combine_x_y(x, y), combine_x_y(x, y[rnd.to(y.device)])
