# verdict's unittest harness, part of the Python worker (executed in the
# worker's namespace, so it uses the worker's helpers): runs a candidate
# module and its unittest TestCase classes the way an official evaluator
# does, and reports what unittest found, after the job's nonce.
#
# Harnesses:
# - "bigcodebench": BigCodeBench's `unsafe_execute` (bigcodebench @ 47eff25,
#   bigcodebench/eval/__init__.py and eval/utils.py): the program and its
#   test in one module named `__test__`, its `TestCases` run by a
#   `unittest.TestResult` under a timer that raises inside the running test,
#   everything under its `safe_environment`, `swallow_io` and
#   `reliability_guard`, in a fresh temporary working directory.
# - "classeval": ClassEval's test pipeline: the program and its test in one
#   module, each named TestCase class run on its own by a text test runner,
#   under a per-class timer.
#
# The report: {"state": "success" | "failed", "details": {...}} for
# bigcodebench (as the official `stat` and `details`), {"classes": [...]}
# for classeval. No report at all (the process died, was killed, or the
# report could not be written) is what the official evaluators call a
# timeout.


class HarnessTimeout(Exception):
    """The official harnesses' `TimeoutException`: raised in the running
    test when its time is up; unittest records it as that test's error."""


# How often the suite timer looks at the time.
TIMER_TICK = 0.1


def run_queue_seconds():
    """Time this process has spent waiting for a CPU (its scheduler
    statistics), seconds."""
    try:
        with open("/proc/self/schedstat", "rb") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def suite_timer(seconds, repeat=0.0):
    """Arms the official harnesses' timer: when the suite (or class) has
    run for `seconds` of active time (wall-clock time less the time spent
    waiting for a CPU, so that a loaded machine does not cut it short, while
    a test that sleeps is cut as the official wall-clock alarm cuts it),
    `HarnessTimeout` is raised in whatever runs; once (BigCodeBench's
    one-shot alarm), or with `repeat` again every `repeat` seconds after.
    A `SIGALRM` tick looks at the time every 100 ms. Returns the function
    that disarms it and says whether it fired."""
    fired = []
    started = time.monotonic()
    waited = run_queue_seconds()

    def tick(signum, frame):
        if not fired:
            active = time.monotonic() - started - (run_queue_seconds() - waited)
            if active < seconds:
                return
        fired.append(True)
        signal.setitimer(signal.ITIMER_REAL, repeat, repeat)
        raise HarnessTimeout("Timed out!")

    signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, TIMER_TICK, TIMER_TICK)

    def disarm():
        signal.setitimer(signal.ITIMER_REAL, 0)
        return bool(fired)

    return disarm


def fresh_random_state():
    """A forked job inherits the worker's random generators; a fresh
    interpreter seeds them from the OS. Reseeded here, as there."""
    random_module = sys.modules.get("random")
    if random_module is not None:
        random_module.seed()
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        try:
            numpy_random.seed()
        except Exception:
            pass


