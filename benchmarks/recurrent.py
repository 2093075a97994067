"""The recurrent network's training (chapter 13): the step written to be read against the engine.

For two hidden layers of each width: the time of a training step (a batch of 100 images, 8
iterations, the update) and of scoring images for the hard negatives (each image with each
label, up to the last scoring iteration), taken

- the way `recurrent.train_step` and `RecurrentFFNetwork.scores` take them, one network;
- by `RecurrentEngine`, one network, eagerly and (CUDA only) replayed as a captured CUDA graph;
- by `RecurrentEngine`, several seeds at once (on CUDA also with TF32 products).

An epoch on the validation split's 50,000 training images is 500 steps plus scoring them all
(the hard negatives), plus scoring the 10,000 held-out images when the error is measured after
each epoch: the table's last column puts the timed pieces together that way.
"""

from __future__ import annotations

import torch

from ff_tutorial import seed_everything
from ff_tutorial.layer import make_optimizer
from ff_tutorial.recurrent import RecurrentFFNetwork, train_step
from ff_tutorial.recurrent_training import RecurrentEngine

from .machine import sync, timed

BATCH = 100
EPOCH_IMAGES, HELD_OUT = 50_000, 10_000


def networks(width: int, seeds: int, device) -> list:
    nets = []
    for seed in range(seeds):
        seed_everything(seed)
        nets.append(RecurrentFFNetwork(hidden=[width, width], device=device))
    return nets


def timing(data, device, width, seeds, how, steps, score_images, repeats, precision="fp32") -> dict:
    nets = networks(width, seeds, device)
    x = data.x_train[:max(steps * BATCH, score_images)].to(device)
    y = data.y_train[:len(x)].to(device)
    wrong = (y + 1) % 10
    batches = [slice(i * BATCH, (i + 1) * BATCH) for i in range(steps)]
    if how == "former":
        net = nets[0]
        optimizer = make_optimizer(net.parameters(), "adam", net.config.lr)

        def step(b):
            train_step(net, optimizer, x[b], y[b], wrong[b])

        def score():
            net.scores(x[:score_images])
    else:
        engine = RecurrentEngine(nets, precision, capture=how == "captured")
        K = len(nets)

        def step(b):
            engine.step(x[b].expand(K, -1, -1), y[b].expand(K, -1), wrong[b].expand(K, -1))

        def score():
            engine.scores(x[:score_images])
    step(batches[0])  # warm-up (and the capture, where there is one)
    score()
    sync(device)

    def all_steps():
        for b in batches:
            step(b)
        if how != "former":
            engine.log.clear()  # nothing read back: this times the steps alone

    step_seconds = min(timed(all_steps, device)[1] for _ in range(repeats)) / steps
    score_seconds = min(timed(score, device)[1] for _ in range(repeats)) / score_images
    epoch = (EPOCH_IMAGES // BATCH) * step_seconds + (EPOCH_IMAGES + HELD_OUT) * score_seconds
    return dict(width=width, seeds=seeds, how=how, precision=precision, step_seconds=step_seconds,
                score_seconds_per_image=score_seconds, epoch_seconds=epoch, epoch_seconds_per_network=epoch / seeds)


def run(data, device, widths=(500, 2000), seeds=3, steps=20, score_images=1000, repeats=2, log=print) -> dict:
    cuda = device.type == "cuda"
    plan = [("former", 1, "fp32"), ("engine", 1, "fp32")]
    plan += ([("captured", 1, "fp32"), ("captured", seeds, "fp32"), ("captured", seeds, "tf32")] if cuda
             else [("engine", seeds, "fp32")])
    rows = []
    for width in widths:
        for how, k, precision in plan:
            rows.append(timing(data, device, width, k, how, steps, score_images, repeats, precision))
            r = rows[-1]
            log(f"  {width} x 2, {how}, {k} seed(s), {precision}: step {1e3 * r['step_seconds']:.1f} ms, "
                f"epoch {r['epoch_seconds']:.1f} s")
        base = rows[-len(plan)]["epoch_seconds_per_network"]
        for r in rows[-len(plan):]:
            r["speed_per_network"] = base / r["epoch_seconds_per_network"]
    return dict(rows=rows, batch_size=BATCH, epoch_images=EPOCH_IMAGES, held_out_images=HELD_OUT)
