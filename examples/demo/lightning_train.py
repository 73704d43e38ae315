"""Train the classifier with Lightning."""

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from demo.lit import LitClassifier, ImageData

PRECISION = "32-true"

if __name__ == "__main__":
    checkpoints = ModelCheckpoint(dirpath="ckpt", save_top_k=-1, every_n_train_steps=10)
    trainer = L.Trainer(max_epochs=50, accelerator="gpu", devices=2, precision=PRECISION, callbacks=[checkpoints])
    trainer.fit(LitClassifier(), datamodule=ImageData("data/"))