class BigCodeBenchEnvironment:
    """BigCodeBench's `safe_environment()`, `reliability_guard()` and
    `swallow_io()` as they stand while a candidate runs: the same functions
    replaced by the same behaviours (kills only of the job's own processes,
    `kill` commands not run, `check_output` of a command containing "ps"
    returns b"", a Popen in a new session whose `communicate` swallows
    timeouts, exec* do nothing), output swallowed, stdin unreadable,
    subprocess output captured by default, `exit`/`quit` set to None and the
    environment variables set. The sandbox, not this, keeps the host safe."""

    def __init__(self):
        import subprocess

        self.subprocess = subprocess
        self.saved = []
        self.child_pids = []

    def replace(self, owner, name, value):
        self.saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def enter(self, stack_bytes):
        subprocess = self.subprocess
        original_kill, original_killpg = os.kill, os.killpg
        original_system, original_os_popen = os.system, os.popen
        original_call = subprocess.call
        original_check_output = subprocess.check_output
        original_run = subprocess.run
        child_pids = self.child_pids
        own_pid = os.getpid()
        own_pgid = os.getpgid(own_pid)

        def kill(pid, sig):
            try:
                os.getpgid(pid)
                if pid == own_pid or pid in child_pids:
                    original_kill(pid, sig)
                else:
                    print(f"Prevented attempt to kill PID {pid} with signal {sig}")
            except ProcessLookupError:
                pass

        def killpg(pgid, sig):
            if pgid == own_pgid or pgid in {os.getpgid(pid) for pid in child_pids}:
                original_killpg(pgid, sig)
            else:
                print(f"Prevented attempt to kill PGID {pgid} with signal {sig}")

        def system(command):
            print(f"Intercepted system command: {command}")
            if "kill" in command or "killall" in command:
                return 0
            return original_system(command)

        def call(command, *args, **kwargs):
            print(f"Intercepted subprocess call: {command}")
            if "kill" in command or "killall" in command:
                return 0
            return original_call(command, *args, **kwargs)

        def check_output(command, *args, **kwargs):
            print(f"Intercepted command: {command}")
            if "ps" in command:
                return b""
            return original_check_output(command, *args, **kwargs)

        def run(*args, **kwargs):
            print(f"Intercepted subprocess run command: {args}")
            if "kill" in args[0] or "killall" in args[0]:
                return subprocess.CompletedProcess(args, 0, b"", b"")
            return original_run(*args, **kwargs)

        class SessionPopen(subprocess.Popen):
            def __init__(self, *args, **kwargs):
                print(f"Intercepted Popen command: {args}")
                kwargs["preexec_fn"] = os.setsid
                super().__init__(*args, **kwargs)
                child_pids.append(self.pid)

            def communicate(self, *args, **kwargs):
                try:
                    return super().communicate(*args, **kwargs)
                except subprocess.TimeoutExpired:
                    print("Timeout expired, intercepted and returning None")
                    return None, None

            def kill(self):
                print(f"Intercepted kill call for PID {self.pid}")
                kill(self.pid, signal.SIGTERM)

            def terminate(self):
                print(f"Intercepted terminate call for PID {self.pid}")
                kill(self.pid, signal.SIGTERM)

        def os_popen(command):
            print(f"Intercepted os.popen command: {command}")
            if "kill" in command or "killall" in command:
                return original_os_popen("echo Intercepted")
            return original_os_popen(command)

        def exec_nothing(*args, **kwargs):
            print(f"Intercepted exec command: {args}")

        for owner, name, value in (
            (os, "kill", kill),
            (os, "killpg", killpg),
            (os, "system", system),
            (subprocess, "call", call),
            (subprocess, "check_output", check_output),
            (subprocess, "run", run),
            (subprocess, "Popen", SessionPopen),
            (os, "popen", os_popen),
            (os, "execv", exec_nothing),
            (os, "execvp", exec_nothing),
            (os, "execvpe", exec_nothing),
        ):
            self.replace(owner, name, value)

        # create_tempdir(): a fresh directory, the working directory.
        import tempfile

        self.tempdir = tempfile.mkdtemp(dir=TMP)
        os.chdir(self.tempdir)

        # reliability_guard(): environment, limits, exit and quit, figures.
        os.environ["TZ"] = "UTC"
        time.tzset()
        os.environ["OMP_NUM_THREADS"] = "1"
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
        if stack_bytes:
            try:
                resource.setrlimit(resource.RLIMIT_STACK, (stack_bytes, stack_bytes))
            except (ValueError, OSError):
                pass
        faulthandler.disable()
        builtins.exit = None
        builtins.quit = None
        try:
            import matplotlib.pyplot as plt

            plt.close("all")
        except Exception:
            # The official guard's import fails the same way: before the
            # candidate runs, so the sample is never run.
            raise

    def swallow_io(self):
        """`swallow_io()`: one write-only stream for stdout, stderr and
        stdin; Popen and run capture output unless told otherwise."""
        subprocess = self.subprocess
        popen, run = subprocess.Popen, subprocess.run

        def capture(kwargs):
            if kwargs.get("capture_output"):
                kwargs.pop("stdout", None)
                kwargs.pop("stderr", None)
            else:
                kwargs.setdefault("stdout", subprocess.PIPE)
                kwargs.setdefault("stderr", subprocess.PIPE)

        def popen_capturing(*args, **kwargs):
            capture(kwargs)
            return popen(*args, **kwargs)

        def run_capturing(*args, **kwargs):
            capture(kwargs)
            return run(*args, **kwargs)

        self.replace(subprocess, "Popen", popen_capturing)
        self.replace(subprocess, "run", run_capturing)
        swallow_input()

    def leave_io(self):
        """The end of `swallow_io()` (its stream and subprocess wrappers)."""
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
        for owner, name, value in self.saved[-2:]:
            setattr(owner, name, value)
        del self.saved[-2:]


def run_bigcodebench(job):
    """`unsafe_execute`: the state ("success": the suite ran; "failed":
    something raised outside it) and the details (test method name ->
    traceback, or "ALL" -> the error's text)."""
    import unittest

    environment = BigCodeBenchEnvironment()
    environment.enter(job.get("stack_bytes"))
    details = {}
    traces = {}
    module = types.ModuleType("__test__")
    module.__dict__.update(
        {
            "__builtins__": builtins,
            "__file__": "__test__.py",
            "__package__": None,
            "__doc__": None,
            "sys": sys,
            "os": os,
            "environ": os.environ,
        }
    )
    source = job["code"] + "\n" + (job.get("test") or "")
    try:
        environment.swallow_io()
        try:
            compiled = compile(source, "__test__.py", "exec")
            exec(compiled, module.__dict__)
            sys.modules["__test__"] = module
            cases = getattr(module, "TestCases")
            suite = unittest.TestLoader().loadTestsFromTestCase(cases)
            result = traced_result(unittest.TestResult, job, compiled, traces, False)()
            disarm = suite_timer(job.get("suite_seconds") or 240.0)
            try:
                suite.run(result)
            finally:
                disarm()
        finally:
            environment.leave_io()
        for test, trace in result.failures + result.errors:
            details[test.id().split(".")[-1]] = trace
        state = "success"
    except BaseException as exc:
        # As there, a message that cannot be made leaves no report.
        details = {"ALL": str(exc)}
        state = "failed"
    report = {"state": state, "details": details}
    if traces:
        report["traces"] = traces
    return report


