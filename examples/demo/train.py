"""Train a small GPT-style model on token shards (plain PyTorch loop)."""

import argparse

import torch
from torch.utils.data import DataLoader

from demo.model import TinyGPT
from demo.data import TokenShards


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="checkpoints")
    args = parser.parse_args()

    device = torch.device("cuda")
    model = TinyGPT(vocab=50304, width=768, depth=12).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    loader = DataLoader(TokenShards("data/"), batch_size=16, shuffle=True)

    for epoch in range(args.epochs):
        for step, (x, y) in enumerate(loader):
            logits = model(x.to(device))
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.to(device).flatten())
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            torch.save({"model": model.state_dict(), "optim": optimizer.state_dict()}, f"{args.out}/step{step}.pt")


if __name__ == "__main__":
    main()
