#!/usr/bin/env bash
# Fine-tune with the repository's arguments file.
python finetune.py configs/finetune_args.yaml
