"""Losses: one-channel sigmoid (BCE-Dice, mask L1) and softmax (CE-Dice, focal Tversky)."""

from .binary_losses import BCEDiceLoss, MaskL1Loss
from .softmax_losses import CEDiceLoss, FocalTverskyLoss

__all__ = ["BCEDiceLoss", "CEDiceLoss", "FocalTverskyLoss", "MaskL1Loss"]
