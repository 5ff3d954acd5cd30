"""The PyTorch side of tinygrad_edu: the same by-hand network and custom losses written with torch.

These modules are the reference that the engine's tests compare against; they import torch, so
they need the ``torch`` extra.
"""
