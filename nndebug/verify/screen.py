"""A screen for what a plain fix never needs: the student's code cells, read with ``ast`` in the grading
driver (never run).

A fix of the kit's bugs is torch code of a few lines: a loader, an optimizer, a repair of some weights, maybe
a Trainer subclass, a helper, augmentation or a schedule. A route around the verifier needs more: code built
at run time, encoded data, patches of torch or the kit, values that disguise themselves, threads, processes
and hooks, native code, the interpreter's internals, files other than the staged ones, packages that bring
data or a network. Each finding is a reason for a person to look: the fix test scores 0 and is sent to a
person (:func:`nndebug.verify.verdicts.screened`, ``autograded/routed.md``). The rules are the tables below;
names are matched after the cell's and the given cells' imports (``nn.Module`` is ``torch.nn.Module``), and a
given function copied as it is counts as given code. Resolving names and paths has a step budget, so any
cell is screened in bounded time.
"""
from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from nbformat import NotebookNode

from nndebug.course.nbcells import grade_id, is_given, is_test_cell
from nndebug.verify.verdict import Line

KINDS: dict[str, tuple[str, str]] = {  # kind -> (Russian, English)
    "code": ("выполняет код, собранный во время работы", "runs code built at run time"),
    "encoded": ("несёт закодированные данные (веса?)", "carries encoded data (weights?)"),
    "patch": ("меняет torch, numpy, builtins или данный код снаружи",
              "changes torch, numpy, builtins or the given code from outside"),
    "spoof": ("класс, который выдаёт себя или свои числа за другое",
              "a class that disguises itself or its values"),
    "process": ("запускает потоки, процессы или перехватчики", "starts threads, processes or hooks"),
    "native": ("вызывает машинный код", "calls native code"),
    "introspect": ("заглядывает во внутренности интерпретатора", "inspects the interpreter's internals"),
    "file": ("открывает файл помимо выданных (./mnist_data/, pretrained_model.pt, tboard_logs/)",
             "opens a file other than the staged ones (./mnist_data/, pretrained_model.pt, tboard_logs/)"),
    "import": ("использует пакет, не нужный для исправления", "uses a package a fix has no use for"),
    "training": ("меняет веса или лосс в обучении мимо оптимизатора (то, что kit не повторяет)",
                 "changes the weights or the loss in the training, outside the optimizer (what the kit's "
                 "replay does not repeat)"),
    "network": ("подкласс слоя torch или данной сети со своим forward (kit повторяет обучение своей сетью)",
                "a subclass of a torch layer or of the given network with a forward of its own (the kit's "
                "replay trains its own network)"),
    "size": ("ячейка длиннее любого исправления", "a cell longer than any fix"),
    "unreadable": ("ячейку не удалось прочитать как Python", "the cell cannot be read as Python"),
}


def _table(kinds: dict[str, str]) -> dict[str, str]:
    return {name: kind for kind, names in kinds.items() for name in names.split()}


# A dotted name (or anything under it: "torch.hub" covers "torch.hub.load"), referenced or imported.
NAMES = _table({
    "code": "exec eval compile __import__ breakpoint importlib runpy code codeop pkgutil zipimport "
            "types.FunctionType types.CodeType types.ModuleType operator.attrgetter operator.methodcaller",
    "encoded": "base64 binascii zlib gzip bz2 lzma zipfile tarfile pickle _pickle pickletools marshal shelve "
               "codecs dill cloudpickle joblib copyreg struct io.BytesIO numpy.frombuffer numpy.fromstring "
               "torch.frombuffer torch.serialization",
    "patch": "builtins __builtins__ sys.modules sys.meta_path sys.path_hooks sys.path sys.displayhook "
             "sys.excepthook site torch.library torch._C torch.ops torch.utils.cpp_extension",
    "process": "threading _thread multiprocessing concurrent subprocess signal atexit asyncio sched pty "
               "weakref.finalize os.system os.popen os.fork os.forkpty os.kill os.killpg os._exit os.abort "
               "os.execl os.execle os.execlp os.execlpe os.execv os.execve os.execvp os.execvpe os.spawnl "
               "os.spawnle os.spawnlp os.spawnlpe os.spawnv os.spawnve os.spawnvp os.spawnvpe os.posix_spawn "
               "os.posix_spawnp os.register_at_fork sys.addaudithook sys.settrace sys.setprofile "
               "torch.multiprocessing torch.distributed get_ipython IPython ipykernel jupyter_client zmq "
               "faulthandler resource posix _posixsubprocess sys.monitoring "
               "torch.optim.optimizer.register_optimizer_step_pre_hook "
               "torch.optim.optimizer.register_optimizer_step_post_hook torch.nn.modules.module "
               "torch.utils.hooks torch.nn.modules.module.register_module_forward_pre_hook "
               "torch.autograd.graph torch.utils.data.get_worker_info",
    "training": "torch.func torch._functorch torch.nn.utils.stateless torch.nn.utils.parametrize",
    "native": "ctypes _ctypes cffi mmap",
    "introspect": "gc inspect dis tracemalloc traceback sys._getframe sys._current_frames globals "
                  "locals vars",
    "import": "mlxtend sklearn.datasets scipy.datasets scipy.io skimage.data keras tensorflow "
              "tensorflow_datasets datasets huggingface_hub torchvision.datasets torchaudio torchtext "
              "torch.hub torch.utils.model_zoo torch.package urllib urllib3 http socket ssl requests httpx "
              "httpcore aiohttp ftplib smtplib xmlrpc webbrowser gdown fsspec nndebug nbformat nbgrader "
              "nbclient sqlite3 shutil tempfile h5py linecache fileinput pkg_resources",
})
BUILTINS = {"exec", "eval", "compile", "__import__", "breakpoint", "globals", "locals", "vars", "open",
            "getattr", "setattr", "delattr", "get_ipython", "__builtins__", "type", "str"}
# An attribute of that name on anything.
ATTRS = _table({
    "introspect": "_getframe f_back f_globals f_locals f_builtins f_code gi_frame gi_code cr_frame ag_frame "
                  "tb_frame co_code co_consts __code__ __globals__ __closure__ __builtins__ __subclasses__ "
                  "__bases__ __base__ __mro__ __defaults__ __kwdefaults__ __dict__ __getattribute__ "
                  "__setattr__ __delattr__ __self__ __func__ __wrapped__ __loader__ __spec__ __class__ "
                  "findCaller stack_info extract_stack format_stack walk_stack",
    "process": "register_optimizer_step_pre_hook register_optimizer_step_post_hook register_step_pre_hook "
               "register_step_post_hook register_module_forward_pre_hook register_module_forward_hook "
               "register_module_full_backward_hook register_module_full_backward_pre_hook "
               "register_module_backward_hook register_module_buffer_registration_hook "
               "register_module_module_registration_hook register_module_parameter_registration_hook "
               "_register_state_dict_hook register_state_dict_pre_hook register_state_dict_post_hook "
               "_register_load_state_dict_pre_hook register_load_state_dict_pre_hook "
               "register_load_state_dict_post_hook register_forward_pre_hook register_forward_hook "
               "register_hook register_post_accumulate_grad_hook register_full_backward_hook "
               "register_full_backward_pre_hook register_backward_hook register_multi_grad_hook "
               "get_worker_info",
    "training": "functional_call register_parametrization",
    "encoded": "fromhex frombuffer from_bytes b64decode fromstring",
})
RENAMED = {"__class__", "__module__", "__qualname__", "__name__"}  # set on anything: a disguise
# Defined in a class of the cell: a value that reports one thing and acts as another.
SPOOF_DUNDERS = set(
    "__module__ __class__ __qualname__ __name__ __dict__ __slots__ __float__ __int__ __index__ __complex__ "
    "__bool__ __round__ __trunc__ __floor__ __ceil__ __abs__ __neg__ __pos__ __eq__ __ne__ __lt__ __le__ "
    "__gt__ __ge__ __hash__ __format__ __add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ "
    "__rtruediv__ __pow__ __rpow__ __matmul__ __instancecheck__ __subclasscheck__ __getattr__ "
    "__getattribute__ __setattr__ __delattr__ __torch_function__ __torch_dispatch__ __array__ "
    "__array_function__ __array_ufunc__ __reduce__ __reduce_ex__ __getstate__ __setstate__ __del__ __new__ "
    "__init_subclass__ __class_getitem__".split())
