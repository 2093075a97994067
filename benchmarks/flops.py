"""Against the limit: the FLOPs an epoch needs, the FLOP/s the two codes achieve, and the machine's peak.

Training a Forward-Forward layer on a full batch is two matrix products per epoch, and nearly
all the arithmetic is in them. The peak is not a number from a data sheet: it is the speed of
this machine, in this run, on those very products (same shapes, same library), so the share says
how much of what the hardware can do for this work each code gets.
"""

from __future__ import annotations

import torch

from .machine import best_seconds

FORMULA = ("FLOPs per layer-epoch = 2*(2N)*in*out for the forward product (N positives and N negatives "
           "in one or two products) + 2*(2N)*in*out for the weight gradient. No input gradient is needed: "
           "each layer's input is detached (layer 0's is the data). Biases, ReLU, norms, the loss and "
           "Adam add O(N*out) work and are left out.")


def layer_flops(n: int, dims) -> list:
    """FLOPs of one epoch of each layer on n positives and n negatives."""
    return [2 * (2 * (2 * n) * i * o) for i, o in zip(dims[:-1], dims[1:])]


def product_seconds(n: int, in_features: int, out_features: int, device, repeats: int):
    """Best seconds for a layer's two products at full batch: (forward, weight gradient).

    Outputs go into buffers allocated once, so that what is timed is the arithmetic alone.
    """
    rows = 2 * n
    x = torch.randn(rows, in_features, device=device)
    weight = torch.randn(out_features, in_features, device=device)
    bias = torch.randn(out_features, device=device)
    grad_out = torch.randn(rows, out_features, device=device)
    z = torch.empty(rows, out_features, device=device)
    grad_w = torch.empty(out_features, in_features, device=device)
    grad_w_t = torch.empty(in_features, out_features, device=device)
    forward = best_seconds(lambda: torch.addmm(bias, x, weight.t(), out=z), device, repeats)
    # Autograd computes nn.Linear's weight gradient as grad_out.T @ x; x.T @ grad_out is the same
    # product transposed. The faster of the two is what the machine can do.
    gradient = min(best_seconds(lambda: torch.mm(grad_out.t(), x, out=grad_w), device, repeats),
                   best_seconds(lambda: torch.mm(x.t(), grad_out, out=grad_w_t), device, repeats))
    return forward, gradient


def run(side: dict, device, repeats: int) -> dict:
    """FLOP/s of the side-by-side runs (their result dict `side`) against the measured peak."""
    n, dims = side["images"], side["dims"]
    flops = layer_flops(n, dims)
    products = [product_seconds(n, i, o, device, repeats) for i, o in zip(dims[:-1], dims[1:])]
    # Per layer-epoch, averaged over the layers, as the side-by-side seconds per epoch are.
    flops_per_epoch = sum(flops) / len(flops)
    limit_seconds_per_epoch = sum(f + g for f, g in products) / len(products)
    peak = flops_per_epoch / limit_seconds_per_epoch
    result = dict(formula=FORMULA, images=n, dims=dims, flops_per_layer_epoch=flops,
                  flops_per_epoch=flops_per_epoch, repeats=repeats,
                  product_seconds=[dict(forward=f, weight_gradient=g) for f, g in products],
                  limit_seconds_per_epoch=limit_seconds_per_epoch, peak_flops_per_second=peak)
    for who in ("blog", "ours"):
        achieved = flops_per_epoch / side[f"{who}_seconds_per_epoch"]
        result[f"{who}_flops_per_second"] = achieved
        result[f"{who}_share_of_peak"] = achieved / peak
    return result
