"""A library module: defines the model, trains nothing (never a finding)."""

import torch
from torch import nn


class TinyGPT(nn.Module):
    def __init__(self, vocab: int, width: int, depth: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.blocks = nn.Sequential(*[nn.TransformerEncoderLayer(width, 12, batch_first=True) for _ in range(depth)])
        self.head = nn.Linear(width, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.embed(tokens)))