# Methods the recorder and the verifier read: overridden in a class, or set on an object.
REPORTERS = {"state_dict", "load_state_dict", "named_parameters", "parameters", "buffers", "named_buffers",
             "__call__", "_save_to_state_dict", "_load_from_state_dict", "_apply", "named_modules", "modules"}
OPTIMIZER_REPORTERS = {"step", "zero_grad", "add_param_group", "state_dict"}  # of an optimizer subclass
# Of a subclass of a torch layer (``torch.nn.*``) or of a given network: what calling the network runs.
NETWORK_OVERRIDES = {"forward", "compute_all", "__call__", "_call_impl", "_wrapped_call_impl",
                     "_conv_forward"}
SCHEDULER_MODULES = ("torch.optim.lr_scheduler", "torch.optim.swa_utils")
# Makes a function of another: stored on an object the screen cannot read, it is a function the cell made.
FUNCTION_MAKERS = {"functools.partial", "functools.wraps", "functools.update_wrapper", "types.MethodType",
                   "types.FunctionType"}
STORED_REPORTERS = REPORTERS | {"param_groups", "defaults"}                    # set on any object
VALUE_BASES = ("int float complex bool str bytes bytearray list tuple dict set frozenset numbers "
               "torch.Tensor torch.nn.Parameter torch.nn.parameter numpy.ndarray numpy.generic").split()
PATCHABLE = {"Trainer"}            # given classes a fix may patch (a new train method)
# Stored as an attribute of an object the cell did not make: a class attribute the descriptor protocol binds.
DESCRIPTORS = {"property", "classmethod", "staticmethod", "functools.cached_property",
               "functools.partialmethod", "types.MethodType"}
# Modules whose classes' method names a store on an object the cell did not make may not use.
TORCH_CLASS_MODULES = ("torch.nn", "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data",
                       "torch.utils.data.dataloader", "torch.utils.data.sampler")
CLASS_RETURNING = {"storage_type", "type", "as_subclass"}   # torch methods whose result may be a class
# Without torch (a screen run elsewhere): the methods the capture and the replay rely on.
CORE_METHODS = set("""
    step zero_grad add_param_group forward train eval apply to cpu cuda float double half type parameters
    named_parameters modules named_modules children named_children state_dict load_state_dict backward
    register_hook requires_grad_ detach clone copy_ mul_ add_ sub_ div_ fill_ zero_ normal_ uniform_
    reset_parameters get_lr get_last_lr set_epoch""".split())
ALLOWED_STORES = {"torch.backends.cudnn.deterministic", "torch.backends.cudnn.benchmark", "os.environ"}
SAFE_MAGICS = {"matplotlib", "pinfo", "pinfo2", "tensorboard", "autoreload", "who", "whos"}
SAFE_EXTENSIONS = {"tensorboard", "autoreload"}
CODE_MAGICS = {"time", "timeit", "capture"}          # their argument is code: screened as such
STAGED = ("mnist_data", "pretrained_model.pt", "tboard_logs")
WILD = "\0"                                          # a path part the screen cannot read
# dotted name -> (position, keyword) of the path argument
FILE_CALLS = {name: (pos, kw) for names, pos, kw in (
    ("open io.open io.FileIO os.open os.listdir os.scandir os.remove os.unlink os.rename os.replace "
     "os.symlink os.link os.chmod os.truncate os.mkfifo", 0, "path"),
    ("numpy.load numpy.fromfile numpy.save numpy.savez numpy.savez_compressed", 0, "file"),
    ("numpy.loadtxt numpy.genfromtxt numpy.savetxt", 0, "fname"), ("numpy.memmap", 0, "filename"),
    ("torch.load torch.jit.load", 0, "f"), ("torch.save", 1, "f"), ("torch.from_file", 0, "filename"),
    ("cv2.imread cv2.imwrite torchvision.io.read_image torchvision.io.read_file", 0, "filename"),
    ("PIL.Image.open", 0, "fp"), ("os.walk", 0, "top"), ("glob.glob glob.iglob", 0, "pathname"),
    ("pandas.read_csv pandas.read_pickle pandas.read_parquet pandas.read_json pandas.read_table", 0,
     "filepath_or_buffer"),
) for name in names.split()}
PATH_TYPES = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "os.path.join", "str", "os.fspath")
PATH_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "iterdir", "glob", "rglob",
                "unlink", "touch", "symlink_to", "hardlink_to"}
PATH_PARAM = re.compile(r"(^|_)(path|dir|root|filename|fname|logdir)$")
MAX_LITERAL = 1_000          # characters of one str/bytes literal
MAX_LITERALS = 8_000         # characters of all of them
MAX_NUMBERS = 100            # numbers in one list/tuple/set/dict literal
MAX_ALL_NUMBERS = 600        # number literals in the cell
MAX_DIGITS = 30              # digits of one integer literal
MAX_CELL = 30_000            # characters of a cell
MAX_STEPS = 20_000           # steps spent resolving the paths of one cell
FUNCTION = ast.FunctionDef | ast.AsyncFunctionDef
PER_KIND = 4                 # findings named per kind


@dataclass(frozen=True)
class Given:
    """What the given (restored, trusted) cells define that a student cell may use."""

    aliases: dict[str, str] = field(default_factory=dict)      # name -> dotted name it was imported as
    modules: frozenset[str] = frozenset()                       # names bound by a plain ``import``
    constants: dict[str, str] = field(default_factory=dict)    # name -> the string assigned to it
    signatures: dict[str, tuple[str, ...]] = field(default_factory=dict)  # function or class -> params
    classes: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()                    # ast.dump of every given function
    instances: dict[str, str] = field(default_factory=dict)    # name bound to ``C(...)`` -> "own"/"foreign"
    networks: frozenset[str] = frozenset()                     # given classes based on a torch.nn class
    methods: dict[str, tuple[str, ...]] = field(default_factory=dict)   # a given class's method -> sources


def _imports(tree: ast.AST) -> tuple[dict[str, str], set[str]]:
    aliases, modules = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                name = a.asname or a.name.split(".")[0]
                aliases[name] = a.name if a.asname else name
                modules.add(name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    return aliases, modules


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool = False) -> tuple[str, ...]:
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    return tuple(names[1:] if method else names)


@lru_cache(maxsize=32)
def given_context(sources: tuple[str, ...]) -> Given:
    """The imports, string constants, signatures and classes of the given cells (unparsable ones skipped)."""
    aliases, modules, constants, signatures, classes, functions = {}, set(), {}, {}, set(), set()
    instances: dict[str, str] = {}      # name -> the class it is bound to at the top ("": something else)
    bases: dict[str, list[str]] = {}    # a given class -> its bases, as written
    methods: dict[str, tuple[str, ...]] = {}
    for source in sources:
        try:
            tree = ast.parse(_ipython(source))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        found, plain = _imports(tree)
        aliases.update(found)
        modules |= plain
        functions |= {ast.dump(n) for n in ast.walk(tree) if isinstance(n, FUNCTION)}
        made = {id(t): _class_call(node.value) for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                made_as = made.get(id(node), "")      # a name stored otherwise once is no instance
                instances[node.id] = made_as if instances.get(node.id, made_as) else ""
            elif isinstance(node, FUNCTION | ast.ClassDef):
                instances[node.name] = ""
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                constants.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
            elif isinstance(node, FUNCTION):
                signatures[node.name] = _params(node)
            elif isinstance(node, ast.ClassDef):
                classes.add(node.name)
                bases[node.name] = [ast.unparse(b) for b in node.bases]
                for method in (n for n in node.body if isinstance(n, FUNCTION)):
                    methods[method.name] = (*methods.get(method.name, ()), ast.unparse(method))
                init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                            None)
                if init is not None:
                    signatures[node.name] = _params(init, method=True)
    networks: set[str] = set()
    for _ in bases:       # a given class based on torch.nn (``nn.Module``) or on such a given class
        networks |= {c for c, written in bases.items() if any(
            b in networks or _resolved(b, aliases).startswith("torch.nn.") for b in written)}
    return Given(aliases, frozenset(modules), constants, signatures, frozenset(classes), frozenset(functions),
                 {n: "own" if cls in classes else "foreign" for n, cls in instances.items() if cls},
                 frozenset(networks), methods)


