"""Small code blocks the notebooks' visible tests share (self-contained: no kit import in Colab)."""
from __future__ import annotations

VAL_ACCURACY = '''\
def val_accuracy(model, dataset):
    """Доля верных ответов модели на dataset (режим eval, без градиентов)."""
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    with torch.no_grad():
        for batch in DataLoader(dataset, batch_size=256):
            logits = model(batch['sample'].to(device) / 255.0)
            correct += (logits.argmax(dim=1).cpu() == batch['label']).sum().item()
    return correct / len(dataset)
'''

SNIPPETS = {"val_accuracy": VAL_ACCURACY.rstrip("\n")}
