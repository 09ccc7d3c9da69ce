"""Small code blocks the notebooks share (self-contained: no kit import in Colab).

``VAL_ACCURACY``: the visible tests' helper. ``TRAINING_CURVES``: the cell after each training run
(``include: tensorboard``): TensorBoard in Colab; elsewhere a matplotlib plot of the ``val/metrics`` every
run under ``./tboard_logs/`` logged, one point per epoch. Bilingual code, by the rules of
:mod:`nndebug.course.language` (the English notebooks take the Russian out).
"""
from __future__ import annotations

VAL_ACCURACY = '''\
def val_accuracy(model, dataset):
    # Доля верных ответов модели на dataset (режим eval, без градиентов).
    # The share of the model's right answers on dataset (eval mode, no gradients).
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    with torch.no_grad():
        for batch in DataLoader(dataset, batch_size=256):
            logits = model(batch['sample'].to(device) / 255.0)
            correct += (logits.argmax(dim=1).cpu() == batch['label']).sum().item()
    return correct / len(dataset)
'''

TRAINING_CURVES = '''\
# Графики обучения: в Colab откроется TensorBoard, вне Colab — accuracy на валидации по эпохам.
# Training curves: TensorBoard in Colab; elsewhere val accuracy per epoch.
import sys
from pathlib import Path

if 'google.colab' in sys.modules:
    get_ipython().run_line_magic('load_ext', 'tensorboard')
    get_ipython().run_line_magic('tensorboard', '--logdir ./tboard_logs/')
elif Path('tboard_logs').is_dir():
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    fig, ax = plt.subplots(figsize=(7, 3))
    for run in sorted(p for p in Path('tboard_logs').iterdir() if p.is_dir()):
        events = EventAccumulator(str(run))
        events.Reload()
        if 'val/metrics' in events.Tags()['scalars']:
            values = [event.value for event in events.Scalars('val/metrics')]
            ax.plot(range(1, len(values) + 1), values, marker='o', label=run.name)
    ax.set(xlabel='epoch', ylabel='val accuracy', ylim=(0, 1.02), title='val/metrics')
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(loc='center right')
    plt.show()
'''.rstrip("\n")

SNIPPETS = {"val_accuracy": VAL_ACCURACY.rstrip("\n")}