def _resolved(written: str, aliases: dict[str, str]) -> str:
    """A dotted name as written (``nn.Module``) with its head imported (``torch.nn.Module``)."""
    head, dot, rest = written.partition(".")
    return aliases.get(head, head) + dot + rest


def _class_call(node: ast.AST) -> str:
    """The class called in ``Name(...)`` or ``a.b.Name(...)`` (a capitalised name: a class, in given code)."""
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name if name[:1].isupper() else ""


@lru_cache(maxsize=1)
def torch_methods() -> frozenset[str]:
    """The public method names of the classes of torch a fix meets (tensors, modules, optimizers, schedulers,
    loaders, datasets, samplers): stored on an object the cell did not make, such a name replaces a method."""
    import inspect

    try:
        import importlib

        import torch
        modules = [importlib.import_module(m) for m in TORCH_CLASS_MODULES]
    except ImportError:
        return frozenset(CORE_METHODS)
    found = (v for m in modules for v in vars(m).values() if inspect.isclass(v))
    classes = {torch.Tensor, torch.nn.Parameter} | {c for c in found if c.__module__.startswith("torch.")}
    names = set(CORE_METHODS)
    for cls in classes:
        for name in dir(cls):
            try:
                value = inspect.getattr_static(cls, name)
            except AttributeError:
                continue
            if not name.startswith("_") and (inspect.isroutine(value)
                                             or isinstance(value, staticmethod | classmethod)):
                names.add(name)
    return frozenset(names)


