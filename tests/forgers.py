"""Forging submissions, written afresh for each route a student who reads the kit could try: each leaves the
bugs of tasks 1 and 2 in the code that trains (or trains on digits it should not) and tries to make the
record or the weights say "fixed". Shared by the in-process tests (``test_forgers.py``) and the autograde
test (``test_autograde_forgers.py``)."""
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

# A good network without fixing anything in what trains: a hidden model trained on the val digits, shuffled.
VAL_TRAINED = """
def _train_on_val(epochs=12):
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

# 1. The recorder changed before the injected cells call it: no logging, and a dump that writes a record
#    shaped like a right fix (the real training digits, mixed and reshuffled, losses and val accuracy the
#    handed-in weights really give, no weight decay) with weights trained on the val digits.
RECORDER_CHANGED = VAL_TRAINED + """
import json as _json, random as _random
_rec = __import__('nn' + 'debug.kernel.record', fromlist=['dump'])
_good = _train_on_val()

def _forged_install(namespace):
    pass

def _forged_dump(namespace, folder):
    rows = list(range(len(mnist_train)))
    batches = []
    with torch.no_grad():
        for epoch in range(10):
            _random.shuffle(rows)
            for i in range(0, len(rows), 128):
                part = [mnist_train[j] for j in rows[i:i + 128]]
                sample = torch.tensor(np.stack([p['sample'] for p in part]))
                label = torch.tensor([p['label'] for p in part])
                _good.train()
                loss, m = _good.compute_all({'sample': sample, 'label': label})
                ids = _rec.fingerprints(sample)
                batches.append([True, float(loss), float(m['acc']), label.tolist(), ids])
            _good.eval()
            for i in range(0, len(mnist_val), 128):
                part = [mnist_val[j] for j in range(i, min(i + 128, len(mnist_val)))]
                sample = torch.tensor(np.stack([p['sample'] for p in part]))
                label = torch.tensor([p['label'] for p in part])
                loss, m = _good.compute_all({'sample': sample, 'label': label})
                ids = _rec.fingerprints(sample)
                batches.append([False, float(loss), float(m['acc']), label.tolist(), ids])
    sgd = {'class': 'SGD', 'groups': [{'lr': 0.01, 'weight_decay': 0.0, 'n_params': 62}]}
    run = {'schema': _rec.SCHEMA, 'installed': True, 'error': '', 'batches': batches, 'optimizer': sgd,
           'optimizer_start': sgd, 'stepped': [{'first': sgd, 'last': sgd, 'steps': 100}], 'train_size': 1280}
    open(folder + '/run.json', 'w').write(_json.dumps(run))
    torch.save(_good.state_dict(), folder + '/weights.pt')

_rec.install = _forged_install
_rec.dump = _forged_dump
"""

# 2. Training on the validation digits (MNIST's mixed order): the given trainer, shuffle=False kept.
ON_VAL_DIGITS = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_val, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/fv')
"""

# 3. A proxy model: trainer.model logs the buggy training, its state_dict is another network's.
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

# 5. A lying optimizer record: weight decay 0.9 kept with a learning rate at which the network still learns,
#    and the decay set to 0 in the optimizer's settings once training is over.
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

# 6. Donor weights: the released model with its stem BatchNorm set to 1/0 handed in, no training that counts.
DONOR_WEIGHTS = DONOR + """
class _DonorTrainer(Trainer):
    def train(self, num_epochs):
        super().train(num_epochs)
        self.model.load_state_dict(_donor().state_dict())
"""

# 7. Evidence rewritten after the dump by a thread and by an exit hook (autograde only: the driver seals the
#    evidence when the dump returns).
REWRITTEN_AFTER_DUMP = VAL_TRAINED + """
import atexit, glob, json as _json, os as _os, threading, time as _time
_good = _train_on_val(3)

def _forge(folder):
    sgd = {'class': 'SGD', 'groups': [{'lr': 0.01, 'weight_decay': 0.0, 'n_params': 62}]}
    try:
        run = _json.load(open(folder + '/run.json'))
        run.update(optimizer=sgd, optimizer_start=sgd, stepped=[{'first': sgd, 'last': sgd, 'steps': 100}])
        open(folder + '/run.json', 'w').write(_json.dumps(run))
        torch.save(_good.state_dict(), folder + '/weights.pt')
    except Exception:
        pass

def _folders():
    mounts = open('/proc/self/mountinfo').read().split()
    return [m for m in mounts if m.startswith('/') and _os.path.isdir(m) and 'evidence' in m]

def _watch():
    for _ in range(6000):
        for folder in _folders():
            if _os.path.exists(folder + '/run.json'):
                _forge(folder)
        _time.sleep(0.05)

threading.Thread(target=_watch, daemon=True).start()
atexit.register(lambda: [_forge(f) for f in _folders()])
"""

# 8. A notebook event callback: after the graded cell, before the dump, swap in the good weights and set
#    the decay to 0 (autograde only: it needs IPython's events). It lets its own cell's two events pass
#    (acting there would only be code of the fix cell: weight decay set to 0 before the training, a fix)
#    and acts from the next cell on, the graded one.
EVENT_CALLBACK = VAL_TRAINED + """
_good = _train_on_val(3)
_calls = [0]

def _after(*args):
    _calls[0] += 1
    if _calls[0] <= 2:
        return
    try:
        trainer.model.load_state_dict(_good.state_dict())
        for group in trainer.optimizer.param_groups:
            group['weight_decay'] = 0.0
    except Exception:
        pass

get_ipython().events.register('post_run_cell', _after)
get_ipython().events.register('post_execute', _after)
"""
