"""The same loop done right: bf16 autocast and a checkpoint every 1000 steps."""

import torch

from demo.model import TinyGPT


def train(loader, steps: int = 10_000) -> None:
    model = TinyGPT(vocab=50304, width=768, depth=12).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for step, (x, y) in enumerate(loader):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = torch.nn.functional.cross_entropy(model(x.cuda()).flatten(0, 1), y.cuda().flatten())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step % 1000 == 0:
            torch.save(model.state_dict(), "checkpoints/latest.pt")
