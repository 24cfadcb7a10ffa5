"""The batched tensor augmentation: random rotation, shift and scale of a whole batch in one op."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from s7.core.pixels import BACKGROUND


def affine(x: torch.Tensor, angle: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor,
           mode: str = "bilinear", scale: torch.Tensor | None = None) -> torch.Tensor:
    """Rotate each image by angle (radians), scale it about the centre and shift it by (tx, ty)
    pixels, in one batched op.

    Works on normalised images: the empty border is filled with the background value.
    mode="nearest" moves pixels without blurring them (torchvision's RandomAffine default).
    """
    n, _, h, w = x.shape
    cos, sin = torch.cos(angle), torch.sin(angle)
    if scale is not None:   # sampling the input at coordinates / s draws the digit s times larger
        cos, sin = cos / scale, sin / scale
    # affine_grid maps output to input coordinates in [-1, 1]: a shift of 1 px is 2/size
    theta = torch.stack([torch.stack([cos, -sin, -tx * 2 / w], 1),
                         torch.stack([sin, cos, -ty * 2 / h], 1)], 1)
    grid = F.affine_grid(theta.to(x.dtype), [n, 1, h, w], align_corners=False)
    return F.grid_sample(x - BACKGROUND, grid, mode=mode, align_corners=False, padding_mode="zeros") + BACKGROUND


def random_affine(x: torch.Tensor, degrees: float, shift: float, generator: torch.Generator,
                  interpolation: str = "bilinear", p: float = 1.0, scale: float = 0.0) -> torch.Tensor:
    """Rotate by U(-degrees, degrees), shift by U(-shift, shift) pixels and, when scale > 0,
    resize by a factor U(1 - scale, 1 + scale), a fraction p of the images."""
    draws = draw_affine(len(x), generator, x.device, p=p, scale=scale)
    return apply_affine(x, draws, degrees=degrees, shift=shift, interpolation=interpolation, p=p, scale=scale)


def draw_affine(n: int, generator: torch.Generator, device, p: float = 1.0, scale: float = 0.0) -> list[torch.Tensor]:
    """The uniform draws of one batch of random_affine: angle and shifts, then the scale (when
    scale > 0; drawn after the others, so runs without scale keep their random stream), then which
    images move (when p < 1)."""
    def uniform(*shape):
        return torch.rand(*shape, generator=generator, device=generator.device).to(device)
    return [uniform(3, n)] + ([uniform(n)] if scale else []) + ([uniform(n)] if p < 1 else [])


def apply_affine(x: torch.Tensor, draws: list[torch.Tensor], degrees: float, shift: float,
                 interpolation: str = "bilinear", p: float = 1.0, scale: float = 0.0) -> torch.Tensor:
    """random_affine's transform, given its draws (no randomness here: a CUDA graph can hold it)."""
    u = draws[0] * 2 - 1
    size = 1 + scale * (draws[1] * 2 - 1) if scale else None
    moved = affine(x, u[0] * math.radians(degrees), tx=u[1] * shift, ty=u[2] * shift, mode=interpolation, scale=size)
    if p >= 1:
        return moved
    keep = draws[-1] >= p
    return torch.where(keep.view(-1, 1, 1, 1), x, moved)