def _ipython(source: str) -> str:
    """The cell as IPython runs it: magics and shell escapes become ``get_ipython()`` calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - then it is parsed as it is (and may not parse)
        return source


@dataclass(frozen=True)
class Finding:
    kind: str
    what: str
    line: int


class _Cell:
    """One cell's tree and what its names stand for."""

    def __init__(self, tree: ast.Module, given: Given) -> None:
        self.tree, self.given = tree, given
        nodes = list(ast.walk(tree))
        found, plain = _imports(tree)
        bound = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        bound |= {n.name for n in nodes
                  if isinstance(n, FUNCTION | ast.ClassDef)}
        self.aliases = {k: v for k, v in given.aliases.items() if k not in bound or k in found} | found
        self.local = bound - set(found)
        for node in nodes:   # ``m = torch.optim``: m is torch.optim too
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Name | ast.Attribute) \
                    and self.dotted(node.value):
                self.aliases[target.id] = self.dotted(node.value) or ""
        self.rebound_modules = given.modules & self.local
        self.bindings: dict[str, list[ast.expr | None]] = {}   # name -> every value bound (None: unreadable)
        self.functions: dict[str, tuple[str, ...]] = {}          # a function or class of the cell -> params
        self.skip: set[int] = set()
        self.budget = MAX_STEPS   # steps left to resolve names: a cell cannot make the screen slow
        assigned: set[int] = set()
        for node in nodes:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(t, ast.Name):
                        self.bindings.setdefault(t.id, []).append(node.value)
                        assigned.add(id(t))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and id(node) not in assigned:
                self.bindings.setdefault(node.id, []).append(None)
            elif isinstance(node, ast.ClassDef):   # a class's calls pass its __init__'s parameters
                init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                            None)
                if init is not None:
                    self.functions[node.name] = _params(init, method=True)
            elif isinstance(node, FUNCTION):
                self.functions[node.name] = _params(node)
                for arg, default in zip(reversed(node.args.args), reversed(node.args.defaults), strict=False):
                    self.bindings.setdefault(arg.arg, []).append(default)
        for node in nodes:   # a helper's parameters take what its calls pass
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in self.functions:
                params = self.functions[node.func.id]
                for name, value in [*zip(params, node.args, strict=False),
                                    *((k.arg, k.value) for k in node.keywords if k.arg)]:
                    self.bindings.setdefault(name, []).append(value)
        for node in nodes:
            if isinstance(node, FUNCTION):
                for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
                    self.bindings.setdefault(arg.arg, [None])   # never passed a readable value
        self._objects(nodes)

    def _objects(self, nodes: list[ast.AST]) -> None:
        """What :meth:`made_here` reads: the cell's classes, its instance parameters (``self``), every
        parameter's name, the value each store target takes and the names called."""
        self.params = {a.arg for n in nodes if isinstance(n, FUNCTION | ast.Lambda)
                       for a in (*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs,
                                 *filter(None, (n.args.vararg, n.args.kwarg)))}
        self.values: dict[int, ast.expr] = {}            # id of a store target -> the value stored
        for node in nodes:
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    self.values[id(target)] = node.value
        self.callees = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        self.defs = {n.name for n in nodes if isinstance(n, FUNCTION)}   # the functions the cell defines
        # Method names the cell may give another meaning: defined, stored, set (None: a name set unread).
        self.redefined: set[str | None] = {n.name for n in nodes if isinstance(n, FUNCTION)}
        for node in nodes:
            if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                self.redefined.add(node.attr)
            elif isinstance(node, ast.Call) and self.dotted(node.func) in ("setattr", "delattr"):
                key = node.args[1] if len(node.args) > 1 else None
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.redefined.add(key.value)
                elif not _made_by_call(node.args[2] if len(node.args) > 2 else None):
                    self.redefined.add(None)
        defs = [n for n in nodes if isinstance(n, ast.ClassDef)]
        names = [n.name for n in nodes if isinstance(n, FUNCTION | ast.ClassDef)]
        meta: set[str] = set()
        for _ in defs:        # a class of classes (``type``'s subclass): its instances are classes
            meta |= {d.name for d in defs if any(self._meta_base(b, meta) for b in d.bases)}
        self.classes = {d.name for d in defs if d.name not in meta and names.count(d.name) == 1
                        and d.name not in self.bindings and d.name not in self.params}
        self.own: set[int] = set()                       # ids of the names that are a method's instance
        for cls in (d for d in defs if d.name not in meta):
            for method in cls.body:
                args = [*method.args.posonlyargs, *method.args.args] if isinstance(method, FUNCTION) else []
                if not args or method.name in SPOOF_DUNDERS or not all(
                        (self.dotted(d.func if isinstance(d, ast.Call) else d) or "").startswith("torch.")
                        for d in method.decorator_list):
                    continue
                uses = list(_uses(method, args[0].arg))
                if all(isinstance(n.ctx, ast.Load) for n in uses):
                    self.own |= {id(n) for n in uses}

    def is_network(self, base: ast.expr, depth: int = 0) -> bool:
        """Is the base class ``base`` a torch layer (``torch.nn.*``), a given network (``ResNet18``) or a
        class of the cell based on one?"""
        networks = {f"<given>.{c}" for c in self.given.networks}
        return self._based(base, depth, lambda name: name.startswith("torch.nn.") or name in networks,
                           self.is_network)

    def is_scheduler(self, base: ast.expr, depth: int = 0) -> bool:
        """Is ``base`` a torch learning-rate scheduler (``LRScheduler``, ``StepLR``, …) or a class of the cell
        based on one?"""
        return self._based(base, depth, lambda name: name.startswith(SCHEDULER_MODULES)
                           or name.rpartition(".")[2].endswith("LRScheduler"), self.is_scheduler)

    def is_dataset(self, base: ast.expr, depth: int = 0) -> bool:
        """Is ``base`` a torch dataset (``torch.utils.data.*``) or a class of the cell based on one?"""
        return self._based(base, depth, lambda name: name.startswith("torch.utils.data."), self.is_dataset)

    @cached_property
    def datasets(self) -> set[str]:
        """The cell's dataset classes (read once: every attribute store in a training asks)."""
        return {d.name for d in ast.walk(self.tree) if isinstance(d, ast.ClassDef)
                and any(self.is_dataset(b) for b in d.bases)}

    def _based(self, base: ast.expr, depth: int, test: Callable[[str], bool],
               again: Callable[[ast.expr, int], bool]) -> bool:
        if depth > 8 or not self._step():
            return False
        if isinstance(base, ast.Name) and base.id in self.local:
            defs = [d for d in ast.walk(self.tree) if isinstance(d, ast.ClassDef) and d.name == base.id]
            return any(again(b, depth + 1) for d in defs for b in d.bases)
        name = self.dotted(base)
        return name is not None and test(name)

    def _meta_base(self, base: ast.expr, meta: set[str]) -> bool:
        if isinstance(base, ast.Name) and base.id in meta:
            return True
        name = self.dotted(base) if not isinstance(base, ast.Name) or base.id not in self.local else base.id
        return name is None or name.rpartition(".")[2] in ("type", "ABCMeta", "EnumMeta", "EnumType") \
            or name.endswith("Meta")

    def made_here(self, node: ast.AST | None, depth: int = 0) -> str | None:
        """What object ``node`` is, if the cell shows it: "own" (a literal, an instance of a class of the cell
        or of the given code, a method's ``self``), "foreign" (an instance of an imported class), None (a
        class, a module, a function, a parameter, what a call or an attribute returns: unknown)."""
        if node is None or depth > 8 or not self._step():
            return None
        if isinstance(node, ast.Constant | ast.JoinedStr | ast.List | ast.Tuple | ast.Set | ast.Dict
                      | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return "own"
        if isinstance(node, ast.IfExp):
            return self._all_made_here([node.body, node.orelse], depth + 1)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.classes:
                return "own"
            if isinstance(func, ast.Attribute) and func.attr in torch_methods() - CLASS_RETURNING \
                    and not {func.attr, None} & self.redefined and self.made_here(func.value, depth + 1):
                return "foreign"          # torch's own method of an instance: a module, a tensor
            name = self.dotted(func) or ""
            if name.startswith("<given>.") or name in DESCRIPTORS:
                return "own" if name.startswith("<given>.") else None
            return "foreign" if name.rpartition(".")[2][:1].isupper() else None
        if not isinstance(node, ast.Name):
            return None
        if id(node) in self.own:
            return "own"
        if node.id in self.params:
            return None
        if node.id not in self.bindings:
            return self.given.instances.get(node.id) if node.id not in self.local else None
        return self._all_made_here(self.bindings[node.id], depth + 1)

    def _all_made_here(self, values: Iterable[ast.AST | None], depth: int) -> str | None:
        """"foreign" if one of ``values`` is, "own" if all are, None at the first that is unknown."""
        kind = "own"
        for value in values:
            found = self.made_here(value, depth)
            if found is None:
                return None
            kind = "foreign" if found == "foreign" else kind
        return kind

    def dotted(self, node: ast.AST) -> str | None:
        """``nn.Module.state_dict`` as ``torch.nn.Module.state_dict``; None for anything but a name chain."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        if node.id in self.aliases:
            head = self.aliases[node.id]
        elif node.id in BUILTINS and node.id not in self.local:
            head = node.id
        elif node.id in self.given.classes and node.id not in self.local:
            head = f"<given>.{node.id}"
        else:
            return None
        return ".".join([head, *reversed(parts)])

    def paths(self, node: ast.AST | None, depth: int = 0) -> set[str] | None:
        """The strings a path expression may hold (WILD where a part cannot be read); None: unreadable."""
        found = self._paths(node, depth) if node is not None and depth <= 8 and self._step() else None
        return found if found is None or len(found) <= 64 else None

    def _step(self) -> bool:
        self.budget -= 1
        return self.budget >= 0

    def _paths(self, node: ast.AST, depth: int) -> set[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            value = node.value
            return {value.decode(errors="replace") if isinstance(value, bytes) else value}
        if isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            prefix = head.value if isinstance(head, ast.Constant) and isinstance(head.value, str) else ""
            return {prefix + WILD}
        if isinstance(node, ast.Name):
            values = self.bindings.get(node.id)
            if values is None:
                known = self.given.constants.get(node.id)
                return {known} if known is not None else None
            found: set[str] = set()
            for value in values:
                more = self.paths(value, depth + 1)
                if more is None:
                    return None
                found |= more
            return found
        if isinstance(node, ast.Call) and self.dotted(node.func) in PATH_TYPES and node.args:
            parts = [self.paths(a, depth + 1) or {WILD} for a in node.args]
            if parts[0] == {WILD}:
                return None
            return {"/".join(combo) for combo in _product(parts)}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Add):
            left = self.paths(node.left, depth + 1)
            if left is None:
                return None
            right = self.paths(node.right, depth + 1) or {WILD}
            glue = "/" if isinstance(node.op, ast.Div) else ""
            return {a + glue + b for a in left for b in right}
        if isinstance(node, ast.IfExp):
            a, b = self.paths(node.body, depth + 1), self.paths(node.orelse, depth + 1)
            return None if a is None or b is None else a | b
        return None

    def is_path(self, node: ast.AST, depth: int = 0) -> bool:
        """Is ``node`` evidently a ``pathlib`` path (a Path(...) call, a / of one, a name bound to one)?"""
        if not self._step() or depth > 8:
            return True            # too deep to tell: screened as a path (and then unreadable)
        if isinstance(node, ast.Call):
            return (self.dotted(node.func) or "").startswith("pathlib.")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.is_path(node.left, depth + 1)
        if isinstance(node, ast.Name):
            values = self.bindings.get(node.id) or []
            for value in values:
                if self.budget < 0:
                    return True
                if value is None or not self.is_path(value, depth + 1):
                    return False
            return bool(values)
        return False


def _uses(scope: ast.AST, name: str) -> Iterator[ast.Name]:
    """The names ``name`` in ``scope``, leaving out inner functions that take a parameter of that name."""
    for child in ast.iter_child_nodes(scope):
        if isinstance(child, FUNCTION | ast.Lambda) and child is not scope and name in {
                a.arg for a in (*child.args.posonlyargs, *child.args.args, *child.args.kwonlyargs)}:
            continue
        if isinstance(child, ast.Name) and child.id == name:
            yield child
        if not isinstance(child, ast.arguments):
            yield from _uses(child, name)


def _product(parts: list[set[str]]) -> Iterator[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for options in parts:
        combos = [(*c, o) for c in combos for o in sorted(options)][:64]
    yield from combos


def _match(name: str | None, table: dict[str, str]) -> str | None:
    """The table's entry that ``name`` is or lies under."""
    while name:
        if name in table:
            return name
        name = name.rpartition(".")[0]
    return None


def staged(path: str) -> bool:
    """Is ``path`` (relative to the notebook) one of the staged files or under a staged folder?"""
    if WILD in path:
        prefix = path.split(WILD)[0]
        prefix = prefix[2:] if prefix.startswith("./") else prefix
        return ".." not in prefix.split("/") and any(prefix.startswith(s + "/") for s in STAGED)
    norm = posixpath.normpath(path)
    return any(norm == s or norm.startswith(s + "/") for s in STAGED)


def _store_chain(node: ast.AST) -> ast.AST:
    """The name chain a store goes into: ``a.b`` of ``a.b[k].c = v``, ``a.b.c`` of ``a.b.c = v``."""
    chain = inner = node
    while isinstance(inner, ast.Attribute | ast.Subscript):
        if isinstance(inner, ast.Subscript):
            chain = inner.value
        inner = inner.value
    return chain


def _plain_flag(cell: _Cell, value: ast.AST) -> bool:
    """A ``shuffle=`` a plain fix writes: a constant, an attribute, or a name bound only to those (or to what
    the screen cannot read: a loop variable, a parameter never passed)."""
    if isinstance(value, ast.Constant | ast.Attribute):
        return True
    if not isinstance(value, ast.Name):
        return False
    return all(v is None or isinstance(v, ast.Constant | ast.Attribute | ast.Name)
               for v in cell.bindings.get(value.id, ()))


def _shuffles(keyword: ast.keyword) -> list[ast.expr]:
    """The values a keyword passes as ``shuffle``: ``shuffle=v``, or ``**{'shuffle': v}``."""
    if keyword.arg == "shuffle":
        return [keyword.value]
    if keyword.arg is None and isinstance(keyword.value, ast.Dict):
        return [v for k, v in zip(keyword.value.keys, keyword.value.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "shuffle"]
    return []


def _given_method(cell: _Cell, method: ast.FunctionDef | ast.AsyncFunctionDef, edited: bool) -> bool:
    """A method copied from the given code as it is, or, in a given network written again under its own
    name (``edited``), with parts of it taken out (what a variant's fix of a bug in the given network does:
    its tokens, in order, are among a given method's of that name)."""
    if ast.dump(method) in cell.given.functions:
        return True
    if not edited:
        return False
    mine = _tokens(ast.unparse(method))
    for given in cell.given.methods.get(method.name, ()):
        theirs = iter(_tokens(given))
        if all(any(t == u for u in theirs) for t in mine):
            return True
    return False


def _tokens(source: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", source)


def _defined(stmt: ast.stmt) -> set[str]:
    """The names a statement of a class body defines."""
    if isinstance(stmt, FUNCTION):
        return {stmt.name}
    return {t.id for t in stmt.targets if isinstance(t, ast.Name)} if isinstance(stmt, ast.Assign) else set()


def _numbers(node: ast.AST) -> int:
    return sum(isinstance(n, ast.Constant) and isinstance(n.value, int | float | complex)
               and not isinstance(n.value, bool) for n in ast.walk(node))


def _check(cell: _Cell) -> Iterator[Finding]:
    """Every finding of the rules in one parsed cell."""
    literal_chars = numbers = 0
    counted: set[int] = set()
    for node in ast.walk(cell.tree):
        line = getattr(node, "lineno", 0)
        if id(node) in cell.skip:
            continue
        if isinstance(node, FUNCTION) and ast.dump(node) in cell.given.functions:
            cell.skip.update(id(n) for n in ast.walk(node))   # a given function copied as it is: given code
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{node.module}.{a.name}" for a in node.names] if node.module and not node.level else ["."]
            for mod in mods:
                entry = _match(mod, NAMES) or ("." if mod == "." else None)
                if entry:
                    yield Finding(NAMES.get(entry, "import"), f"import {mod}", line)
        elif isinstance(node, ast.Name | ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr in ATTRS:
                yield Finding(ATTRS[node.attr], f".{node.attr}", line)
            if isinstance(node, ast.Attribute) and node.attr in RENAMED and isinstance(node.ctx, ast.Store):
                yield Finding("spoof", f".{node.attr} =", line)
            entry = _match(cell.dotted(node), NAMES)
            if entry:
                yield Finding(NAMES[entry], entry, line)
            if (cell.dotted(node) or "").startswith("torch._foreach"):
                yield Finding("training", f"{cell.dotted(node)} (torch's private API)", line)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and node.id in cell.rebound_modules:
                yield Finding("patch", f"{node.id} = (a module of the given code)", line)
            if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                yield from _store(cell, node, line)
            if isinstance(node, ast.Name) and id(node) not in cell.callees \
                    and cell.dotted(node) in ("setattr", "delattr"):
                yield Finding("patch", f"{node.id} passed as a value (a store the screen cannot read)", line)
        elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            yield from _store(cell, node, line)
        elif isinstance(node, ast.Call):
            yield from _call(cell, node, line)
        elif isinstance(node, ast.ClassDef):
            yield from _class(cell, node)
        elif isinstance(node, ast.keyword) and any(not _plain_flag(cell, v) for v in _shuffles(node)):
            yield Finding("training", f"shuffle in {ast.unparse(node)[:40]} (computed: the order may "
                          "change after the epochs the kit watches)", getattr(node.value, "lineno", 0))
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str | bytes):
                literal_chars += len(value)
                if len(value) > MAX_LITERAL:
                    yield Finding("encoded", f"a literal of {len(value)} characters", line)
            elif isinstance(value, int) and not isinstance(value, bool) \
                    and value.bit_length() > 3.33 * MAX_DIGITS:
                yield Finding("encoded", f"an integer of over {MAX_DIGITS} digits", line)
        if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict) and id(node) not in counted:
            inner = list(ast.walk(node))
            counted.update(id(n) for n in inner)
            count = _numbers(node)
            numbers += count
            if count > MAX_NUMBERS:
                yield Finding("encoded", f"{count} numbers in one literal", line)
    if literal_chars > MAX_LITERALS:
        yield Finding("encoded", f"{literal_chars} characters of string literals", 1)
    if numbers > MAX_ALL_NUMBERS:
        yield Finding("encoded", f"{numbers} numbers in literals", 1)


PARAM_SOURCES = {"parameters", "named_parameters", "modules", "named_modules", "children", "state_dict",
                 "values", "items"}
HARMLESS_INPLACE = {"zero_", "requires_grad_", "grad"}


def _calls_any(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in names
               for n in ast.walk(node))


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _targets(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _training(cell: _Cell) -> Iterator[Finding]:
    """In a function that trains (calls ``.backward()``, ``.step()`` or ``.train()``): weights changed in
    place in a loop over the parameters, a sum over the parameters (a penalty in the loss), or settings that
    change with the epoch. The kit replays the answer with its own training and watches the first epoch, so
    what a training does besides the optimizer, or only later, would not be replayed."""
    seen: set[int] = set()
    for scope in ast.walk(cell.tree):
        if isinstance(scope, FUNCTION | ast.For | ast.While) and id(scope) not in cell.skip \
                and _calls_any(scope, {"backward", "step"}):
            for finding, node_id in [*_reloads(cell, _from_first_step(scope)), *_sorts(cell, scope)]:
                if node_id not in seen:
                    seen.add(node_id)
                    yield finding
    for func in ast.walk(cell.tree):
        if not isinstance(func, FUNCTION) or id(func) in cell.skip \
                or not _calls_any(func, {"backward", "step", "train"}):
            continue
        yield from _phases(func)
        for node in ast.walk(func):
            for loop, body in _param_loops(node):
                names = _targets(loop.target)
                for inner in (n for stmt in body for n in ast.walk(stmt)):
                    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) \
                            and inner.func.attr.endswith("_") and inner.func.attr not in HARMLESS_INPLACE \
                            and _root(inner.func.value) in names \
                            and not any(isinstance(a, ast.Attribute) and a.attr == "grad"
                                        for a in ast.walk(inner.func.value)):
                        yield Finding("training", f".{inner.func.attr}() on a parameter in a training loop",
                                      getattr(inner, "lineno", 0))
                    elif isinstance(inner, ast.AugAssign) and _root(inner.target) in names \
                            and not any(isinstance(a, ast.Attribute) and a.attr == "grad"
                                        for a in ast.walk(inner.target)):
                        yield Finding("training", "a parameter changed in place in a training loop",
                                      getattr(inner, "lineno", 0))
            if isinstance(node, ast.For) and _calls_range(node.iter):
                yield from _later_epochs(node)
                yield from _reseeded(cell, node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum" \
                    and _calls_any(node, {"parameters", "named_parameters"}):
                yield Finding("training", "a sum over the parameters (a penalty in the loss?)",
                              getattr(node, "lineno", 0))
            if isinstance(node, ast.Name | ast.Attribute) \
                    and (cell.dotted(node) or getattr(node, "attr", "")).endswith("parameters_to_vector"):
                yield Finding("training", "parameters_to_vector in a training (a penalty in the loss?)",
                              getattr(node, "lineno", 0))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in RNG_STATES:
                yield Finding("training", f".{node.func.attr}() in a training (an order predicted or "
                              "replayed)", getattr(node, "lineno", 0))
        yield from _dataset_stores(cell, func)
    yield from _seed_values(cell)


RNG_STATES = {"get_state", "set_state", "get_rng_state", "set_rng_state", "graphsafe_get_state",
              "graphsafe_set_state"}


def _from_first_step(scope: ast.AST) -> ast.AST:
    """A function's body from its first statement that steps or trains (weights loaded before, a repair of
    the start weights, are the start the kit takes); a loop as it is."""
    if not isinstance(scope, FUNCTION):
        return scope
    body = list(scope.body)
    while body and not _calls_any(body[0], {"backward", "step", "train"}):
        body.pop(0)
    return ast.Module(body=body, type_ignores=[])


def _param_loops(node: ast.AST) -> Iterator[tuple[ast.For | ast.comprehension, list[ast.AST]]]:
    """(loop, body) of a for loop or a comprehension over the parameters (a comprehension's body: its
    element)."""
    if isinstance(node, ast.For) and _calls_any(node.iter, PARAM_SOURCES):
        yield node, list(node.body)
    elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for gen in node.generators:
            if _calls_any(gen.iter, PARAM_SOURCES):
                yield gen, elements


def _phases(func: ast.AST) -> Iterator[Finding]:
    """A training run in phases: a trainer's ``train(n)`` (``super().train(2)``, ``Trainer.train(self, n)``)
    called twice in one function; what is changed between the calls, after the epochs the kit watches,
    is not replayed (``model.train()``, ``model.train(False)`` set a mode: not counted)."""
    calls = [n for n in ast.walk(func) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "train" and _trainer_call(n)]
    if len(calls) > 1:
        yield Finding("training", f"the training runs in phases (train() called {len(calls)} times: the kit "
                      "watches the first epochs)", getattr(calls[1], "lineno", 0))


def _trainer_call(call: ast.Call) -> bool:
    """``super().train(n)`` or ``X.train(self, n)``: with an argument that is no bool constant."""
    args = [*call.args, *(k.value for k in call.keywords)]
    value = call.func.value if isinstance(call.func, ast.Attribute) else None
    is_super = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"
    is_self = bool(call.args) and isinstance(call.args[0], ast.Name) and call.args[0].id == "self"
    rest = args[1:] if is_self else args
    return (is_super or is_self) and any(not (isinstance(a, ast.Constant) and isinstance(a.value, bool))
                                         for a in rest)


def _dataset_stores(cell: _Cell, func: ast.AST) -> Iterator[Finding]:
    """In a function that trains: an attribute stored on an instance of a dataset class of the cell (its
    items would change between the capture's reading and the training's)."""
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name) and node.value.id != "self" \
                and any(isinstance(v, ast.Call) and isinstance(v.func, ast.Name)
                        and v.func.id in cell.datasets for v in cell.bindings.get(node.value.id, ())):
            yield Finding("training", f"{node.value.id}.{node.attr} = on a dataset in a training (its items "
                          "change as it trains)", getattr(node, "lineno", 0))


def _seed_values(cell: _Cell) -> Iterator[Finding]:
    """A seed function passed as a value (``functools.partial(torch.manual_seed, 0)``): a reseed the epoch
    rule cannot read."""
    for node in ast.walk(cell.tree):
        if isinstance(node, ast.Name | ast.Attribute) and id(node) not in cell.callees \
                and isinstance(node.ctx, ast.Load) and (cell.dotted(node) in SEEDS or isinstance(
                    node, ast.Attribute) and node.attr == "manual_seed"):
            yield Finding("training", f"{ast.unparse(node)[:40]} passed as a value (a reseed the kit cannot "
                          "read)", getattr(node, "lineno", 0))


def _reloads(cell: _Cell, scope: ast.AST) -> Iterator[tuple[Finding, int]]:
    """Weights loaded or set in a function or a loop that steps an optimizer (``load_state_dict``,
    ``torch.load``, ``copy_``/``set_``, ``.data = …``): the kit replays the first steps with its own training,
    so weights put back later (on a counter, from some epoch) would not be seen."""
    for node in ast.walk(scope):
        what = None
        if isinstance(node, ast.Call):
            name = cell.dotted(node.func) or ""
            attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if attr == "load_state_dict" or name in ("torch.load", "torch.nn.utils.vector_to_parameters"):
                what = f"{name or '.' + attr}() in a training"
            elif attr in ("copy_", "set_") and not any(isinstance(a, ast.Attribute) and a.attr == "grad"
                                                       for a in ast.walk(node.func.value)):
                what = f".{attr}() in a training"
        elif isinstance(node, ast.Attribute) and node.attr == "data" and isinstance(node.ctx, ast.Store):
            what = ".data = in a training"
        if what:
            yield Finding("training", f"{what} (weights loaded or set outside the optimizer)",
                          getattr(node, "lineno", 0)), id(node)


SORTS = {"argsort", "sort", "sort_values", "sort_index", "msort"}   # of a tensor, an array, a frame
SEEDS = {"torch.manual_seed", "torch.random.manual_seed", "numpy.random.seed", "random.seed",
         "torch.cuda.manual_seed", "torch.cuda.manual_seed_all"}


def _sorts(cell: _Cell, scope: ast.AST) -> Iterator[tuple[Finding, int]]:
    """A sort in a function or a loop that steps an optimizer: a plain training deals what its loader
    yields, it never orders the digits again (by class, by label) on the way to the network."""
    for node in ast.walk(scope):
        func = node.func if isinstance(node, ast.Call) else None
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in SORTS and isinstance(func, ast.Attribute):
            yield Finding("training", f"{name}() in a training (the kit deals its own order)",
                          getattr(node, "lineno", 0)), id(node)


def _reseeded(cell: _Cell, loop: ast.For) -> Iterator[Finding]:
    """A seed set anew every epoch with a value the epoch does not change (``manual_seed(0)`` in the epoch
    loop, a generator seeded so with each loader): every epoch repeats one order, which the kit, dealing
    every epoch anew, would not replay."""
    epoch = _targets(loop.target) | {n.target.id for n in ast.walk(loop)
                                     if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
    for stmt in loop.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and (
                    isinstance(node.func, ast.Attribute) and node.func.attr == "manual_seed"
                    or cell.dotted(node.func) in SEEDS) \
                    and not epoch & _mentions([*node.args, *(k.value for k in node.keywords)]):
                yield Finding("training", f"{ast.unparse(node)[:40]} every epoch (every epoch repeats one "
                              "order)", getattr(node, "lineno", 0))


# What a training that changes after its first epochs changes: the loader's order, the optimizer, the weights.
LATER_CHANGES = {"DataLoader", "shuffle", "sampler", "batch_sampler", "weight_decay", "param_groups",
                 "description_df", "train_dataset", "sort_values", "sort_index", "sorted", "data", "fill_",
                 "mul_", "zero_", "copy_", "normal_", "uniform_", "load_state_dict", "optimizer"}


def _calls_range(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"range",
                                                                                                "enumerate"}


def _mentions(nodes: Iterable[ast.AST]) -> set[str]:
    out: set[str] = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            out.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.add(node.value)
    return out


def _later_epochs(loop: ast.For) -> Iterator[Finding]:
    """An ``if`` on the epoch (the loop's variable, or a name the loop counts up) that changes the loader,
    the optimizer or the weights: the kit watches the first epoch of a training, so what a training does
    only later would not be seen."""
    epoch = _targets(loop.target) | {n.target.id for n in ast.walk(loop)   # and a counter of its own
                                      if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
    for node in ast.walk(loop):
        if isinstance(node, ast.If | ast.IfExp) and epoch & _mentions([node.test]):
            branches = [*node.body, *node.orelse] if isinstance(node, ast.If) else [node.body, node.orelse]
            changed = _mentions(branches) & LATER_CHANGES
            if changed:
                yield Finding("training", f"the training changes {', '.join(sorted(changed)[:3])} after some "
                              "epochs (the kit watches the first)", getattr(node, "lineno", 0))
        elif isinstance(node, ast.keyword) and (node.arg in LATER_CHANGES or node.arg is None) \
                and epoch & _mentions([node.value]):
            yield Finding("training", f"{node.arg or '**'}= depends on the epoch (the kit watches the first)",
                          getattr(node.value, "lineno", 0))
        elif isinstance(node, ast.Assign | ast.AugAssign) and epoch & _mentions([node.value]) and \
                _mentions(node.targets if isinstance(node, ast.Assign) else [node.target]) & LATER_CHANGES:
            yield Finding("training", "a setting of the training depends on the epoch (the kit watches the "
                          "first)", getattr(node, "lineno", 0))


def _store(cell: _Cell, node: ast.AST, line: int) -> Iterator[Finding]:
    """An assignment (or deletion) into a module, a foreign class or a method the recorder reads."""
    chain = cell.dotted(_store_chain(node))
    root = _store_chain(node)
    while isinstance(root, ast.Attribute | ast.Subscript):
        root = root.value
    if isinstance(root, ast.Call) and cell.dotted(root.func) == "type":
        yield Finding("patch", "type(…).… = (a class from outside)", line)
    if chain and _match(chain, dict.fromkeys(ALLOWED_STORES, "")) is None:
        head = chain.split(".")[0]
        given = head == "<given>" and chain.split(".")[1] not in PATCHABLE
        if given or head != "<given>":
            yield Finding("patch", f"{chain.replace('<given>.', '')} =", line)
    own = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
    if isinstance(node, ast.Attribute) and (node.attr in STORED_REPORTERS
                                            or node.attr in OPTIMIZER_REPORTERS and not own):
        yield Finding("patch", f".{node.attr} = (read by the recorder)", line)
    if isinstance(node, ast.Attribute):
        yield from _method_store(cell, node.value, node.attr, cell.values.get(id(node)), line)


def _method_store(cell: _Cell, obj: ast.AST, attr: str | None, value: ast.AST | None,
                  line: int) -> Iterator[Finding]:
    """A method stored into (or deleted from) an object the cell did not make. On an object the screen
    cannot show to be an instance (a parameter, a loop variable, a class, a module, what a call or an
    attribute returns, a name the cell does not bind): a dunder, a private name, a method name of torch's
    classes, a descriptor, or a computed name with a value that is not an instance; on an instance of an
    imported class (``DataLoader(...)``): a private name or a method name of torch's classes. Honest stores
    pass: ``self.x``, ``trainer.optimizer``, ``dataset.transform``, ``model.fc``, ``p.requires_grad``."""
    made = cell.made_here(obj)
    if made == "own" or cell.dotted(obj) in {f"<given>.{c}" for c in PATCHABLE}:
        return
    shown = ast.unparse(obj)[:40]
    if attr is None:
        if cell.made_here(value) is None and not _made_by_call(value):
            yield Finding("patch", f"setattr({shown}, <computed name>, …) (an object the cell did not make)",
                          line)
        return
    dunder = attr.startswith("__") and attr.endswith("__")
    method = attr.startswith("_") and not dunder or attr in torch_methods()
    if made is None and (dunder or method or _descriptor(cell, value)):
        yield Finding("patch", f"{shown}.{attr} = (on an object the cell did not make: a class?)", line)
    elif made is None and _cell_function(cell, value):
        yield Finding("patch", f"{shown}.{attr} = a function of the cell (on an object the cell did not "
                      "make: a module?)", line)
    elif made == "foreign" and method:
        yield Finding("patch", f"{shown}.{attr} = (a method of a torch object replaced)", line)


def _cell_function(cell: _Cell, value: ast.AST | None, depth: int = 0) -> bool:
    """Is ``value`` a function the cell makes: a lambda, a function it defines (by name, or through a name or
    a parameter bound to one), a ``functools.partial(...)`` and the like?"""
    if value is None or depth > 8 or not cell._step():
        return False
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Call):
        name = cell.dotted(value.func) or ""
        return name in FUNCTION_MAKERS or name.rpartition(".")[2] == "partial"
    if isinstance(value, ast.IfExp):
        return _cell_function(cell, value.body, depth + 1) or _cell_function(cell, value.orelse, depth + 1)
    if not isinstance(value, ast.Name):
        return False
    if value.id in cell.defs:
        return True
    return any(_cell_function(cell, v, depth + 1) for v in cell.bindings.get(value.id, ()))


def _made_by_call(value: ast.AST | None) -> bool:
    """``C(...)``, ``a.C(...)`` or ``x.m(...)`` with ``m`` a method of torch's (``get_submodule``): by its
    look, an instance a class or torch made, not a function."""
    func = value.func if isinstance(value, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name[:1].isupper() and name not in ("MethodType", "FunctionType") \
        or isinstance(func, ast.Attribute) and name in torch_methods() - CLASS_RETURNING


def _descriptor(cell: _Cell, value: ast.AST | None) -> bool:
    """``property(...)``, ``classmethod(...)`` and the like: what a class attribute binds."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    return cell.dotted(func) in DESCRIPTORS \
        or isinstance(func, ast.Name) and func.id in DESCRIPTORS and func.id not in cell.local


def _call(cell: _Cell, node: ast.Call, line: int) -> Iterator[Finding]:
    name = cell.dotted(node.func)
    if name in ("getattr", "setattr", "delattr", "hasattr") and node.args:
        target = cell.dotted(node.args[0])
        key = node.args[1] if len(node.args) > 1 else None
        const = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        if const is not None:
            entry = _match(f"{target}.{const}" if target else None, NAMES)
            if entry:
                yield Finding(NAMES[entry], entry, line)
            if const in ATTRS:
                yield Finding(ATTRS[const], f"{name}(…, {const!r})", line)
        elif target is not None:
            yield Finding("code", f"{name}({target}, <computed name>)", line)
        if name in ("setattr", "delattr"):
            if target is not None and not target.startswith(tuple(f"<given>.{c}" for c in PATCHABLE)):
                yield Finding("patch", f"{name}({target.replace('<given>.', '')}, …)", line)
            value = node.args[2] if name == "setattr" and len(node.args) > 2 else None
            keys = cell.paths(key) if const is None and key is not None else None
            readable = sorted(keys) if keys and not any(WILD in k for k in keys) else [const]
            for attr in readable:
                yield from _method_store(cell, node.args[0], attr, value, line)
            if const in RENAMED | SPOOF_DUNDERS | REPORTERS:
                yield Finding("spoof", f"{name}(…, {const!r})", line)
    elif name == "type" and len(node.args) == 3:
        yield Finding("spoof", "type(name, bases, namespace)", line)
    spots: list[ast.AST] = []
    if name in FILE_CALLS or (name or "").startswith("pandas.read_"):
        pos, kw = FILE_CALLS.get(name or "", (0, "filepath_or_buffer"))
        spots += node.args[pos:pos + 1] + [k.value for k in node.keywords if k.arg == kw]
    elif isinstance(node.func, ast.Attribute) and node.func.attr in PATH_METHODS \
            and cell.is_path(node.func.value):
        spots.append(node.func.value)
    elif (name or "").startswith("pathlib.") and name.rpartition(".")[2] in PATH_METHODS:
        spots += node.args[:1] or [node]     # Path.read_text(p): p, or nothing readable
    callee = node.func.id if isinstance(node.func, ast.Name) else None
    params = cell.given.signatures.get(callee or "", ()) if callee not in cell.local else ()
    spots += [a for p, a in zip(params, node.args, strict=False) if PATH_PARAM.search(p)]
    spots += [k.value for k in node.keywords if k.arg and PATH_PARAM.search(k.arg)]
    for spot in spots:
        found = cell.paths(spot)
        if found is None or not all(staged(p) for p in found):
            shown = ", ".join(sorted(p.replace(WILD, "…") for p in found)) if found else "an unreadable path"
            yield Finding("file", f"{_called(name, node).replace('<given>.', '')}({shown[:80]})", line)


def _called(name: str | None, node: ast.Call) -> str:
    """How a finding names the function called."""
    return name or (f".{node.func.attr}" if isinstance(node.func, ast.Attribute) else "a call")


def _magics(tree: ast.Module, depth: int = 0) -> set[int]:
    """IPython's magics in a parsed cell (``get_ipython().run_line_magic(...)``): a harmless magic passes, a
    code magic's code (``%%time``) is added to the tree and screened with the cell. Returns the ids of the
    ``get_ipython`` names that need no finding; any other use of ``get_ipython`` is left to the rules."""
    skip: set[int] = set()
    extra: list[ast.stmt] = []
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython"
                and func.attr in ("run_line_magic", "run_cell_magic") and node.args
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)):
            continue
        magic, text = node.args[0].value, node.args[-1].value
        if magic in SAFE_MAGICS or (magic in ("load_ext", "reload_ext") and text.strip() in SAFE_EXTENSIONS):
            skip.add(id(func.value.func))
        elif magic in CODE_MAGICS and depth < 3:
            line_magic = func.attr == "run_line_magic"
            code = re.sub(r"^\s*(-\w+(\s+\d+)?\s+)*", "", text) if line_magic else text
            try:
                inner = ast.parse(_ipython(code))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            ast.increment_lineno(inner, node.lineno - 1 if line_magic else node.lineno)
            skip |= _magics(inner, depth + 1) | {id(func.value.func)}
            extra += inner.body
    tree.body.extend(extra)
    return skip


def _class(cell: _Cell, node: ast.ClassDef) -> Iterator[Finding]:
    """A class of the cell that disguises itself, its values or what it reports."""
    line = node.lineno
    names = {n.name for n in node.body if isinstance(n, FUNCTION)}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    bases = [cell.dotted(b) or (b.id if isinstance(b, ast.Name) else "") for b in node.bases]
    for base in bases:
        if base and _match(base, dict.fromkeys(VALUE_BASES, "")):
            yield Finding("spoof", f"class {node.name}({base})", line)
    if node.keywords:
        yield Finding("spoof", f"class {node.name}(…, {node.keywords[0].arg}=…)", line)
    spoofed = names & SPOOF_DUNDERS
    if "__len__" in names and not names & {"__getitem__", "__iter__"}:
        spoofed.add("__len__")
    reporters = names & REPORTERS
    if any(b.startswith("torch.optim.") and not b.startswith(("torch.optim.lr_scheduler", "torch.optim.swa"))
           for b in bases):
        reporters |= names & OPTIMIZER_REPORTERS
    if any(cell.is_network(b) for b in node.bases):
        edited = node.name in cell.given.networks       # a given network written again under its name
        copied = {n.name for n in node.body if isinstance(n, FUNCTION) and _given_method(cell, n, edited)
                  and sum(n.name in _defined(m) for m in node.body) == 1}
        for name in sorted(names & NETWORK_OVERRIDES - copied):
            yield Finding("network", f"{node.name}.{name} (a subclass of a torch layer or the given network)",
                          line)
    torch_based = any(b.startswith("torch.") for b in bases) or any(cell.is_network(b) for b in node.bases)
    if node.decorator_list and torch_based:
        yield Finding("spoof", f"@{ast.unparse(node.decorator_list[0])[:40]} on class {node.name} (a torch "
                      "class's subclass, changed by a decorator)", line)
    if any(b.startswith("torch.optim.") and not b.startswith(SCHEDULER_MODULES) for b in bases):
        for name in sorted(n for n in names if n.startswith("_") and not n.startswith("__")):
            yield Finding("patch", f"{node.name}.{name} (a private method of torch's optimizer)", line)
    if any(cell.is_dataset(b) for b in node.bases):
        yield from _stateful_items(node)
    if any(cell.is_scheduler(b) for b in node.bases):
        yield Finding("training", f"class {node.name}({ast.unparse(node.bases[0])[:40]}) (a scheduler of the "
                      "cell's own: the kit's replay does not run it)", line)
    for name in sorted(spoofed):
        yield Finding("spoof", f"{node.name}.{name}", line)
    for name in sorted(reporters):
        yield Finding("patch", f"{node.name}.{name} (read by the recorder)", line)


ITEM_METHODS = {"__getitem__", "__getitems__", "__len__", "__iter__"}


def _stateful_items(node: ast.ClassDef) -> Iterator[Finding]:
    """A dataset that counts its reads (``self.read += 1``, ``self.next = self.next + 1`` in
    ``__getitem__``): its items depend on how often it is read, so the capture's reading is not the
    training's (a state set anew, ``self.perm = permutation(...)``, is not a count)."""
    for method in node.body:
        if isinstance(method, FUNCTION) and method.name in ITEM_METHODS and method.args.args:
            me = method.args.args[0].arg
            for inner in ast.walk(method):
                targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target] \
                    if isinstance(inner, ast.AugAssign | ast.AnnAssign) else []
                stored = {t.attr for target in targets for t in ast.walk(target)
                          if isinstance(t, ast.Attribute) and _root(t) == me}
                value = inner.value if targets and inner.value is not None else ast.Pass()
                read = {n.attr for n in ast.walk(value) if isinstance(n, ast.Attribute) and _root(n) == me}
                if stored and (isinstance(inner, ast.AugAssign) or stored & read):
                    yield Finding("training", f"{node.name}.{method.name} changes the dataset as it is read",
                                  getattr(inner, "lineno", 0))
                    return


def findings(source: str, given: Given | None = None) -> list[Finding]:
    """Everything the rules find in one cell's source."""
    given = given or Given()
    if len(source) > MAX_CELL:
        return [Finding("size", f"{len(source)} characters", 1)]
    try:
        tree = ast.parse(_ipython(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        return [Finding("unreadable", type(err).__name__, getattr(err, "lineno", 0) or 0)]
    try:
        skip = _magics(tree)
        cell = _Cell(tree, given)
        cell.skip = skip
        found = set(_check(cell)) | set(_training(cell))
        return sorted(found, key=lambda f: (f.line, f.kind, f.what))
    except RecursionError:
        return [Finding("unreadable", "nested too deeply", 1)]


def reasons(found: Iterable[Finding]) -> list[Line]:
    """One line a kind, in both languages: what was found and where."""
    by_kind: dict[str, list[Finding]] = {}
    for f in found:
        by_kind.setdefault(f.kind, []).append(f)
    out = []
    for kind, items in by_kind.items():
        named = ", ".join(f"`{f.what}` (line {f.line})" for f in items[:PER_KIND])
        more = f" (+{len(items) - PER_KIND})" if len(items) > PER_KIND else ""
        ru, en = KINDS[kind]
        out.append(Line(f"{ru}: {named}{more}".replace("(line", "(строка"), f"{en}: {named}{more}"))
    return out


def screen(source: str, given: Sequence[str] = ()) -> list[Line]:
    """Why a person must look at this cell (empty: nothing a plain fix never needs); ``given``: the
    notebook's given cells, whose imports and names the cell uses."""
    return reasons(findings(source, given_context(tuple(given))))


def student_cells(nb: NotebookNode, graded_run_cell: str) -> list[tuple[int, str]]:
    """(index, label) of the code cells a student wrote that run before the graded run: the answer cells
    and any cell they added (given cells are restored at grading, tests are the kit's)."""
    out = []
    for index, cell in enumerate(nb.cells):
        if grade_id(cell) == graded_run_cell:
            break
        if cell.get("cell_type") == "code" and not is_given(cell) and not is_test_cell(cell):
            out.append((index, grade_id(cell) or f"cell {index} (added)"))
    return out


def screen_notebook(nb: NotebookNode, graded_run_cell: str) -> list[tuple[int, str, list[Line]]]:
    """(index, label, reasons) of each student cell the screen flags."""
    given = tuple(c.source for c in nb.cells if c.get("cell_type") == "code" and is_given(c))
    flagged = []
    for index, label in student_cells(nb, graded_run_cell):
        found = screen(nb.cells[index].source, given)
        if found:
            flagged.append((index, label, found))
    return flagged
