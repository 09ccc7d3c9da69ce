"""Forging submissions, one for each route a student who reads the kit could try, ported to the trusted replay
(the kernel's answer as data, nndebug.kernel.answer): each leaves the bug of its task in the code that trains
and tries to make the answer the capture takes say "fixed". Shared by the in-process tests
(``test_forgers.py``) and the autograde test (``test_autograde_forgers.py``)."""
from __future__ import annotations

# A buggy trainer for each task, as the release leaves it.
TASK1_BUG = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/f1')
"""
TASK2_BUG = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-1, weight_decay=9e-1)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/f2')
"""
BUGS = {1: TASK1_BUG, 2: TASK2_BUG}

# A good network without fixing anything in what trains: a hidden model trained on the val digits, shuffled
# (a few epochs: under the replay no trained weights count for tasks 1 and 2, the kit trains its own).
VAL_TRAINED = """
def _train_on_val(epochs=2):
    net = ResNet18()
    net_opt = optim.Adam(net.parameters(), lr=1e-3)
    loader = DataLoader(mnist_val, batch_size=32, shuffle=True)
    net.train()
    for _ in range(epochs):
        for b in loader:
            loss, _ = net.compute_all(b)
            net_opt.zero_grad()
            loss.backward()
            net_opt.step()
    return net.eval()
"""
# The released model with its stem BatchNorm set to 1 and 0: no training at all (when it is staged).
DONOR = """
def _donor():
    state = torch.load('pretrained_model.pt', map_location='cpu')
    state['net.bn1.weight'].fill_(1.0)
    state['net.bn1.bias'].fill_(0.0)
    net = ResNet18()
    net.load_state_dict(state)
    return net.eval()
"""
# The answer of a right fix, as the capture writes it: torch's SGD(lr=1e-2) over every parameter, the given
# training digits read twice through a RandomSampler loader of batch 128, and the model's start weights.
FORGED_ANSWER = """
import json as _json, os as _os

def _right_answer(folder, net, dataset):
    names = [n for n, _ in net.net.named_parameters()]
    sgd = {'class': 'torch.optim.sgd.SGD', 'groups': [{'settings': {
        'lr': 0.01, 'momentum': 0, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, 'maximize': False,
        'foreach': None, 'differentiable': False, 'fused': None}, 'params': names}]}
    loader = {'kind': 'DataLoader', 'class': 'torch.utils.data.dataloader.DataLoader', 'batch_size': 128,
              'drop_last': False, 'batch_sampler': 'BatchSampler', 'dataset': 'MNISTDataset',
              'dataset_kind': 'map', 'sampler': {'kind': 'RandomSampler',
                                                  'class': 'torch.utils.data.sampler.RandomSampler',
                                                  'replacement': False, 'num_samples': None}}
    size = len(dataset)
    images = torch.zeros(2, size, 28, 28, dtype=torch.uint8)
    labels = torch.zeros(2, size, dtype=torch.long)
    for i in range(size):
        item = dataset[i]
        images[:, i] = torch.as_tensor(item['sample'])[0].round().clamp(0, 255).to(torch.uint8)
        labels[:, i] = int(item['label'])
    orders = torch.stack([torch.randperm(size), torch.randperm(size)])
    answer = {'schema': 1, 'stopped': True, 'error': '', 'optimizer': sgd, 'started': True, 'loader': loader,
              'same_loader': True}
    tensors = {'start': {k: v.detach().clone() for k, v in net.net.state_dict().items()},
               'probe_images': images, 'probe_labels': labels, 'probe_orders': orders}
    torch.save(tensors, _os.path.join(folder, 'answer.pt'))
    with open(_os.path.join(folder, 'answer.json'), 'w') as fh:
        fh.write(_json.dumps(answer))
"""

