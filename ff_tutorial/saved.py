"""The files the book's recorded runs wrote (networks, metrics, tables), found by their path in the
repository wherever the chapter runs; and where a new run writes its own.

A chapter run from a clone of the repository finds `models/NAME.pt` and `results/...` there. Installed
by pip (as on Colab) the package has no such folders, so a file comes from the cache, or is downloaded
from the repository into the cache and checked against the SHA-256 recorded below before it is used.

    python -m ff_tutorial.saved --check                   list the recorded files that changed (exit 1 if any)
    python -m ff_tutorial.saved --add PATH [PATH ...]     record new files (a JSON names its own command)
    python -m ff_tutorial.saved --replace models/X.pt     record a network re-saved on purpose
    python -m ff_tutorial.saved --half models/X.pt        store a recorded network in 16 bits, and record it

A file under results/ is the record a reported number is read from: it never changes, and no command
records a changed one. A new run writes new files (new_run_folder), which --add records.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .data import DOWNLOAD_ROOT, DOWNLOAD_TIMEOUT, sha256

#: The checkout this package runs from, when it runs from a clone (an installed package has none).
CHECKOUT = Path(__file__).resolve().parent.parent
#: Where downloaded files are kept, under their path in the repository (models/seed.pt, ...).
CACHE = DOWNLOAD_ROOT
#: Set to download from elsewhere than the repository (a mirror; the tests' local server).
FILES_URL_VARIABLE = "FF_TUTORIAL_FILES_URL"
#: Files under this folder are records: they never change once committed...
RECORDS = "results/"
#: ...but for the published numbers, written by hand, which grow as the book cites more.
HAND_WRITTEN = ("results/anchors.json",)


class DownloadError(RuntimeError):
    """A saved file that could not be downloaded, or that is not the file the package expects."""


@dataclass(frozen=True)
class Saved:
    sha256: str
    size: int  # bytes
    command: str  # what wrote it, run from the repository's top folder


# Path in the repository -> the file as committed: every file a chapter reads. Written by
# `python -m ff_tutorial.saved --add/--replace` (tests/test_saved.py checks it against the files).
SAVED = {
    "models/local-10-2-seed-1.pt": Saved(
        "4d46612d2f0ecfac2ccec1a69769c4c011c711f74b44813a4e986beadd603678", 6_409_273,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 "
        "--receptive-fields 10:2 --seeds 1 --no-progress --metrics results/local-10-2-seed-1-saved.json "
        "--save models/local-10-2.pt; then python -m ff_tutorial.saved --half models/local-10-2-seed-1.pt"),
    "models/recurrent-alpha-30-seed-0.pt": Saved(
        "e9a13f99ef1309de7c6c5d415c93ad1f14fa1f8e4e6c6f2dc267a50b864d26d0", 1_799_125,
        "python -m experiments.recurrent_small --final --seeds 0 --hidden 500,500 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --checkpoint models/recurrent-alpha-30-seed-0.pt --name "
        "final-alpha-30-epochs-20-cooldown-seed-0-saved; then python -m ff_tutorial.saved --half "
        "models/recurrent-alpha-30-seed-0.pt"),
    "models/scaled-seed-1.pt": Saved(
        "3cb80a24e4b71f16d500085aecf9c1adec60049a3bb8e3d157b35a03d1a405d2", 5_625_020,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 --seed 1 "
        "--no-progress --metrics results/scaled-seed-1.json --save models/scaled-seed-1.pt; then python -m "
        "ff_tutorial.saved --half models/scaled-seed-1.pt"),
    "models/scaled.pt": Saved(
        "5edc4ae46de5d3a7bb3a51cf978f55feb99311c2e7b5a76a6d9deee99138ac12", 5_625_020,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 "
        "--no-progress --metrics results/scaled.json --save models/scaled.pt; then python -m "
        "ff_tutorial.saved --half models/scaled.pt"),
    "models/seed.pt": Saved(
        "7a5bb5f582795ff2196109bf8cf9b0e262d7feb43fbc1d94981b6aacdcf6e362", 1_312_197,
        "python -m ff_tutorial train --preset seed --metrics results/seed.json --save models/seed.pt; then "
        "python -m ff_tutorial.saved --half models/seed.pt"),
    "models/unsupervised.pt": Saved(
        "28e865db5287156bc6913f0d6a64b33c7ac07d91829bc05d6d1305c4dcfaee15", 5_644_988,
        "python -m ff_tutorial train --preset unsupervised --train-size 60000 --no-progress --metrics "
        "results/unsupervised.json --save models/unsupervised.pt; then python -m ff_tutorial.saved --half "
        "models/unsupervised.pt"),
    "results/accurate-2000-60000-seeds-0-1-2.json": Saved(
        "5444d921f1d4faf90ad107536e28b1d2b9a076d46c48bf998f187fc802d10368", 2_331,
        "python -m ff_tutorial train --preset accurate --dims 784,2000,2000,2000 --train-size 60000 --seeds "
        "0,1,2 --no-progress --resume /work/ckpt-local/accurate-2000-60000-state.pt --metrics "
        "results/accurate-2000-60000-seeds-0-1-2.json"),
    "results/accurate-60000-seeds-0-1-2.json": Saved(
        "0e34f8512039464222137dfd6e18ea90bf40d06c84f3635e61edf65a438f44fe", 2_292,
        "python -m ff_tutorial train --preset accurate --train-size 60000 --seeds 0,1,2 --no-progress "
        "--resume /work/ckpt-local/accurate-60000-state.pt --metrics results/accurate-60000-seeds-0-1-2.json"),
    "results/accurate-seeds-0-1-2.json": Saved(
        "193182923c4162aec3666ea72593924a04bdc14a18929a281c69fbdc004b43dd", 2_203,
        "python -m ff_tutorial train --preset accurate --seeds 0,1,2 --no-progress --metrics "
        "results/accurate-seeds-0-1-2.json"),
    "results/accurate.json": Saved(
        "8a06608d0f11d8a419e5c1e0e40be4840f8d0604a74929d6e0980110ecaec18f", 2_573,
        "python -m ff_tutorial train --preset accurate --eval-every 1 --no-progress --metrics "
        "results/accurate.json"),
    "results/anchors.json": Saved(
        "e4d975e5476bc2c163e3c14a223dddda8c86d94a353563c2860755ffa371a04f", 5_265,
        "results/anchors.json: written by hand from the published sources it names"),
    "results/ensembles/scaled-pair.json": Saved(
        "a14e8004de4019ec4a9b780748a4be558534a8b3dbe3cafd4e5d90e37e34e80c", 1_544,
        "python -m ff_tutorial evaluate models/scaled.pt models/scaled-seed-1.pt --metrics "
        "results/ensembles/scaled-pair.json"),
    "results/gallery/batch-10.json": Saved(
        "3f391ac72112228c8942e4ff475cb4909a49ab7bd982bad2606c60468877c6cf", 62_693,
        "python -m experiments.gallery batch-10"),
    "results/gallery/batch-500.json": Saved(
        "c728a7416b1a22fd8b37113dceb6a7de98d0cc4d46b11d0493d4d88aecb5ec8c", 4_809,
        "python -m experiments.gallery batch-500"),
    "results/gallery/default.json": Saved(
        "6aa997ca4ffe19892551eb0afa6bbca379bab34ef13397a10f30d97818f7a25f", 15_432,
        "python -m experiments.gallery default"),
    "results/gallery/ff-threshold-0.3.json": Saved(
        "ccd2db7ad3a67965c4348f3e5f1138d163ed3f6a14ebbc32bf1133e23cac15a0", 15_732,
        "python -m experiments.gallery ff-threshold-0.3"),
    "results/gallery/ff-threshold-8.json": Saved(
        "6343540c9d47cc1f9df0cb29ec5313e9f8c8ec954eddef4cd117c42aa0871941", 15_631,
        "python -m experiments.gallery ff-threshold-8"),
    "results/gallery/ff.json": Saved(
        "b6ad78bd680b50b1f25c72249b44853e822a98d27038740bb26e075e45faca8b", 15_692,
        "python -m experiments.gallery ff"),
    "results/gallery/hard.json": Saved(
        "6e45c71327efb25d821af2c898c69944cdf54fe6b28521ed674c98a9980a0254", 15_439,
        "python -m experiments.gallery hard"),
    "results/gallery/hybrid.json": Saved(
        "6c937798d32235854cb9c00cfc0644ab96d6f64b3b4504752752cf0334821cc6", 15_368,
        "python -m experiments.gallery hybrid"),
    "results/gallery/jitter-1.json": Saved(
        "c18b0234328c59583efaba06735a040f72e4984d364ae2a927665cca27846803", 15_470,
        "python -m experiments.gallery jitter-1"),
    "results/gallery/jitter-2.json": Saved(
        "7a35d624762923dc8dd37cddacb3c04c5392784cbb4c151d02e819ac0b000e7c", 15_460,
        "python -m experiments.gallery jitter-2"),
    "results/gallery/lr-0.003.json": Saved(
        "ffecfff19cd03d1bb2039b1aece5dd8bf6e1739764c0de240c3a11e96960c73d", 15_492,
        "python -m experiments.gallery lr-0.003"),
    "results/gallery/lr-1.json": Saved(
        "a01255611b95b58c902248a40562bb3cabe31c12c6eaccc59ceb6d0742623716", 15_416,
        "python -m experiments.gallery lr-1"),
    "results/gallery/no-cooldown.json": Saved(
        "219854784c2b7d83c90bfe024db379c5b13aa9c8e28bbf8596fe607b902a4e71", 15_440,
        "python -m experiments.gallery no-cooldown"),
    "results/gallery/permuted.json": Saved(
        "223f338026f5daad91a0e2e3b979e688559ec06d0c62940d7efab91bdc5554cd", 15_467,
        "python -m experiments.gallery permuted"),
    "results/gallery/seed-1.json": Saved(
        "bc5d494c1c4cdf2663abff1e02be744985353e34213d6037594c676083bac46c", 15_448,
        "python -m experiments.gallery seed-1"),
    "results/gallery/seed-2.json": Saved(
        "90fb5532a4331801d5ecc439fd509dcdeceb92b2c6988a82f49235dac7cffac5", 15_464,
        "python -m experiments.gallery seed-2"),
    "results/local-10-2-alpha-30-whole-seeds-0-1-2.json": Saved(
        "340bac769bed95254a41542e3a54cd097563677a8e18eccc8659ab8acdff3a43", 2_403,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 "
        "--receptive-fields 10:2 --symba-alpha 30 --seeds 0,1,2 --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-state.pt --metrics "
        "results/local-10-2-alpha-30-whole-seeds-0-1-2.json"),
    "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seed-2.json": Saved(
        "7617ca047a030e417aecd8e19f92edd629b24580d50eb70e72069eccdf6c7cbc", 1_936,
        "python -m ff_tutorial train --preset accurate --epochs 200 --train-size 60000 --jitter 2 "
        "--receptive-fields 10:2 --symba-alpha 30 --seeds 2 --no-progress --resume "
        "/work/ckpt-local/local-10-2-jitter-2-alpha-30-200-epochs-whole-seed-2-state.pt --metrics "
        "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seed-2.json"),
    "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1-2.json": Saved(
        "0f602102949e54ee39bb793cf557a27281aa8c10f9e3321f57bb76c8e505eea4", 3_012,
        "python -m experiments.seeds results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1.json "
        "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seed-2.json --metrics "
        "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1-2.json"),
    "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1.json": Saved(
        "8c14e63e4c5d17d0a3b1200bc122aee72e302e6c226b62de6f0e1468779a567b", 2_251,
        "python -m ff_tutorial train --preset accurate --epochs 200 --train-size 60000 --jitter 2 "
        "--receptive-fields 10:2 --symba-alpha 30 --seeds 0,1 --no-progress --resume "
        "/work/ckpt-local/local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1-state.pt --metrics "
        "results/local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1.json"),
    "results/local-10-2-seed-1-saved.json": Saved(
        "1ba60f33d680f89b2226b2da6352d66ffefd671df94a599f755a8920e54d9ac0", 1_857,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 "
        "--receptive-fields 10:2 --seeds 1 --no-progress --metrics results/local-10-2-seed-1-saved.json "
        "--save models/local-10-2.pt"),
    "results/local-10-2-whole-seeds-0-1-2.json": Saved(
        "815f0e235540922f524867f029e949ef36880cb57dc4e7fc84ed117def2265a0", 2_568,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 "
        "--receptive-fields 10:2 --seeds 0,1,2 --no-progress --resume /work/ckpt-local/local-10-2-state.pt "
        "--metrics results/local-10-2-whole-seeds-0-1-2.json --save models/local-10-2.pt"),
    "results/receptive/backprop-dense.json": Saved(
        "aba14c7682de7c63e87d57a3f5dafe6c025e0cd61ae942325ba245879b0bf051", 734,
        "python -m experiments.receptive_fields backprop-dense"),
    "results/receptive/backprop-local-10-2.json": Saved(
        "cec3e3c7e2a5f20b6d349c83b1aecb6b13d27acbb0955c35498622b5d93c7827", 774,
        "python -m experiments.receptive_fields backprop-local-10-2"),
    "results/receptive/backprop-local-12-4.json": Saved(
        "8795a7eec70e79ac58163c6774776437c1808d4dc2de1f21179f2c84bf80e84c", 772,
        "python -m experiments.receptive_fields backprop-local-12-4"),
    "results/receptive/backprop-local-16-3.json": Saved(
        "58d61ad6a9f8dc960d142b90a269cdc89cafbc5a381253fb960e77d827020e68", 772,
        "python -m experiments.receptive_fields backprop-local-16-3"),
    "results/receptive/backprop-local-8-5.json": Saved(
        "f7361cf68f0e387d0c1830814d9a9c1434cd179b15160a61c9a8cf49dc0c36cb", 770,
        "python -m experiments.receptive_fields backprop-local-8-5"),
    "results/receptive/backprop-two-local-10-2-6-4.json": Saved(
        "49103d3d02b26585f0d55ee7339251ee3eff0d8f97589e688fbc4fa740ebfed5", 816,
        "python -m experiments.receptive_fields backprop-two-local-10-2-6-4"),
    "results/receptive/ff-dense.json": Saved(
        "9a7c9a2920ae5a8c1928db410bd969b04661e52261cd1c8578c72adb5018787c", 1_128,
        "python -m experiments.receptive_fields ff-dense"),
    "results/receptive/ff-local-10-2.json": Saved(
        "8421b51d81e5eb8a5f99a63e3b53bca89b5a785dcca1db6777c5171c17deeda3", 1_195,
        "python -m experiments.receptive_fields ff-local-10-2"),
    "results/receptive/ff-local-12-4.json": Saved(
        "98c55234c5057a7a6cce5f698b47a2ea2e8d01e083305d4c2306cfc255bab1d7", 1_195,
        "python -m experiments.receptive_fields ff-local-12-4"),
    "results/receptive/ff-local-16-3.json": Saved(
        "1ef05e2b81ba0098b2eda6c161bdb1c513190849e2d8c07dda5cfb1f724decfc", 1_193,
        "python -m experiments.receptive_fields ff-local-16-3"),
    "results/receptive/ff-local-8-5.json": Saved(
        "35993b728506ace174eef1ea7c48ec82418edc4dd915ad69fc39d12ba47b3c82", 1_189,
        "python -m experiments.receptive_fields ff-local-8-5"),
    "results/receptive/ff-two-local-10-2-6-4.json": Saved(
        "6747ae04555f6b951a7c2fdf877cc3dc1986519769ea4d2617c3b3a8c3cc9679", 1_260,
        "python -m experiments.receptive_fields ff-two-local-10-2-6-4"),
    "results/receptive/unsupervised-dense.json": Saved(
        "f538de9c1f496bc2429ccfd72a1a4b96a9bad4d65b08ed52f7b4f70695edd2e0", 1_151,
        "python -m experiments.receptive_fields unsupervised-dense"),
    "results/receptive/unsupervised-local.json": Saved(
        "537762e98fa1f5675ba519226136aa3645dc0363b6eaeeb050ca45f37e51ba5f", 1_206,
        "python -m experiments.receptive_fields unsupervised-local"),
    "results/recurrent/alpha-10-epochs-20-cooldown-seed-0.json": Saved(
        "118e9e432f12d80d30f915e534a94a0b830ec5991f3c5798f345a2cb633cc406", 1_783,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 10 --seeds 0,1,2 --no-progress --name alpha-10-epochs-20-cooldown"),
    "results/recurrent/alpha-30-epochs-30-cooldown-seed-0.json": Saved(
        "d7943010026b94cbc051243ad373a0ff6e347946487b38a3187e5914892a1916", 2_038,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 30 --cooldown "
        "--symba-alpha 30 --seeds 0,1,2 --no-progress --name alpha-30-epochs-30-cooldown"),
    "results/recurrent/damping-0.1-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "99e2d27eb014ab0734d060ba89b06d4b448f6dd7d27c1203f3b76116727e68e9", 1_812,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --damping 0.1 --seeds 0,1,2 --name "
        "damping-0.1-alpha-30-epochs-20-cooldown"),
    "results/recurrent/damping-0.5-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "0d82052aeb3f25432fdca9bf398d3d49f2f4238e53bc2097430ba770cefa52c3", 1_814,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --damping 0.5 --seeds 0,1,2 --name "
        "damping-0.5-alpha-30-epochs-20-cooldown"),
    "results/recurrent/depth-3-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "c73ad3d44b101e04ef62e4da75085b7c8c453c1e755271368542b07cb5c1061b", 1_798,
        "python -m experiments.recurrent_small --hidden 500,500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --seeds 0,1,2 --no-progress --name depth-3-alpha-30-epochs-20-cooldown"),
    "results/recurrent/depth-3-alpha-30-epochs-20-cooldown-seed-1.json": Saved(
        "f45a9969df0ec314042b7697339e9e5f944503c0650fe01f9d58b40edf007a71", 1_808,
        "python -m experiments.recurrent_small --hidden 500,500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --seeds 0,1,2 --no-progress --name depth-3-alpha-30-epochs-20-cooldown"),
    "results/recurrent/depth-3-alpha-30-epochs-20-cooldown-seed-2.json": Saved(
        "91fa25cfa0edce4f065ecafeb561ffb199a30232b98dd32c47fbe98ed29e8a7e", 1_807,
        "python -m experiments.recurrent_small --hidden 500,500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --seeds 0,1,2 --no-progress --name depth-3-alpha-30-epochs-20-cooldown"),
    "results/recurrent/ff-loss-epochs-20-cooldown-seed-0.json": Saved(
        "ba56d14c594266bcbc68fe455c5495adabad6e458c0e6695d76d172eacdf6b72", 1_805,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--loss ff --no-progress --seeds 0 --name ff-loss-epochs-20-cooldown"),
    "results/recurrent/ff-loss.json": Saved(
        "1d3f1d0be76bcefa337278be892d5b257265c7089590994aef6fd8bfcf268c4a", 837,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 10000 --epochs 5 --loss ff "
        "--name ff-loss"),
    "results/recurrent/final-alpha-30-epochs-20-cooldown-seed-0-saved.json": Saved(
        "d67f1fefb126179354523a9570fe69631fbfe61cf20354dcedb444a393f4126c", 935,
        "python -m experiments.recurrent_small --final --seeds 0 --hidden 500,500 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --checkpoint models/recurrent-alpha-30-seed-0.pt --name "
        "final-alpha-30-epochs-20-cooldown-seed-0-saved"),
    "results/recurrent/final-alpha-30-epochs-20-cooldown-seeds-0-1-2.json": Saved(
        "91476ebcf01c6d3c72aae40cda830077db6d6ccbf93ea976d5f50646e056c992", 1_049,
        "python -m experiments.recurrent_small --final --seeds 0,1,2 --hidden 500,500 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --resume /work/ckpt-local/recurrent-final-alpha-30 --name "
        "final-alpha-30-epochs-20-cooldown-seeds-0-1-2"),
    "results/recurrent/final-epochs-20-cooldown-seed-1-saved.json": Saved(
        "198c1959f1613163b43670299d55454db8923c441cb5606a087bb2f476e1a5b4", 900,
        "python -m experiments.recurrent_small --final --seeds 1 --hidden 500,500 --epochs 20 --cooldown "
        "--no-progress --checkpoint models/recurrent-seed-1.pt --name final-epochs-20-cooldown-seed-1-saved"),
    "results/recurrent/final-epochs-20-cooldown-seeds-0-1-2.json": Saved(
        "53d05521718d2934308b5c2958ef58aa3f66c773933b3f354d72fe39518c814c", 1_026,
        "python -m experiments.recurrent_small --final --seeds 0,1,2 --hidden 500,500 --epochs 20 --cooldown "
        "--no-progress --resume /work/ckpt-local/recurrent-final-epochs-20 --name "
        "final-epochs-20-cooldown-seeds-0-1-2"),
    "results/recurrent/iterations-12-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "fb2097d2eccff31afe6ba8b8bfa42842912ce57fe4103f91e2edddfa99605225", 1_924,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --iterations 12 --seeds 0,1,2 --name "
        "iterations-12-alpha-30-epochs-20-cooldown"),
    "results/recurrent/iterations-5-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "d90887ffb5decb431ce9badf13d1326e255b0465beeb1c67085e4e851fd8bf2e", 1_733,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --iterations 5 --seeds 0,1,2 --name "
        "iterations-5-alpha-30-epochs-20-cooldown"),
    "results/recurrent/symba-loss.json": Saved(
        "3a70b20e9989ebee7036801f3bf6a64917b649d7a3ba90163ee8da24a3093af9", 849,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 10000 --epochs 5 --loss symba "
        "--name symba-loss"),
    "results/recurrent/width-1000-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "9a232c0a9f5d3a3236c473fd0d474dea84518bb8c6e8b2ddb49ef04dc521febb", 1_803,
        "python -m experiments.recurrent_small --hidden 1000,1000 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --seeds 0,1,2 --name width-1000-alpha-30-epochs-20-cooldown"),
    "results/recurrent/width-1000-alpha-30-epochs-20-cooldown-seed-1.json": Saved(
        "e7c5824b4d410e40580634bb90193d4103f620814e077ce7e54f6d9660447499", 1_791,
        "python -m experiments.recurrent_small --hidden 1000,1000 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --seeds 1,2 --name width-1000-alpha-30-epochs-20-cooldown"),
    "results/recurrent/width-1000-alpha-30-epochs-20-cooldown-seed-2.json": Saved(
        "22cf4a3ef0f9d7888c0ddfc28985c734fdd83586b6b4420cda90ace932551bf1", 1_789,
        "python -m experiments.recurrent_small --hidden 1000,1000 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --seeds 2 --name width-1000-alpha-30-epochs-20-cooldown"),
    "results/recurrent/window-seed-0.json": Saved(
        "0d1bf401a6d8a61975f9e372ad014295147ba4952c66ae3eda6d7d212b8d5774", 1_309,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 10000 --epochs 5 --seed 0 --name "
        "window-seed-0"),
    "results/recurrent/window-seed-1.json": Saved(
        "d3c53f5c66514ecfcd43eca28dfa51221d3941bcbdc5b385b674fb90d5e95c74", 1_305,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 10000 --epochs 5 --seed 1 --name "
        "window-seed-1"),
    "results/recurrent/window-seed-2.json": Saved(
        "c0db732c7c7d35d0d2d14d46fc72e9c2961017111024a5b3e55545e1ca5b0703", 1_305,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 10000 --epochs 5 --seed 2 --name "
        "window-seed-2"),
    "results/recurrent/wrong-alpha-30-epochs-20-cooldown-seed-0.json": Saved(
        "da03e07fb6378e7a707fff91737974e7b095afdd6eb5a580edf50bfdec59265a", 1_801,
        "python -m experiments.recurrent_small --hidden 500,500 --train-size 50000 --epochs 20 --cooldown "
        "--symba-alpha 30 --no-progress --negatives wrong --seeds 0,1,2 --name "
        "wrong-alpha-30-epochs-20-cooldown"),
    "results/released-code/1000-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "3decc34f9268fcf80c0b83740828f1508b5922af44ee5dd89c31b63c9a5adeb0", 2_654,
        "python -m experiments.released_code --dims 784,1000,1000,1000,1000 --seeds 0 --no-progress"),
    "results/released-code/1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "092f66bcbe046f5d7d642dcb0a4461906defd48ddd667fdead1717c7b7fd9d2b", 6_266,
        "python -m experiments.released_code --seeds 0,1,2"),
    "results/released-code/final-1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "89ab814d147ee16480b2a7f26f41205a210bbccc54062b5ac3a1e8b0371ecc20", 1_548,
        "python -m experiments.released_code --final --seeds 0,1,2"),
    "results/released-code/final-reshuffled-1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "add35cd7f4a5d694a2f846d80bf1c0cecbb01145050ed51f89b6b5374d706f5b", 1_569,
        "python -m experiments.released_code --reshuffle --final --seeds 0,1,2"),
    "results/released-code/final-unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "0644e3838db7d55a37518e38f85a9aa7e58781099fbe22cc06ac167a6468b26a", 1_803,
        "python -m experiments.released_code --unsupervised --final --seeds 0,1,2"),
    "results/released-code/peer-norm-0-1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "1b04a9f049f0a25d7204e5ec29ad51e723e831b50a0f229884eb6eb4a1f2f0aa", 6_806,
        "python -m experiments.released_code --peer-norm 0 --seeds 0,1,2 --join "
        "results/released-code/peer-norm-0-1000-1000-1000-60-epochs-seeds-0.json "
        "results/released-code/peer-norm-0-1000-1000-1000-60-epochs-seeds-1-2.json"),
    "results/released-code/peer-norm-0-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "b7693cfe0f287c30c539cf047c4199ce9a741ecfd3ab9b59597a11970df94834", 2_647,
        "python -m experiments.released_code --peer-norm 0 --seeds 0"),
    "results/released-code/peer-norm-0-1000-1000-1000-60-epochs-seeds-1-2.json": Saved(
        "ce3c69e12ab2bac1408d487c0d74ae6d64891ab7ddeda44cd09420f715df2305", 4_470,
        "python -m experiments.released_code --peer-norm 0 --seeds 1,2"),
    "results/released-code/reshuffled-1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "dd070aad19ec37ab94737c1b0be0f518c39ed291d2cedcc44508de4b0cbf9e2e", 6_872,
        "python -m experiments.released_code --reshuffle --seeds 0,1,2 --join "
        "results/released-code/reshuffled-1000-1000-1000-60-epochs-seeds-0.json "
        "results/released-code/reshuffled-1000-1000-1000-60-epochs-seeds-1-2.json"),
    "results/released-code/reshuffled-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "6241172b47bb41c53989def2d9ab62e8d196af62ad7394f292827df2b1ca3a6d", 2_643,
        "python -m experiments.released_code --reshuffle --seeds 0"),
    "results/released-code/reshuffled-1000-1000-1000-60-epochs-seeds-1-2.json": Saved(
        "7b7f4c6bdb6f9aec65e3dff2198a0891352dbb975244d3416c55c55680faa882", 4_524,
        "python -m experiments.released_code --reshuffle --seeds 1,2"),
    "results/released-code/unsupervised-1000-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "4d4f4590852ad1307a7ab15bebf7d236dce81c768985b19361c9e422ca4f1e12", 2_799,
        "python -m experiments.released_code --unsupervised --dims 784,1000,1000,1000,1000 --seeds 0"),
    "results/released-code/unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2-3-4.json": Saved(
        "8f05b54482bc2c0496db8af67b8d3d54d33434ee246cf47117fe8f15a9841470", 10_790,
        "python -m experiments.released_code --unsupervised --seeds 0,1,2,3,4 --join "
        "results/released-code/unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json "
        "results/released-code/unsupervised-1000-1000-1000-60-epochs-seeds-3-4.json"),
    "results/released-code/unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json": Saved(
        "7b79e0113aac50a5c4aa063ddd421156756b31ef392a5d968fe895fdde48bb6d", 6_547,
        "python -m experiments.released_code --unsupervised --seeds 0,1,2"),
    "results/released-code/unsupervised-1000-1000-1000-60-epochs-seeds-3-4.json": Saved(
        "2ea841c7c5d7ada4dfcdb0dadb55240d2b5a00b63ed5b9b6d2b9b0f9b588847a", 4_683,
        "python -m experiments.released_code --unsupervised --seeds 3,4"),
    "results/released-code/unsupervised-reshuffled-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "eefc7e14781a2a1f27319403dac82802d385286fd956c1fe836350cd36e4afaf", 2_814,
        "python -m experiments.released_code --unsupervised --reshuffle --seeds 0"),
    "results/released-code/wc-0.0003-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "fc3e4f5adfb31d27f2cc4c8cd236ff7eb1633114ea1f688f3d364715f78a19a3", 2_660,
        "python -m experiments.released_code --weight-cost 0.0003 --seeds 0"),
    "results/released-code/wc-0.003-1000-1000-1000-60-epochs-seeds-0.json": Saved(
        "88340f6fad51c5d078a6bcea2d2b273671b6da5a070d1ca8ef048050ce31407f", 2_661,
        "python -m experiments.released_code --weight-cost 0.003 --seeds 0"),
    "results/released-recurrent/500-500-20-epochs-seed-0.json": Saved(
        "4bd6cc228dcea1179e75c127cdf23c569e8a51b06ffac07b40abf382448b0d12", 1_118,
        "python -m experiments.released_recurrent --seeds 0"),
    "results/released-recurrent/500-500-60-epochs-seed-0.json": Saved(
        "df032819dda5dc75f57767d213b59c66b95f397574fbae88fa6dc23d9311c093", 2_078,
        "python -m experiments.released_recurrent --seeds 0 --epochs 60"),
    "results/scaled-seed-1.json": Saved(
        "699cbeabb00158c4ee74a38cdaac095f5b25ad7bbb57f8ba152ef56b2daa772b", 1_073,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 --seed 1 "
        "--no-progress --metrics results/scaled-seed-1.json --save models/scaled-seed-1.pt"),
    "results/scaled-seed-2.json": Saved(
        "7c22a64c90f9e146db1b9eb4116971a83b994a73b716327c0b00c1f7b092c044", 1_307,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 --seed 2 "
        "--no-progress --metrics results/scaled-seed-2.json"),
    "results/scaled-seeds-0-1-2.json": Saved(
        "6350e9dd32209b938bd7cb45aa378a68ebec0d60f1833b7b9c5f93aebc7c31d2", 2_615,
        "python -m experiments.seeds results/scaled.json results/scaled-seed-1.json "
        "results/scaled-seed-2.json --metrics results/scaled-seeds-0-1-2.json"),
    "results/scaled.json": Saved(
        "8f6e64f60ef01a1c26391ef7060a0f9aaab6794652efc4fcde5a1500b1d7157b", 1_049,
        "python -m ff_tutorial train --preset accurate --epochs 100 --train-size 60000 --jitter 1 "
        "--no-progress --metrics results/scaled.json --save models/scaled.pt"),
    "results/seed.json": Saved(
        "7c16e6f5cb1c1951d8ba7b2e881f57e6241d383f3606eb404446db45c4c4354e", 793,
        "python -m ff_tutorial train --preset seed --metrics results/seed.json --save models/seed.pt"),
    "results/unsupervised-layers.md": Saved(
        "c6c3bd448eaa7f47d39b359fdba8c7763ee9e037407eb5745fc21921f99be2aa", 992,
        "python -m experiments.unsupervised_layers > results/unsupervised-layers.md"),
    "results/unsupervised-local-10-2-readout-jitter-1-seeds-0-1-2.json": Saved(
        "7f5c7ad3a5b36615d4762cf836db69504350af031d2122572bc6890d08c10c16", 2_019,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --readout-jitter 1 "
        "--train-size 60000 --seeds 0,1,2 --no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-readout-jitter-1-state.pt --metrics "
        "results/unsupervised-local-10-2-readout-jitter-1-seeds-0-1-2.json"),
    "results/unsupervised-pi-seeds-0-1-2.json": Saved(
        "016785cc58788a7f6a43248b7a25868fcede30b311a00293e05d20bba97ae4e3", 1_821,
        "python -m ff_tutorial train --preset unsupervised --jitter 0 --train-size 60000 --seeds 0,1,2 "
        "--no-progress --metrics results/unsupervised-pi-seeds-0-1-2.json"),
    "results/unsupervised-readout-rate.md": Saved(
        "ef7d683a4d40bc3400e213bd77d81383389fa17f59dfacc604a128e811d0f719", 389,
        "python -m ff_tutorial train --preset unsupervised --validation --no-progress --save layers.pt && "
        "python -m experiments.readout_rate layers.pt > results/unsupervised-readout-rate.md"),
    "results/unsupervised-readout.md": Saved(
        "f402fe746fbcfe1ab8ec2d0e04f93bb097f331397ac67bb74161ad48c8701686", 334,
        "python -m experiments.unsupervised_readout > results/unsupervised-readout.md"),
    "results/unsupervised-seed-1.json": Saved(
        "8b3876c13e1a6bedd8e2ac5ccb0a42d3643050c6bb4a23509b795f64cecc00bc", 1_210,
        "python -m ff_tutorial train --preset unsupervised --train-size 60000 --seed 1 --no-progress "
        "--metrics results/unsupervised-seed-1.json"),
    "results/unsupervised-seed-2.json": Saved(
        "ec4cca36c109042d7d089cab762729a972d9716f5922292645d6c5d84170cfa9", 1_209,
        "python -m ff_tutorial train --preset unsupervised --train-size 60000 --seed 2 --no-progress "
        "--metrics results/unsupervised-seed-2.json"),
    "results/unsupervised-seeds-0-1-2.json": Saved(
        "4f7eb8f21454c78612dd309eb9b6d165bed2f27ca3c778220fb141ddbdf7ebea", 2_167,
        "python -m experiments.seeds results/unsupervised.json results/unsupervised-seed-1.json "
        "results/unsupervised-seed-2.json --metrics results/unsupervised-seeds-0-1-2.json"),
    "results/unsupervised.json": Saved(
        "299c19149931126f8f0030ca29ca83dd891b0484bd283fbc7a82d98e7ab008c0", 961,
        "python -m ff_tutorial train --preset unsupervised --train-size 60000 --no-progress --metrics "
        "results/unsupervised.json --save models/unsupervised.pt"),
    "results/validation/accurate-2000-alpha-30-seeds-0-1-2-3-4.json": Saved(
        "a9bd87c28b99f94f7edba70a6eb8ac21724ac8985c1683023595008e1f091bf6", 3_322,
        "python -m experiments.seeds results/validation/accurate-2000-alpha-30-seeds-0-1-2.json "
        "results/validation/accurate-2000-alpha-30-seeds-3-4.json --metrics "
        "results/validation/accurate-2000-alpha-30-seeds-0-1-2-3-4.json"),
    "results/validation/accurate-2000-alpha-30-seeds-0-1-2.json": Saved(
        "4addcdc216fbb8248efe97385d1fd6d4f5f5b0c81bc67147367a67e8edcc83ff", 2_391,
        "python -m ff_tutorial train --preset accurate --dims 784,2000,2000,2000 --symba-alpha 30 --seeds "
        "0,1,2 --validation --no-progress --resume "
        "/work/ckpt-local/accurate-2000-alpha-30-validation-state.pt --metrics "
        "results/validation/accurate-2000-alpha-30-seeds-0-1-2.json"),
    "results/validation/accurate-2000-alpha-30-seeds-3-4.json": Saved(
        "4c6da654d536e811846e59a24b4573427dbd0fc02a0be58b2afe72b4d7d5f9da", 2_154,
        "python -m ff_tutorial train --preset accurate --dims 784,2000,2000,2000 --symba-alpha 30 --seeds 3,4 "
        "--validation --no-progress --resume "
        "/work/ckpt-local/accurate-2000-alpha-30-seeds-3-4-validation-state.pt --metrics "
        "results/validation/accurate-2000-alpha-30-seeds-3-4.json"),
    "results/validation/accurate-alpha-30-seeds-0-1-2.json": Saved(
        "b41d029e8bd78eabe2aaf4aed87940d79c6638f67ad93caa12e377e39cafef9f", 2_351,
        "python -m ff_tutorial train --preset accurate --symba-alpha 30 --seeds 0,1,2 --validation "
        "--no-progress --resume /work/ckpt-local/accurate-alpha-30-validation-state.pt --metrics "
        "results/validation/accurate-alpha-30-seeds-0-1-2.json"),
    "results/validation/accurate-ff-loss-seeds-0-1-2.json": Saved(
        "37b4e257a3b73f4d3873d509a4a02c49e860ea5d325809292a8fb147f22fbed4", 2_380,
        "python -m ff_tutorial train --preset accurate --loss ff --seeds 0,1,2 --validation --no-progress "
        "--resume /work/ckpt-local/ff-loss-state.pt --metrics "
        "results/validation/accurate-ff-loss-seeds-0-1-2.json"),
    "results/validation/accurate-peer-norm-0.03-seeds-0-1-2.json": Saved(
        "b0e11e570b4544042d9ac8a52ce0222b38ca51da50ad62083ff169cc239697fb", 2_412,
        "python -m ff_tutorial train --preset accurate --peer-norm 0.03 --seeds 0,1,2 --validation "
        "--no-progress --resume /work/ckpt-local/peer-state.pt --metrics "
        "results/validation/accurate-peer-norm-0.03-seeds-0-1-2.json"),
    "results/validation/accurate-pixel-dropout-0.2-seeds-0-1-2.json": Saved(
        "3ca890b4c01b486f2e85780071f07d9b1c632ec341390ac3eb8edccd0f46e2f8", 2_417,
        "python -m ff_tutorial train --preset accurate --pixel-dropout 0.2 --seeds 0,1,2 --validation "
        "--no-progress --resume /work/ckpt-local/pd-0.2-state.pt --metrics "
        "results/validation/accurate-pixel-dropout-0.2-seeds-0-1-2.json"),
    "results/validation/accurate-weight-decay-0.001-seeds-0-1-2.json": Saved(
        "742e22949ac2d1ef9460e0f4c5d4fef20404146e782a9f65e9a7883154c19b5e", 2_399,
        "python -m ff_tutorial train --preset accurate --weight-decay 0.001 --seeds 0,1,2 --validation "
        "--no-progress --resume /work/ckpt-local/wd-0.001-state.pt --metrics "
        "results/validation/accurate-weight-decay-0.001-seeds-0-1-2.json"),
    "results/validation/accurate-weight-decay-0.01-seeds-0-1-2.json": Saved(
        "dd68791596ffe2b44673f0ae7b60e1fffd2b98b10227cd4c2214a02bd7272e4e", 2_394,
        "python -m ff_tutorial train --preset accurate --weight-decay 0.01 --seeds 0,1,2 --validation "
        "--no-progress --resume /work/ckpt-local/wd-0.01-state.pt --metrics "
        "results/validation/accurate-weight-decay-0.01-seeds-0-1-2.json"),
    "results/validation/ensembles/jitter-1-pair.json": Saved(
        "07e4fcc283c1c4cf79b42ecc30d67b470443336f61769111356988f0834a8d0f", 1_655,
        "python -m ff_tutorial evaluate models/validation/jitter-1.pt models/validation/jitter-1-seed-1.pt "
        "--validation --metrics results/validation/ensembles/jitter-1-pair.json"),
    "results/validation/hard.json": Saved(
        "f120c4072349238070abe2990b9b06d5a2a836a2b7412a117138c6df36f5dc11", 977,
        "python -m ff_tutorial train --preset accurate --epochs 20 --validation --no-progress --negatives "
        "hard --metrics results/validation/hard.json"),
    "results/validation/jitter-1-seed-1.json": Saved(
        "4702018bc55b337130f86f1ccf0b80ce5b18d137a5606407c7944746cdad76b4", 1_105,
        "python -m ff_tutorial train --preset accurate --epochs 100 --validation --no-progress --jitter 1 "
        "--seed 1 --metrics results/validation/jitter-1-seed-1.json --save "
        "models/validation/jitter-1-seed-1.pt"),
    "results/validation/jitter-1.json": Saved(
        "0a67e97478dddeb2b0b11911083e8dcf0dcecd1a6eec1d3f9dc85cdd3761252e", 1_079,
        "python -m ff_tutorial train --preset accurate --epochs 100 --validation --no-progress --jitter 1 "
        "--metrics results/validation/jitter-1.json --save models/validation/jitter-1.pt"),
    "results/validation/jitter-100.json": Saved(
        "bb160ce4def40eeff8d643c8cec30afa1536d2ea986896a92842530542b3502f", 1_085,
        "python -m ff_tutorial train --preset accurate --epochs 100 --validation --no-progress --jitter 2 "
        "--metrics results/validation/jitter-100.json --save models/validation/jitter-100.pt"),
    "results/validation/jitter-150.json": Saved(
        "12fb922de94f14bba2da0cfd19fe38b6b6eba976140d191a025e4d5881e77775", 1_084,
        "python -m ff_tutorial train --preset accurate --epochs 150 --validation --no-progress --jitter 2 "
        "--metrics results/validation/jitter-150.json --save models/validation/jitter-150.pt"),
    "results/validation/jitter-hard.json": Saved(
        "7ec6dc5940c7995aeb0fa566e1c12477b1e8e59176042c7f973b4a34e08c4373", 1_099,
        "python -m ff_tutorial train --preset accurate --epochs 60 --validation --no-progress --jitter 2 "
        "--negatives hard --metrics results/validation/jitter-hard.json --save "
        "models/validation/jitter-hard.pt"),
    "results/validation/jitter.json": Saved(
        "daad14c0f6aa184fd5373daa019d33dadf38fd98b8b1b8fcf6de281e4e3fcaf5", 988,
        "python -m ff_tutorial train --preset accurate --epochs 60 --validation --no-progress --jitter 2 "
        "--metrics results/validation/jitter.json"),
    "results/validation/local-10-2-6-4-alpha-30-seeds-0-1-2.json": Saved(
        "7b07f59c5352c4da9f7d79abbad174c61b8342969e4ba80233233816c64731a2", 2_504,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 6:4 "
        "--symba-alpha 30 --seeds 0,1,2 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-6-4-alpha-30-validation-state.pt --metrics "
        "results/validation/local-10-2-6-4-alpha-30-seeds-0-1-2.json"),
    "results/validation/local-10-2-alpha-15-seeds-0-1.json": Saved(
        "6c4bcb4b1e730d3ded5eabe7a2118e87e86e22beb46a62f14f3b893e45971c05", 2_213,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 15 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-15-seeds-0-1-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-15-seeds-0-1.json"),
    "results/validation/local-10-2-alpha-30-batch-100-seeds-0-1.json": Saved(
        "e364eda64f37cd135580e1188d6951f9c055111dcc01346692e65320e3742733", 2_253,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 30 --batch-size 100 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-batch-100-seeds-0-1-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-30-batch-100-seeds-0-1.json"),
    "results/validation/local-10-2-alpha-30-batch-25-seeds-0-1.json": Saved(
        "1e38157994206de173f830143b705e098a8a3f2ffc63176f452836741503a546", 2_410,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 30 --batch-size 25 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-batch-25-seeds-0-1-validation-state.pt --save "
        "/work/ckpt-local/saved/local-b25.pt --metrics "
        "results/validation/local-10-2-alpha-30-batch-25-seeds-0-1.json"),
    "results/validation/local-10-2-alpha-30-lr-0.02-seeds-0-1-2.json": Saved(
        "51fbf261611508a6cb47fbc10b9e327e131fbb0ec18ae624aefeddf856707383", 2_516,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 30 --lr 0.02 --seeds 0,1,2 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-lr-0.02-seeds-0-1-2-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-30-lr-0.02-seeds-0-1-2.json"),
    "results/validation/local-10-2-alpha-30-lr-0.05-seeds-0-1.json": Saved(
        "e1f9e6024f9c488d45d51ffddb5e791d2977c13b41cb2d2a86cc310f610ba7f9", 2_264,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 30 --lr 0.05 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-lr-0.05-seeds-0-1-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-30-lr-0.05-seeds-0-1.json"),
    "results/validation/local-10-2-alpha-30-seeds-0-1-2-3-4.json": Saved(
        "7d327f3de6e97511b5a79804c52446b203fa3b30e8271739fd1e9b6a64ca9c0e", 3_377,
        "python -m experiments.seeds results/validation/local-10-2-alpha-30-seeds-0-1-2.json "
        "results/validation/local-10-2-alpha-30-seeds-3-4.json --metrics "
        "results/validation/local-10-2-alpha-30-seeds-0-1-2-3-4.json"),
    "results/validation/local-10-2-alpha-30-seeds-0-1-2.json": Saved(
        "1e9617ac035068d0d0fbee31cbace35251f3faa0b7b6d5cf10237801d5710486", 2_456,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 30 --seeds 0,1,2 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-30-seeds-0-1-2.json"),
    "results/validation/local-10-2-alpha-30-seeds-3-4.json": Saved(
        "2f0ba73467ab365e2ff5d7636a9b94500aa5a87629c9dec205d8f5cd2d7bf78d", 2_208,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 30 --seeds 3,4 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-30-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-30-seeds-3-4.json"),
    "results/validation/local-10-2-alpha-50-seeds-0-1.json": Saved(
        "9ee920562fd55fdde802c8a5670123bc9ae87155a5c57c64926eb61726e7138f", 2_216,
        "python -m ff_tutorial train --preset accurate --epochs 100 --jitter 1 --receptive-fields 10:2 "
        "--symba-alpha 50 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-alpha-50-seeds-0-1-validation-state.pt --metrics "
        "results/validation/local-10-2-alpha-50-seeds-0-1.json"),
    "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-0-1-2-3.json": Saved(
        "18868b1b5c4121a81632337a74c7ff3e4aed222cb0f4c52fd531f4fd9166f6a2", 3_340,
        "python -m experiments.seeds "
        "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-0-1.json "
        "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-2-3.json --metrics "
        "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-0-1-2-3.json"),
    "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-0-1.json": Saved(
        "1b8ae65d08c9778adde19f9439db87dfbdb791ebf8e44bbd4b5d580ad6e85900", 2_272,
        "python -m ff_tutorial train --preset accurate --epochs 200 --jitter 2 --receptive-fields 10:2 "
        "--symba-alpha 30 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-jitter-2-alpha-30-200-epochs-validation-state.pt --metrics "
        "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-0-1.json"),
    "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-2-3.json": Saved(
        "b2c167662ef24721f4f0508fb2b7c9a4709752fb5e731e115dd610bb3c48ac53", 2_317,
        "python -m ff_tutorial train --preset accurate --epochs 200 --jitter 2 --receptive-fields 10:2 "
        "--symba-alpha 30 --seeds 2,3 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-jitter-2-alpha-30-200-epochs-seeds-2-3-validation-state.pt --metrics "
        "results/validation/local-10-2-jitter-2-alpha-30-200-epochs-seeds-2-3.json"),
    "results/validation/local-10-2-wide-first-alpha-30-seeds-0-1.json": Saved(
        "4d587f4f09e802214e2f15d159f0ba2d2cb6c575715dc5ec6d9280cc483db122", 2_242,
        "python -m ff_tutorial train --preset accurate --dims 784,2000,1000,1000 --epochs 100 --jitter 1 "
        "--receptive-fields 10:2 --symba-alpha 30 --seeds 0,1 --validation --no-progress --resume "
        "/work/ckpt-local/local-10-2-wide-first-alpha-30-seeds-0-1-validation-state.pt --metrics "
        "results/validation/local-10-2-wide-first-alpha-30-seeds-0-1.json"),
    "results/validation/peer.json": Saved(
        "03d14a2eb4f845319adf836734918a02b9dd46e51a345482f3d33889fb34c5b3", 975,
        "python -m ff_tutorial train --preset accurate --epochs 20 --validation --no-progress --peer-norm "
        "0.03 --metrics results/validation/peer.json"),
    "results/validation/readout/unsupervised-local-10-2-shifted-readout-2-pixels-seeds-0-1-2.json": Saved(
        "10f90bb4545ed26288b80cd75567b2f73996f39ee0969a918cd70a0cfdefdfa1", 1_500,
        "python -m experiments.shifted_readout /work/ckpt-local/uloc-seed-0.pt "
        "/work/ckpt-local/uloc-seed-1.pt /work/ckpt-local/uloc-seed-2.pt --candidates 2x60 --path "
        "results/validation/readout/unsupervised-local-10-2-shifted-readout-2-pixels-seeds-0-1-2.json"),
    "results/validation/readout/unsupervised-local-10-2-shifted-readout-seeds-0-1-2-readout-seed-1.json": Saved(
        "8c36414c9fa6874a98a1abc715a9c01dddc50ee6204fdda97a7c3dd3aad4f978", 2_642,
        "python -m experiments.shifted_readout /work/ckpt-local/uloc-seed-0.pt "
        "/work/ckpt-local/uloc-seed-1.pt /work/ckpt-local/uloc-seed-2.pt --candidates 0x60 1x60 1x120 --seed "
        "1 --path "
        "results/validation/readout/unsupervised-local-10-2-shifted-readout-seeds-0-1-2-readout-seed-1.json"),
    "results/validation/readout/unsupervised-local-10-2-shifted-readout-seeds-0-1-2.json": Saved(
        "9cba62f1629350f0c365592385f49cdec8dc52b85f82601eb93e936686d2ddcd", 2_615,
        "python -m experiments.shifted_readout /work/ckpt-local/uloc-seed-0.pt "
        "/work/ckpt-local/uloc-seed-1.pt /work/ckpt-local/uloc-seed-2.pt --candidates 0x60 1x60 1x120 --path "
        "results/validation/readout/unsupervised-local-10-2-shifted-readout-seeds-0-1-2.json"),
    "results/validation/readout/unsupervised-pi-readout-from-1-seeds-0-1-2.json": Saved(
        "a1156d39d007eede29f11401fa1c4f2ecd4e6b41d6737b8b001026fc16202ec7", 1_566,
        "python -m experiments.shifted_readout /work/ckpt-local/unsupervised-pi-seed-0.pt "
        "/work/ckpt-local/unsupervised-pi-seed-1.pt /work/ckpt-local/unsupervised-pi-seed-2.pt --candidates "
        "0x60 --readout-from 1 --path "
        "results/validation/readout/unsupervised-pi-readout-from-1-seeds-0-1-2.json"),
    "results/validation/readout/unsupervised-pi-readout-from-2-seeds-0-1-2.json": Saved(
        "de5d7a62862535f7edaf853245fbe3adb66e5b300e975b3487f343be9ef37f78", 1_564,
        "python -m experiments.shifted_readout /work/ckpt-local/unsupervised-pi-seed-0.pt "
        "/work/ckpt-local/unsupervised-pi-seed-1.pt /work/ckpt-local/unsupervised-pi-seed-2.pt --candidates "
        "0x60 --readout-from 2 --path "
        "results/validation/readout/unsupervised-pi-readout-from-2-seeds-0-1-2.json"),
    "results/validation/readout/unsupervised-pi-readout-lr-0.01-seeds-0-1-2.json": Saved(
        "31b6ba8a2ba5529c5cafa9ecc12f5fdfc4180fb414892620882c8234b2a492a3", 2_692,
        "python -m experiments.shifted_readout /work/ckpt-local/unsupervised-pi-seed-0.pt "
        "/work/ckpt-local/unsupervised-pi-seed-1.pt /work/ckpt-local/unsupervised-pi-seed-2.pt --candidates "
        "0x60 0x100 0x200 --lr 0.01 --path "
        "results/validation/readout/unsupervised-pi-readout-lr-0.01-seeds-0-1-2.json"),
    "results/validation/readout/unsupervised-pi-readout-lr-0.03-seeds-0-1-2.json": Saved(
        "22344533ac663ec1f7216f141e962b5310c75f582d3b817619a66b209b214926", 2_680,
        "python -m experiments.shifted_readout /work/ckpt-local/unsupervised-pi-seed-0.pt "
        "/work/ckpt-local/unsupervised-pi-seed-1.pt /work/ckpt-local/unsupervised-pi-seed-2.pt --candidates "
        "0x20 0x60 0x100 --path results/validation/readout/unsupervised-pi-readout-lr-0.03-seeds-0-1-2.json"),
    "results/validation/readout/unsupervised-pi-readout-lr-0.1-seeds-0-1-2.json": Saved(
        "558435a818b3434e557d05be430753a13e19a56e9194840f142f1ebedce60686", 2_118,
        "python -m experiments.shifted_readout /work/ckpt-local/unsupervised-pi-seed-0.pt "
        "/work/ckpt-local/unsupervised-pi-seed-1.pt /work/ckpt-local/unsupervised-pi-seed-2.pt --candidates "
        "0x20 0x60 --lr 0.1 --path results/validation/readout/unsupervised-pi-readout-lr-0.1-seeds-0-1-2.json"),
    "results/validation/unsupervised-local-10-2-6-4-readout-jitter-1-seeds-0-1-2.json": Saved(
        "5062f1be7c226eaf6d2af2555e26bcd29445b77b08154159e1f20153017e907c", 2_106,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 6:4 --readout-jitter 1 "
        "--seeds 0,1,2 --validation --no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-6-4-readout-jitter-1-seeds-0-1-2-validation-state.pt "
        "--metrics results/validation/unsupervised-local-10-2-6-4-readout-jitter-1-seeds-0-1-2.json"),
    "results/validation/unsupervised-local-10-2-6-4-seeds-0-1-2-3-4.json": Saved(
        "aa6d73e29f3f08f0a037b169d61c50803e4459a021fd4f02b13118523f8b75c8", 2_790,
        "python -m experiments.seeds results/validation/unsupervised-local-10-2-6-4-seeds-0-1-2.json "
        "results/validation/unsupervised-local-10-2-6-4-seeds-3-4.json --metrics "
        "results/validation/unsupervised-local-10-2-6-4-seeds-0-1-2-3-4.json"),
    "results/validation/unsupervised-local-10-2-6-4-seeds-0-1-2.json": Saved(
        "ee2dec8018e8a98795437f06b72a312f78cef1219591c207f780e90230ec6342", 2_019,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 6:4 --seeds 0,1,2 "
        "--validation --no-progress --resume /work/ckpt-local/unsupervised-local-10-2-6-4-validation-state.pt "
        "--metrics results/validation/unsupervised-local-10-2-6-4-seeds-0-1-2.json"),
    "results/validation/unsupervised-local-10-2-6-4-seeds-3-4.json": Saved(
        "ed8d6a59f0c043fc6aa073042f5d546d26f43a19189512a978226184fb32ebb0", 1_870,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 6:4 --seeds 3,4 "
        "--validation --no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-6-4-seeds-3-4-validation-state.pt --metrics "
        "results/validation/unsupervised-local-10-2-6-4-seeds-3-4.json"),
    "results/validation/unsupervised-local-10-2-60-epochs-alpha-8-seeds-0-1-2.json": Saved(
        "231d8d38c769eaa43b72872108a7d8a7b0aaa018949aa2471beae3655e492f3a", 2_035,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --epochs 60 --symba-alpha "
        "8 --seeds 0,1,2 --validation --no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-60-epochs-alpha-8-validation-state.pt --metrics "
        "results/validation/unsupervised-local-10-2-60-epochs-alpha-8-seeds-0-1-2.json"),
    "results/validation/unsupervised-local-10-2-alpha-8-seed-0.json": Saved(
        "5c51f8e6d77995f2c646eb9ee3cc294fcd72c102a2151ce4bda29994ab6d45f9", 1_652,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --symba-alpha 8 --seeds 0 "
        "--validation --no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-alpha-8-validation-state.pt --metrics "
        "results/validation/unsupervised-local-10-2-alpha-8-seed-0.json"),
    "results/validation/unsupervised-local-10-2-alpha-8-seeds-0-1-2.json": Saved(
        "bf19848ae36842399d4a9cab78c5420d0b5f3a973e05640aefc2ac8d16e95e5a", 2_500,
        "python -m experiments.seeds results/validation/unsupervised-local-10-2-alpha-8-seed-0.json "
        "results/validation/unsupervised-local-10-2-alpha-8-seeds-1-2.json --metrics "
        "results/validation/unsupervised-local-10-2-alpha-8-seeds-0-1-2.json"),
    "results/validation/unsupervised-local-10-2-alpha-8-seeds-1-2.json": Saved(
        "47e768171b4b59b616212e345acb4a20604398b6588b38148fa1822c3508caba", 1_855,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --symba-alpha 8 --seeds "
        "1,2 --validation --no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-alpha-8-seeds-1-2-validation-state.pt --metrics "
        "results/validation/unsupervised-local-10-2-alpha-8-seeds-1-2.json"),
    "results/validation/unsupervised-local-10-2-jitter-2-80-epochs-readout-jitter-1-seed-0.json": Saved(
        "762327988ea3aece824835bb006eaef5a6d6529797843b7f479e9c29ea417e79", 1_707,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --readout-jitter 1 "
        "--jitter 2 --epochs 80 --seeds 0 --validation --no-progress --resume "
        "/work/ckpt-local/unsup-local-j2-80-seed-0-state.pt --metrics "
        "results/validation/unsupervised-local-10-2-jitter-2-80-epochs-readout-jitter-1-seed-0.json"),
    "results/validation/unsupervised-local-10-2-saved-seeds-0-1-2.json": Saved(
        "e69963ed60e09b3f5f0574684d958fe2ab20f074b4754cdbc18ba5c6dee36b5f", 2_158,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --seeds 0,1,2 --validation "
        "--no-progress --resume "
        "/work/ckpt-local/unsupervised-local-10-2-saved-seeds-0-1-2-validation-state.pt --save "
        "/work/ckpt-local/uloc.pt --metrics results/validation/unsupervised-local-10-2-saved-seeds-0-1-2.json"),
    "results/validation/unsupervised-local-10-2-seeds-3-4.json": Saved(
        "5853b0bdcacf26fcf8fcdd8393738eb4fb735014d7a0908fb03776a5d5be64be", 1_824,
        "python -m ff_tutorial train --preset unsupervised --receptive-fields 10:2 --seeds 3,4 --validation "
        "--no-progress --resume /work/ckpt-local/unsupervised-local-10-2-seeds-3-4-validation-state.pt "
        "--metrics results/validation/unsupervised-local-10-2-seeds-3-4.json"),
    "results/validation/unsupervised-pi-60-epochs-seeds-0-1-2.json": Saved(
        "35d96b54131c495e07c2d81e0f6c7ef5ed7418c4a55e490271fb35a789626b2c", 1_980,
        "python -m ff_tutorial train --preset unsupervised --jitter 0 --epochs 60 --seeds 0,1,2 --validation "
        "--no-progress --resume /work/ckpt-local/unsupervised-pi-60-epochs-validation-state.pt --metrics "
        "results/validation/unsupervised-pi-60-epochs-seeds-0-1-2.json"),
    "results/validation/unsupervised-pi-alpha-8-seeds-0-1-2.json": Saved(
        "c8bbcdc81fb9a18a36ca064670175e3d753841ee71e245e0d358bde3baa49511", 1_965,
        "python -m ff_tutorial train --preset unsupervised --jitter 0 --symba-alpha 8 --seeds 0,1,2 "
        "--validation --no-progress --resume "
        "/work/ckpt-local/unsupervised-pi-alpha-8-seeds-0-1-2-validation-state.pt --metrics "
        "results/validation/unsupervised-pi-alpha-8-seeds-0-1-2.json"),
    "results/validation/unsupervised-pi-pixel-dropout-0.2-seeds-0-1-2.json": Saved(
        "0766fd6b383b8b7677365d0ef43bf5d4694f1993420bb33cb4d0721549e95227", 1_990,
        "python -m ff_tutorial train --preset unsupervised --jitter 0 --pixel-dropout 0.2 --seeds 0,1,2 "
        "--validation --no-progress --resume /work/ckpt-local/upd-0.2-state.pt --metrics "
        "results/validation/unsupervised-pi-pixel-dropout-0.2-seeds-0-1-2.json"),
    "results/validation/unsupervised-pi-saved-seeds-0-1-2.json": Saved(
        "9b4ebf65a35b0a539af489c5f2baadc3e96f8bda61f4bc51b3dc2ee22163d5db", 2_156,
        "python -m ff_tutorial train --preset unsupervised --jitter 0 --seeds 0,1,2 --validation "
        "--no-progress --save /work/ckpt-local/unsupervised-pi.pt --resume "
        "/work/ckpt-local/unsupervised-pi-saved-seeds-0-1-2-validation-state.pt --metrics "
        "results/validation/unsupervised-pi-saved-seeds-0-1-2.json"),
    "results/validation/unsupervised-pi-seeds-0-1-2-3-4.json": Saved(
        "1c7da8ed7017c6f8618c8a0ef799ecb4309ddbd2c6fa9d90e60421f122c76d71", 2_557,
        "python -m experiments.seeds results/validation/unsupervised-pi-seeds-0-1-2.json "
        "results/validation/unsupervised-pi-seeds-3-4.json --metrics "
        "results/validation/unsupervised-pi-seeds-0-1-2-3-4.json"),
    "results/validation/unsupervised-pi-seeds-3-4.json": Saved(
        "dc8c28f58e3d5187b61cdb9afe662ae939c60098cebe387a03e103b805b5aadd", 1_821,
        "python -m ff_tutorial train --preset unsupervised --jitter 0 --seeds 3,4 --validation --no-progress "
        "--resume /work/ckpt-local/unsupervised-pi-validation-3-4-state.pt --metrics "
        "results/validation/unsupervised-pi-seeds-3-4.json"),
    "results/validation/wrong.json": Saved(
        "3bd8683663e603ce3b4ed6faa12fd17796abe576a1bbd79c5b861e38631acdb5", 912,
        "python -m ff_tutorial train --preset accurate --epochs 20 --validation --no-progress --metrics "
        "results/validation/wrong.json"),
}


def saved_network(name: str) -> Path:
    """The path of the saved network `name` ("seed": the blog's network, "scaled", ...), from the
    checkout, the cache, or a download (see saved_file)."""
    return saved_file(f"models/{name}.pt")


def saved_file(path: str) -> Path:
    """The local path of `path`, one of the repository's files in SAVED: the checkout's copy when the
    package runs from a clone, else the cached copy, else a download into the cache (checked by SHA-256)."""
    if path not in SAVED:
        raise ValueError(f"no saved file {path!r}; there are {', '.join(sorted(SAVED))}")
    if _in_clone(path):
        return CHECKOUT / path
    return CACHE / path if _cached(path) else _download(path)


def saved_folder(folder: str) -> Path:
    """The local copy of the repository's `folder` ("results"), holding every file of SAVED under it,
    under its own path: the checkout's folder in a clone, else the cache's, where whatever is missing is
    downloaded first (each file checked by SHA-256)."""
    folder = folder.strip("/")
    paths = sorted(p for p in SAVED if p.startswith(f"{folder}/"))
    if not paths:
        raise ValueError(f"no saved files under {folder}/; there are files under "
                         f"{', '.join(sorted({p.split('/')[0] + '/' for p in SAVED}))}")
    if all(_in_clone(p) for p in paths):
        return CHECKOUT / folder
    missing = [p for p in paths if not _cached(p)]
    if missing:  # one line for the lot: a folder is a few dozen small files
        size = sum(SAVED[p].size for p in missing)
        print(f"Downloading {len(missing)} files of {folder}/ ({_megabytes(size)}) from {files_url(folder)} ...",
              flush=True)
    for path in missing:
        _download(path, announce=False)
    return CACHE / folder


def new_run_folder(name: str = "rerun") -> Path:
    """A folder that does not exist yet, for a new run's files: results/NAME-<date>-<time> of the clone
    this package runs from, or of the working folder where there is none (Colab). A run writes new files
    beside the recorded ones, never over them."""
    top = CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() else Path.cwd()
    folder = top / "results" / f"{name}-{time.strftime('%Y-%m-%d-%H%M')}"
    for n in range(2, 100):  # two runs started in the same minute
        if not folder.exists():
            return folder
        folder = folder.with_name(f"{name}-{time.strftime('%Y-%m-%d-%H%M')}-{n}")
    raise FileExistsError(f"{folder.parent} holds {name} folders for every try of this minute")


def files_url(path: str) -> str:
    from .repository import raw_url  # not at the top: `python -m ff_tutorial.repository` must import it first
    base = os.environ.get(FILES_URL_VARIABLE)
    return f"{base.rstrip('/')}/{path}" if base else raw_url(path)


def _in_clone(path: str) -> bool:
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / path).is_file()


def _cached(path: str) -> bool:
    """Whether the cache holds the file as recorded (a damaged or older copy is downloaded again)."""
    cached = CACHE / path
    return cached.is_file() and cached.stat().st_size == SAVED[path].size and sha256(cached) == SAVED[path].sha256


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


def _download(path: str, announce: bool = True) -> Path:
    """Download into a temporary name beside the cached copy's place, check it, and only then rename it there."""
    expected, url, destination = SAVED[path], files_url(path), CACHE / path
    if announce:
        print(f"Downloading {path} ({_megabytes(expected.size)}) from {url} ...", flush=True)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.part")
    digest, size = hashlib.sha256(), 0
    try:
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, open(partial, "wb") as out:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
                    digest.update(block)
                    size += len(block)
        except OSError as error:  # URLError, HTTPError, timeouts and a full disk are all OSErrors
            raise DownloadError(f"could not download {path} from {url}: {getattr(error, 'reason', error)}. "
                                f"Check the connection and run the cell again, or copy {path} from a clone "
                                f"of the repository to {destination}.") from None
        if size != expected.size or digest.hexdigest() != expected.sha256:
            raise DownloadError(f"{path} from {url} is not the file this package expects ({size:,} bytes, SHA-256 "
                                f"{digest.hexdigest()[:12]}..., expected {expected.size:,} bytes, "
                                f"{expected.sha256[:12]}...): the repository's copy has changed since this "
                                "package was installed. Install the package again (the set-up cell) and rerun.")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


# ----- keeping the table: `python -m ff_tutorial.saved` -----

TABLE = re.compile(r"^SAVED = \{\n.*?^\}\n", re.M | re.S)


def read_table(source: str) -> dict:
    """The SAVED table written in `source` (the text of this file, or of another checkout's copy)."""
    (assignment,) = ast.parse(TABLE.search(source).group(0)).body
    return {ast.literal_eval(key): Saved(*(ast.literal_eval(arg) for arg in value.args))
            for key, value in zip(assignment.value.keys, assignment.value.values)}


def table_source(table: dict) -> str:
    """The SAVED table as this file writes it: sorted by path, each command cut at spaces into lines."""
    lines = ["SAVED = {"]
    for path in sorted(table):
        entry = table[path]
        lines += [f"    {_quoted(path)}: Saved(", f"        {_quoted(entry.sha256)}, {entry.size:_},"]
        pieces, piece = [], ""
        for word in entry.command.split(" "):
            if piece and len(piece) + len(word) > 100:
                pieces.append(piece)
                piece = ""
            piece += word + " "
        pieces.append(piece[:-1])
        lines += [f"        {_quoted(piece)}" for piece in pieces]
        lines[-1] += "),"
    return "\n".join(lines + ["}"]) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def difference(path: str, root: Path = CHECKOUT, table: dict = SAVED) -> str | None:
    """What is wrong with `path` under `root` against its entry in `table`, in a line, or None if nothing:
    a file that changed or is gone, with what to do about it."""
    file, entry = root / path, table[path]
    if not file.is_file():
        return (f"{path} is recorded in ff_tutorial/saved.py but is not in the checkout: restore it "
                f"(git checkout -- {path}); a chapter that reads it finds nothing on Colab otherwise")
    digest, size = sha256(file), file.stat().st_size
    if (digest, size) == (entry.sha256, entry.size):
        return None
    changed = (f"{path} has changed since it was recorded ({size:,} bytes, SHA-256 {digest[:12]}..., "
               f"recorded {entry.size:,} bytes, {entry.sha256[:12]}...)")
    if path.startswith(RECORDS):
        return (f"{changed}. A results file is the record a reported number is read from and never changes: "
                f"restore it (git checkout -- {path}) and write a new run to a new file "
                "(`python -m ff_tutorial.saved --add` records it)")
    return (f"{changed}: restore it (git checkout -- {path}), or, if it was re-saved on purpose and still gives "
            f"its recorded results, record it with `python -m ff_tutorial.saved --replace {path}`")


def command_of(path: str, root: Path, table: dict) -> str | None:
    """What wrote `path`: a metrics file names its own command; a network, the command that saved it, as a
    metrics file in `table` records it (not one of results/earlier/, whose runs were saved over): `train
    --save PATH`, `train --seeds S,... --save P` (P with -seed-S added), or `experiments.recurrent_small
    --checkpoint PATH`."""
    if path.endswith(".json"):
        try:
            return json.loads((root / path).read_text(encoding="utf-8")).get("command")
        except (ValueError, AttributeError):
            return None
    saved_it = re.compile(rf"--(save|checkpoint) {re.escape(path)}(\s|$)")
    return next((entry.command for entry in table.values()
                 if saved_it.search(entry.command) or path in seeded_saves(entry.command)), None)


def seeded_saves(command: str) -> list:
    """The networks `train --seeds S,... --save P` wrote: one a seed, named as the command names them."""
    from .cli import seeded_path  # the command line's own naming (imported here: it brings in training)
    save, seeds = re.search(r"--save (\S+)", command), re.search(r"--seeds (\S+)", command)
    if not (save and seeds):
        return []
    return [str(seeded_path(save.group(1), int(seed))) for seed in seeds.group(1).split(",")]


def recorded(table: dict, root: Path, add=(), replace=(), command: str | None = None) -> dict:
    """`table` with the files `add` (new) and `replace` (networks, or the published numbers, changed on purpose)
    recorded as they are
    under `root`; every other entry is kept as recorded. Raises ValueError for what may not be recorded."""
    table = dict(table)
    for path in [*add, *replace]:
        if not (root / path).is_file():
            raise ValueError(f"{path} is not a file under {root}")
    for path in add:
        if path in table:
            raise ValueError(f"{path} is recorded already; a changed network is recorded with --replace, "
                             "and a results file never changes")
    for path in replace:
        if path not in table:
            raise ValueError(f"{path} is not recorded yet: record a new file with --add")
        if path.startswith(RECORDS) and path not in HAND_WRITTEN:
            raise ValueError(difference(path, root, table) or f"{path} has not changed")
    for path in sorted(add, key=lambda p: not p.endswith(".json")):  # metrics first: they name the networks
        found = command_of(path, root, table)
        if not (found or command):
            raise ValueError(f"cannot tell what wrote {path}: name the command with --command")
        table[path] = Saved(sha256(root / path), (root / path).stat().st_size, found or command)
    for path in replace:
        table[path] = Saved(sha256(root / path), (root / path).stat().st_size, table[path].command)
    return table


def halved(table: dict, root: Path, paths) -> dict:
    """`table` with the recorded networks `paths` re-saved under `root` with 16-bit weights (half the
    file) and recorded so; the command says so. tests/test_saved.py checks that each one's test
    errors are still those its metrics file recorded. Raises ValueError for a path that is no recorded network."""
    from .checkpoint import load, save  # not at the top: the checkpoint module imports the networks
    table = dict(table)
    for path in paths:
        if path not in table or not path.endswith(".pt"):
            raise ValueError(f"{path} is not a recorded network (models/NAME.pt in ff_tutorial/saved.py)")
        save(load(root / path), root / path, stored_as="float16")
        step = f"python -m ff_tutorial.saved --half {path}"
        command = table[path].command if step in table[path].command else f"{table[path].command}; then {step}"
        table[path] = Saved(sha256(root / path), (root / path).stat().st_size, command)
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ff_tutorial.saved",
                                     description="Check or extend the table of recorded files in ff_tutorial/saved.py.")
    parser.add_argument("--check", action="store_true", help="list the recorded files that changed (exit 1 if any)")
    parser.add_argument("--add", nargs="+", default=[], metavar="PATH", help="record new files (repository paths)")
    parser.add_argument("--replace", nargs="+", default=[], metavar="PATH",
                        help="record a network that was re-saved on purpose (never a results file)")
    parser.add_argument("--half", nargs="+", default=[], metavar="PATH",
                        help="store recorded networks with 16-bit weights (half the file), and record them")
    parser.add_argument("--command", help="what wrote the added files that do not say (a table of results)")
    parser.add_argument("--root", type=Path, default=CHECKOUT, help="the checkout to work on (this one)")
    args = parser.parse_args(argv)
    source_file = args.root / "ff_tutorial" / "saved.py"
    if not source_file.is_file():
        parser.error(f"{args.root} is not a checkout of the repository (no ff_tutorial/saved.py)")
    source = source_file.read_text(encoding="utf-8")
    table = read_table(source)
    if args.add or args.replace or args.half:
        try:
            table = recorded(table, args.root, args.add, args.replace, args.command)
            table = halved(table, args.root, args.half)
        except ValueError as error:
            parser.error(str(error))
        source_file.write_text(TABLE.sub(lambda _: table_source(table), source), encoding="utf-8")
        for path in [*args.add, *args.replace, *args.half]:
            print("recorded", path)
    wrong = [line for line in (difference(path, args.root, table) for path in sorted(table)) if line]
    for line in wrong:
        print(line)
    if not wrong:
        print(f"every one of the {len(table)} recorded files is as recorded")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
