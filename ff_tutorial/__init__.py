"""Forward-Forward, built one idea at a time: the package behind the ff-tutorial book."""

from .engine import flush_denormals

# First, before torch starts its worker threads, which keep the mode they start with: numbers
# below float32's normal range are taken as 0, which changes no trained weight and keeps the CPU
# off its slow path for them (engine.flush_denormals).
flush_denormals()

from .backprop import MLP
from .checkpoint import CheckpointError, load, save
from .data import MNIST, DataError, load_mnist
from .diagrams import (draw_data_flows, draw_layer, draw_length_and_direction, draw_prediction,
                       draw_receptive_fields, draw_schedules, draw_stack)
from .ensemble import Ensemble
from .goodness import ff_loss, goodness, symba_loss
from .history import History, TrainingDiverged
from .labels import concat_label, embed_label, neutral_label, overlay_label
from .layer import FFLayer, normalize
from .negatives import hard_wrong_labels, hybrid_images, hybrid_mask, permuted_labels, wrong_labels
from .engine import PRECISIONS, Engine
from .network import FFNetwork, NetworkConfig
from .readout import train_readout
from .recipes import PRESETS, Recipe
from .recurrent import RecurrentConfig, RecurrentFFNetwork
from .recurrent_training import train_recurrent
from .plots import (plot_confusion_matrix, plot_first_layer_weights, plot_goodness_histograms,
                    plot_goodness_over_iterations, plot_goodness_per_label, plot_label_overlay, plot_losses,
                    show_image)
from .runtime import pick_device, progress, seed_everything
from .saved import DownloadError, saved_file, saved_network
from .schedules import train_greedy, train_simultaneous, train_unsupervised

__version__ = "0.1.0"

__all__ = [
    "MLP", "MNIST", "PRECISIONS", "PRESETS", "Recipe", "CheckpointError", "DataError", "Engine", "Ensemble",
    "FFLayer", "FFNetwork", "NetworkConfig",
    "History", "TrainingDiverged", "concat_label", "draw_data_flows", "draw_layer", "draw_length_and_direction",
    "draw_prediction", "draw_receptive_fields", "draw_schedules", "draw_stack", "embed_label", "ff_loss", "goodness", "hard_wrong_labels",
    "hybrid_images", "hybrid_mask", "load", "load_mnist", "neutral_label", "normalize", "overlay_label",
    "permuted_labels", "pick_device", "plot_confusion_matrix", "plot_first_layer_weights",
    "plot_goodness_histograms", "plot_goodness_over_iterations", "plot_goodness_per_label", "plot_label_overlay",
    "plot_losses",
    "progress", "RecurrentConfig", "RecurrentFFNetwork", "save", "seed_everything", "show_image", "symba_loss",
    "train_greedy", "train_readout",
    "train_recurrent", "train_simultaneous", "train_unsupervised", "wrong_labels",
    "DownloadError", "saved_file", "saved_network",
]