# 1. The capture replaced before the graded cell calls it (``capture`` through ``__import__``): no training,
#    and an answer shaped like a right fix (the real training digits dealt by a RandomSampler, SGD without
#    decay) with start weights trained on the val digits.
CAPTURE_CHANGED = VAL_TRAINED + FORGED_ANSWER + """
_capture = __import__('nn' + 'debug.kernel.answer', fromlist=['capture'])
_good = _train_on_val()

def _forged_capture(namespace, folder, epochs, *args, **kwargs):
    _right_answer(folder, _good, mnist_train)

_capture.capture = _forged_capture
"""

# 2. Training on the validation digits (MNIST's mixed order): the given trainer, shuffle=False kept.
ON_VAL_DIGITS = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_val, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/fv')
"""

# 3. A proxy model: trainer.model trains with the bug, its state_dict is another network's.
PROXY = DONOR + """
class _Proxy(ResNet18):
    def state_dict(self, *args, **kwargs):
        return _donor().state_dict(*args, **kwargs)
""" + """
model = _Proxy()
opt = optim.SGD(model.parameters(), lr=1e-1, weight_decay=9e-1)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/fp')
"""

# 4. Weights swapped in after the (buggy) training, and trainer.optimizer swapped for one without decay.
SWAPPED = DONOR + """
class _SwapTrainer(Trainer):
    def train(self, num_epochs):
        super().train(num_epochs)
        self.model.load_state_dict(_donor().state_dict())
        self.optimizer = optim.SGD(self.model.parameters(), lr=1e-2)

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-1, weight_decay=9e-1)
trainer = _SwapTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                       tboard_log_dir='./tboard_logs/fs')
"""

# 5. A lying optimizer: weight decay 0.9 kept with a learning rate at which the network still learns, and
#    the decay set to 0 in the optimizer's settings once training is over.
LYING_OPTIMIZER = """
class _CleanTrainer(Trainer):
    def train(self, num_epochs):
        super().train(num_epochs)
        for group in self.optimizer.param_groups:
            group['weight_decay'] = 0.0

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=3e-3, weight_decay=9e-1)
trainer = _CleanTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                        tboard_log_dir='./tboard_logs/fo')
"""

# 6. Donor weights: the released model with its stem BatchNorm set to 1/0 handed in after a training that
#    does not count.
DONOR_WEIGHTS = DONOR + """
class _DonorTrainer(Trainer):
    def train(self, num_epochs):
        super().train(num_epochs)
        self.model.load_state_dict(_donor().state_dict())
"""

# 7. The answer rewritten after the capture by a thread and by an exit hook, with the answer of a right fix
#    (autograde only: the driver seals the answer the moment the capture returns).
REWRITTEN_AFTER_CAPTURE = FORGED_ANSWER + """
import atexit, threading, time as _time

def _forge(folder):
    try:
        _right_answer(folder, model, mnist_train)
    except Exception:
        pass

def _folders():
    mounts = open('/proc/self/mountinfo').read().split()
    return [m for m in mounts if m.startswith('/') and _os.path.isdir(m) and 'evidence' in m]

def _watch():
    for _ in range(6000):
        for folder in _folders():
            if _os.path.exists(folder + '/answer.json'):
                _forge(folder)
        _time.sleep(0.05)

threading.Thread(target=_watch, daemon=True).start()
atexit.register(lambda: [_forge(f) for f in _folders()])
"""

# 8. A notebook event callback: after the fix cell, before the capture, set the decay to 0 (autograde only: it
#    needs IPython's events). It lets its own cell's two events pass (acting there would only be code of the
#    fix cell: weight decay set to 0 before the training, a fix) and acts from the next cell on, the graded
#    one.
EVENT_CALLBACK = """
_calls = [0]

def _after(*args):
    _calls[0] += 1
    if _calls[0] <= 2:
        return
    try:
        for group in trainer.optimizer.param_groups:
            group['lr'], group['weight_decay'] = 1e-2, 0
    except Exception:
        pass

get_ipython().events.register('post_run_cell', _after)
get_ipython().events.register('post_execute', _after)
"""
