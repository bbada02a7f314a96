# Runtime traces of a candidate's own code, for `--trace` and /v1/judge's
# `trace`. Loaded into the worker's globals by `load_tracing`, by a job that
# asks for a trace only: a job that does not pays nothing for it.
#
# A trace is what LDB shows a debugging model: the candidate's code split
# into basic blocks, and for each block run, in order, the lines it ran and
# the values of the frame's variables when it ended; besides them each call
# (with its arguments), return or yield (with the value), and exception.
# Only frames of the candidate's own code are traced: the harness's test
# code, the standard library and every other module run untraced.
#
# Bounded: the first `events` events and the last `events` are kept (the
# ones between are counted), each value is shown by `reprlib` (containers
# cut after a few items, nesting after a few levels) and cut to
# `value_chars` characters, at most MAX_LOCALS variables per event, and the
# whole trace to `bytes` bytes of JSON. Deterministic for deterministic
# code: addresses in reprs are masked, sets and dict keys shown sorted.

import dis
import re
import reprlib
from collections import deque

COMPREHENSIONS = frozenset(("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"))
YIELD_VALUE = dis.opmap["YIELD_VALUE"]
JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs) | frozenset(
    dis.opmap[name] for name in ("RETURN_VALUE", "RAISE_VARARGS", "RERAISE") if name in dis.opmap
)
ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")
MAX_LOCALS = 24
# Values that are the program's vocabulary, not its state.
NOT_STATE = frozenset((types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type,
                       types.MethodType))
# Values whose own repr is short and quick: shown by it directly.
PLAIN = frozenset((bool, float, type(None)))
BIG_INT = 1 << 256
# Items of a container shown.
ITEMS = 10


def block_edges(code, cache):
    """The lines of `code` that start a basic block (a jump lands there) and
    the lines that end one (they hold a jump, a return or a raise)."""
    edges = cache.get(code)
    if edges is None:
        starts, ends = set(), set()
        line = code.co_firstlineno
        for instruction in dis.get_instructions(code):
            if instruction.starts_line is not None:
                line = instruction.starts_line
            if instruction.is_jump_target:
                starts.add(line)
            if instruction.opcode in JUMPS:
                ends.add(line)
        edges = cache[code] = (frozenset(starts), frozenset(ends))
    return edges


