"""Evaluation only: inference under no_grad is not training (never a finding)."""

import torch


@torch.no_grad()
def evaluate(model, loader) -> float:
    model.eval()
    total = 0.0
    for x, y in loader:
        total += torch.nn.functional.cross_entropy(model(x.cuda()).flatten(0, 1), y.cuda().flatten()).item()
    return total / len(loader)
