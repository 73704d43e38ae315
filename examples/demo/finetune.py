"""Fine-tune a causal LM with the Hugging Face Trainer."""

from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

BASE_ARGS = dict(
    output_dir="runs/finetune",
    per_device_train_batch_size=8,
    learning_rate=2e-5,
    logging_steps=10,
)


def main() -> None:
    tokenizer = AutoTokenizer.from_pretrained("gpt2")
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    args = TrainingArguments(**BASE_ARGS, num_train_epochs=3, save_steps=20)
    trainer = Trainer(model=model, args=args, train_dataset=load_dataset(tokenizer))
    trainer.train()


if __name__ == "__main__":
    main()