class Tracer:
    """Traces the candidate's frames: those of the code objects compiled
    from its source (`adopt`) that start at or before `last_line` (the
    candidate's part of the source, which the tests may follow). `begin`
    and `finish` bracket one test's trace."""

    def __init__(self, last_line, request):
        self.last_line = last_line
        self.codes = set()
        self.adopted = []
        self.keep = max(1, int(request.get("events") or 100))
        self.value_chars = max(8, int(request.get("value_chars") or 120))
        self.bytes = max(1024, int(request.get("bytes") or 65536))
        self.lines = bool(request.get("lines"))
        shown = reprlib.Repr()
        shown.maxlevel = 3
        shown.maxstring = shown.maxother = shown.maxlong = self.value_chars
        shown.maxlist = shown.maxtuple = shown.maxset = shown.maxfrozenset = ITEMS
        shown.maxdeque = shown.maxarray = shown.maxdict = ITEMS
        self.shown = shown
        self.edges = {}
        self.active = False
        self.candidate_tracer = None
        self.replaced_at = None
        self.reset()

    def reset(self):
        self.head = []
        self.tail = deque(maxlen=self.keep)
        self.total = 0
        self.frames = {}
        self.depth = 0
        self.replaced_at = None

    # What the candidate sees of sys's tracing while it is traced: its own
    # tracer, as if none were there.
    def candidate_settrace(self, function):
        caller = sys._getframe(1)
        if self.replaced_at is None and self.ours(caller.f_code):
            self.replaced_at = caller.f_lineno
        elif self.replaced_at is None:
            self.replaced_at = 0
        self.candidate_tracer = function
        self.active = False
        REAL_SETTRACE(function)

    def candidate_gettrace(self):
        return self.candidate_tracer

    def begin(self):
        self.reset()
        self.active = True
        self.candidate_tracer = None
        sys.settrace, sys.gettrace = self.candidate_settrace, self.candidate_gettrace
        REAL_SETTRACE(self.on_call)

    def stop(self):
        """Stops tracing (the candidate's tracer, if it set one, too)."""
        if self.active or REAL_GETTRACE() is not None:
            REAL_SETTRACE(None)
        self.active = False
        sys.settrace, sys.gettrace = REAL_SETTRACE, REAL_GETTRACE

    def adopt(self, module, with_module=False):
        """Marks the functions compiled from the candidate's part of
        `module`'s source as the ones to trace, and the module's own code
        too if `with_module` (a program, whose module is its main code)."""
        pending = [c for c in module.co_consts if isinstance(c, types.CodeType)]
        if with_module:
            pending.append(module)
        while pending:
            code = pending.pop()
            if code.co_firstlineno <= self.last_line:
                self.codes.add(id(code))
                self.adopted.append(code)
            pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        return module

    def ours(self, code):
        return id(code) in self.codes

    def add(self, event):
        self.total += 1
        if len(self.head) < self.keep:
            self.head.append(event)
        else:
            self.tail.append(event)

    def text(self, value):
        text = self.quick(value)
        if text is not None:
            return text
        try:
            text = self.shown.repr(value)
        except Exception as exc:
            text = "<repr raised %s>" % type(exc).__name__
        if "0x" in text:
            text = ADDRESS.sub("0x?", text)
        if len(text) > self.value_chars:
            text = text[: self.value_chars - 3] + "..."
        return text

    def quick(self, value):
        """The repr of a number, a short string, or a list or tuple of
        them (its first items), made by Python's own repr; None for other
        values, which reprlib shows."""
        kind = type(value)
        if kind in PLAIN or (kind is int and -BIG_INT < value < BIG_INT):
            return repr(value)
        if kind is str:
            return repr(value) if len(value) <= self.value_chars // 2 else None
        if kind is list or kind is tuple:
            head = value[:ITEMS]
            for item in head:
                small = type(item)
                if not (small in PLAIN or (small is int and -BIG_INT < item < BIG_INT)
                        or (small is str and len(item) <= 20)):
                    return None
            text = repr(head)
            if len(value) > ITEMS:
                text = text[:-1] + ", ...]" if kind is list else text[:-1] + ", ...)"
            if len(text) > self.value_chars:
                text = text[: self.value_chars - 3] + "..."
            return text
        return None

    def variables(self, frame):
        shown = {}
        for name, value in frame.f_locals.items():
            if type(value) in NOT_STATE or name[:2] == "__":
                continue
            if len(shown) == MAX_LOCALS:
                shown["..."] = "more variables not shown"
                break
            shown[name] = self.text(value)
        return shown

    def on_call(self, frame, event, arg):
        code = frame.f_code
        if event != "call" or id(code) not in self.codes or code.co_name in COMPREHENSIONS:
            return None
        lasti = frame.f_lasti
        resumed = lasti >= 2 and code.co_code[lasti - 2] == YIELD_VALUE
        self.depth += 1
        # Per frame: the lines of its open block, the last line it ran,
        # and whether an exception is passing through it.
        self.frames[frame] = [None, frame.f_lineno, False]
        self.add(
            {
                "event": "resume" if resumed else "call",
                "function": code.co_name,
                "line": frame.f_lineno or code.co_firstlineno,
                "depth": self.depth,
                "locals": self.variables(frame),
            }
        )
        return self.on_event

    def close_block(self, frame, state):
        lines = state[0]
        if lines:
            self.add({"event": "block", "function": frame.f_code.co_name, "lines": lines,
                      "locals": self.variables(frame)})
            state[0] = None

    def on_event(self, frame, event, arg):
        state = self.frames.get(frame)
        if state is None or not self.active:
            return None
        if event == "line":
            line = frame.f_lineno
            if line > self.last_line and frame.f_code.co_name == "<module>":
                return self.on_event
            lines = state[0]
            if lines is None:
                state[0] = [line]
            else:
                previous = state[1]
                starts, ends = block_edges(frame.f_code, self.edges)
                if self.lines or line <= previous or line in starts or previous in ends:
                    self.close_block(frame, state)
                    state[0] = [line]
                else:
                    lines.append(line)
            state[1] = line
            state[2] = False
        elif event == "return":
            self.close_block(frame, state)
            code = frame.f_code
            if state[2]:
                # Left by the exception, not returning.
                self.add({"event": "unwind", "function": code.co_name, "line": frame.f_lineno,
                          "depth": self.depth})
            else:
                lasti = frame.f_lasti
                yielded = lasti >= 0 and code.co_code[lasti] == YIELD_VALUE
                self.add({"event": "yield" if yielded else "return", "function": code.co_name,
                          "line": frame.f_lineno, "depth": self.depth, "value": self.text(arg)})
            self.depth -= 1
            del self.frames[frame]
        elif event == "exception":
            self.close_block(frame, state)
            kind, value = arg[0], arg[1]
            state[2] = True
            self.add({"event": "exception", "function": frame.f_code.co_name, "line": frame.f_lineno,
                      "exception": "%s: %s" % (kind.__name__, self.text_of_exception(value))})
        return self.on_event

    def text_of_exception(self, exc):
        try:
            text = str(exc)
        except Exception:
            text = "<str raised>"
        return text[: self.value_chars]

    def finish(self, end):
        """The test's trace as JSON text, within the byte budget: the first
        events, then the last ones, as many of each as fit."""
        self.stop()
        if self.replaced_at is not None:
            self.add({"event": "settrace", "line": self.replaced_at or None})
            end = "tracer_replaced"
        head = [json.dumps(e) for e in self.head]
        tail = [json.dumps(e) for e in self.tail]
        budget = self.bytes - 200
        kept_head, used = [], 0
        for text in head:
            if used + len(text) + 1 > budget // (2 if tail else 1):
                break
            kept_head.append(text)
            used += len(text) + 1
        kept_tail = []
        for text in reversed(tail):
            if used + len(text) + 1 > budget:
                break
            kept_tail.append(text)
            used += len(text) + 1
        kept_tail.reverse()
        omitted = self.total - len(kept_head) - len(kept_tail)
        if omitted == 0:
            events, last = kept_head + kept_tail, []
        else:
            events, last = kept_head, kept_tail
        result = '{"end": %s, "events_total": %d, "omitted": %d, "events": [%s], "last_events": [%s]}' % (
            json.dumps(end), self.total, omitted, ", ".join(events), ", ".join(last))
        self.reset()
        return result


