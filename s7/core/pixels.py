"""MNIST's pixel statistics and the normalisation every image goes through."""
import torch

MEAN, STD = 0.1307, 0.3081          # MNIST training-set pixel statistics
BACKGROUND = (0.0 - MEAN) / STD     # a blank pixel after normalisation


def normalise(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 N x 28 x 28 -> float N x 1 x 28 x 28, like ToTensor + Normalize."""
    return ((images_uint8.float() / 255.0 - MEAN) / STD).unsqueeze(1)