def run_classeval(job):
    """Each named TestCase class of the module run on its own, as ClassEval's
    pipeline runs them (`run_unit_test`: a `TextTestRunner` per class, under
    a 5 s timer): per class the counts unittest gives (tests run, failures,
    errors) and the tracebacks; or the error that kept the module or the
    class from loading or running, or the timer that fired (the official
    pipeline then counts nothing for the class)."""
    import unittest

    swallow_input()
    seconds = job.get("suite_seconds") or 5.0
    source = job["code"] + "\n" + (job.get("test") or "")
    # The official pipeline writes `{task_id}_{i}.py` to its working
    # directory and imports it: the module has that name and `__file__`.
    module = types.ModuleType(job.get("module") or "__test__")
    path = os.path.join(os.getcwd(), module.__name__ + ".py")
    module.__dict__.update({"__builtins__": builtins, "__file__": path})
    sys.modules[module.__name__] = module
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write(job["code"] + "\n" + (job.get("test") or ""))
    except OSError:
        pass
    # func_timeout raises in the running test when the class's time is up
    # and reports the class at once (an error), while its thread runs the
    # class's other tests on in the background, interrupted every 2 s.
    # Here the class has to end before the next one starts: once its time
    # is up, the timer interrupts each of its remaining tests within 10 ms.
    # (A class that sleeps is cut too: the timer counts active time.)
    # The first class's time covers the module's loading, as the official
    # import happens inside its first call.
    disarm = suite_timer(seconds, 0.01)
    try:
        compiled = compile(source, path, "exec")
        exec(compiled, module.__dict__)
    except BaseException as exc:
        disarm()
        return {"load_error": "%s: %s" % (type(exc).__name__, safe_str(exc))}
    classes = []
    traces = {}
    for index, name in enumerate(job.get("classes") or []):
        entry = {"class": name}
        if index:
            disarm = suite_timer(seconds, 0.01)
        try:
            case = getattr(module, name)
            suite = unittest.TestLoader().loadTestsFromTestCase(case)
            runner = unittest.TextTestRunner(stream=io.StringIO())
            runner.resultclass = traced_result(runner.resultclass, job, compiled, traces, True)
            result = runner.run(suite)
            if disarm():
                entry["error"] = "timed out"
            else:
                entry["run"] = result.testsRun
                entry["failures"] = [[t.id().split(".")[-1], tb[-2000:]] for t, tb in result.failures]
                entry["errors"] = [[t.id().split(".")[-1], tb[-2000:]] for t, tb in result.errors]
        except BaseException as exc:
            disarm()
            entry["error"] = "%s: %s" % (type(exc).__name__, safe_str(exc))
        classes.append(entry)
    report = {"classes": classes}
    if traces:
        report["traces"] = traces
    return report


def traced_result(base, job, compiled, traces, qualified):
    """`base` (a TestResult class), or with a trace requested, a subclass
    that traces each test's run (the frames of the candidate's part of
    `compiled`) into `traces`, by the test method's name (`Class.method`
    if `qualified`)."""
    tracer = tracer_for(job, job["code"])
    if tracer is None:
        return base
    tracer.adopt(compiled)

    class TracedResult(base):
        def startTest(self, test):
            super().startTest(test)
            parts = test.id().split(".")
            self.traced_name = ".".join(parts[-2:]) if qualified else parts[-1]
            self.problems_before = len(self.failures) + len(self.errors)
            self.traced = traced_test(job, self.traced_name)
            if self.traced:
                tracer.begin()

        def stopTest(self, test):
            if self.traced:
                tracer.stop()
                restore_builtins()
                failed = len(self.failures) + len(self.errors) > self.problems_before
                traces[self.traced_name] = json.loads(tracer.finish("exception" if failed else "returned"))
                self.traced = False
            super().stopTest(test)

    return TracedResult


UNITTEST_HARNESSES = {"bigcodebench": run_bigcodebench, "classeval": run_classeval}


def run_unittest(job, result_fd):
    """Runs a unittest job and writes its report after the job's nonce. A
    candidate that ends the process first (os._exit, a signal, a limit)
    leaves no report."""
    nonce = job.pop("nonce").encode()
    fresh_random_state()
    report = UNITTEST_HARNESSES[job["harness"]](job)
    restore_builtins()
    try:
        data = json.dumps(report).encode()
    except BaseException:
        return 1
    write_result(result_fd, nonce + data)
    return 0