REAL_SETTRACE, REAL_GETTRACE = sys.settrace, sys.gettrace


# Conditional jumps: a line holding one is a branch point (coverage).
BRANCHES = frozenset(
    dis.opmap[name] for name in dis.opmap
    if name.startswith(("POP_JUMP_", "JUMP_IF_")) or name in ("FOR_ITER", "SEND")
)


class Coverage:
    """Line and branch coverage of the candidate's code (the code objects
    compiled from it, its module included), by Python's own tracing hook:
    the lines run and the transitions between them, per segment (the
    module's run, then each test)."""

    def __init__(self):
        self.codes = set()
        self.adopted = []
        self.lines = set()
        self.arcs = set()
        self.previous = {}

    def adopt(self, module):
        pending = [module]
        while pending:
            code = pending.pop()
            self.codes.add(id(code))
            self.adopted.append(code)
            pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))

    def static(self):
        """The executable lines, and each branch line with the lines it can
        go to next (the first line after its jump target, and after its
        fall-through, other than its own)."""
        lines = set()
        branches = {}
        for code in self.adopted:
            lines.update(line for _, _, line in code.co_lines() if line)
            instructions = list(dis.get_instructions(code))
            at = {ins.offset: i for i, ins in enumerate(instructions)}

            def next_line(index, own):
                for ins in instructions[index:]:
                    line = ins.positions.lineno if ins.positions else None
                    if line and line != own:
                        return line
                return None

            for i, ins in enumerate(instructions):
                if ins.opcode not in BRANCHES:
                    continue
                own = ins.positions.lineno if ins.positions else None
                if not own:
                    continue
                targets = {next_line(i + 1, own)}
                if ins.argval in at:
                    targets.add(next_line(at[ins.argval], own))
                targets.discard(None)
                if len(targets) >= 2:
                    branches.setdefault(own, set()).update(targets)
        return {"lines": sorted(lines), "branches": [[line, sorted(t)] for line, t in sorted(branches.items())]}

    def on_call(self, frame, event, arg):
        if event != "call" or id(frame.f_code) not in self.codes:
            return None
        self.previous[frame] = None
        return self.on_event

    def on_event(self, frame, event, arg):
        if event == "line":
            line = frame.f_lineno
            self.lines.add(line)
            previous = self.previous.get(frame)
            if previous is not None:
                self.arcs.add((previous, line))
            self.previous[frame] = line
        elif event == "return":
            self.previous.pop(frame, None)
        return self.on_event

    def begin(self):
        REAL_SETTRACE(self.on_call)

    def take(self):
        """The segment's lines and arcs (and a new segment begun)."""
        taken = {"lines": sorted(self.lines), "arcs": sorted(self.arcs)}
        self.lines = set()
        self.arcs = set()
        return taken

    def stop(self):
        REAL_SETTRACE(None)


def collected_tests(namespace, before):
    """What a test unit defined to be run pytest's and unittest's way: its
    `test*` functions (called with no arguments) and its TestCase classes."""
    found = []
    for name, value in list(namespace.items()):
        if before.get(name) is value:
            continue
        if isinstance(value, types.FunctionType) and name.startswith("test"):
            found.append(value)
        elif isinstance(value, type) and "unittest" in sys.modules:
            if issubclass(value, sys.modules["unittest"].TestCase):
                found.append(value)
    return found


def run_collected(test):
    if isinstance(test, type):
        unittest = sys.modules["unittest"]
        suite = unittest.TestLoader().loadTestsFromTestCase(test)
        result = unittest.TestResult()
        suite.run(result)
        problems = result.errors + result.failures
        if problems:
            raise AssertionError("%s: %s" % (problems[0][0].id().split(".")[-1], problems[0][1][-500:]))
    else:
        test()


def run_suite(job, result_fd):
    """Tests as the subject: run the program (a reference solution, or one
    of its mutants), then each test unit in its namespace, each under its
    own CPU-time limit: asserts run as they are; `test*` functions and
    unittest TestCase classes a unit defines are run too (`collect`). One
    record per unit: whether it ran through, or its exception or timeout;
    with `coverage`, the lines and transitions of the program it ran."""
    nonce = job.pop("nonce")
    write = os.write
    dumps = json.dumps
    limit_s = (job.get("test_cpu_ms") or 0) / 1000.0
    collect = job.get("test_functions")
    namespace = {}

    def emit(record):
        write(result_fd, (nonce + dumps(record) + "\n").encode("utf-8", "surrogatepass"))

    codes = []
    for i, test in enumerate(job.get("tests") or []):
        try:
            codes.append(compile(test, "<test %d>" % i, "exec"))
        except BaseException as exc:
            codes.append(exc)
    coverage = Coverage() if job.get("coverage") else None
    try:
        compiled = compile(job["code"], "<string>", "exec")
    except BaseException as exc:
        emit({"setup_error": type(exc).__name__, "message": safe_str(exc)[:2000]})
        return 1
    if coverage is not None:
        coverage.adopt(compiled)
        emit({"static": coverage.static()})
    where = {"i": -1, "fired": False}

    def on_limit(signum, frame):
        if where["fired"]:
            write(result_fd, ('%s{"i": %d, "timeout": true, "caught": true}\n' % (nonce, where["i"])).encode())
            os._exit(1)
        where["fired"] = True
        signal.setitimer(signal.ITIMER_PROF, TIMEOUT_GRACE_S)
        raise InputTimeout()

    signal.signal(signal.SIGPROF, on_limit)
    enter_harness(job)
    try:
        if limit_s:
            signal.setitimer(signal.ITIMER_PROF, limit_s)
        if coverage is not None:
            coverage.begin()
        exec(compiled, namespace)
        if coverage is not None:
            coverage.stop()
        signal.setitimer(signal.ITIMER_PROF, 0)
    except BaseException as exc:
        signal.setitimer(signal.ITIMER_PROF, 0)
        if coverage is not None:
            coverage.stop()
        restore_builtins()
        emit({"setup_error": type(exc).__name__, "message": safe_str(exc)[:2000]})
        return 1
    restore_builtins()
    if coverage is not None:
        emit({"setup": coverage.take()})
    for index, code in enumerate(codes):
        if isinstance(code, BaseException):
            emit({"i": index, "ok": False, "exc": type(code).__name__, "message": safe_str(code)[:500], "ms": 0.0})
            continue
        where.update(i=index, fired=False)
        before = dict(namespace) if collect else None
        started = cpu_now()
        try:
            if limit_s:
                signal.setitimer(signal.ITIMER_PROF, limit_s)
            if coverage is not None:
                coverage.begin()
            exec(code, namespace)
            if collect:
                for test in collected_tests(namespace, before):
                    run_collected(test)
            if coverage is not None:
                coverage.stop()
            signal.setitimer(signal.ITIMER_PROF, 0)
            record = {"i": index, "ok": True}
        except InputTimeout:
            signal.setitimer(signal.ITIMER_PROF, 0)
            if coverage is not None:
                coverage.stop()
            record = {"i": index, "ok": False, "timeout": True}
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_PROF, 0)
            if coverage is not None:
                coverage.stop()
            restore_builtins()
            record = {"i": index, "ok": False, "exc": type(exc).__name__, "message": safe_str(exc)[:500]}
        record["ms"] = cpu_since(started)
        restore_builtins()
        if coverage is not None:
            record.update(coverage.take())
        emit(record)
    emit({"done": True})
    return 0
