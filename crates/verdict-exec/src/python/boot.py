# Starts verdict's Python worker (worker.py beside this file): the worker's
# source is compiled in a child process and only the compiled code comes back
# (in `marshal` format), to run here. Compiled here, the compiler's freed
# memory would stay scattered through the worker's heap (about 3 MiB of its
# 9), and every job's fork copies the page tables of that heap and every
# job's exit unmaps it. If the child fails, the worker is compiled here.
import marshal
import os


def compiled_elsewhere(path):
    """The code of `path`, compiled by a child process; None if that fails."""
    try:
        readable, writable = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        try:
            os.close(readable)
            with open(path, "rb") as f:
                view = memoryview(marshal.dumps(compile(f.read(), path, "exec")))
            while view:
                view = view[os.write(writable, view):]
        finally:
            os._exit(0)
    os.close(writable)
    chunks = []
    while True:
        chunk = os.read(readable, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(readable)
    os.waitpid(pid, 0)
    try:
        return marshal.loads(b"".join(chunks))
    except (EOFError, ValueError, TypeError):
        return None


WORKER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
WORKER_CODE = compiled_elsewhere(WORKER_PATH)
if WORKER_CODE is None:
    with open(WORKER_PATH, "rb") as _file:
        WORKER_CODE = compile(_file.read(), WORKER_PATH, "exec")
# The tracer (`--trace`), compiled the same way: a traced job runs this code
# (the worker compiles the source itself if it is None).
TRACING_CODE = compiled_elsewhere(os.path.join(os.path.dirname(WORKER_PATH), "tracing.py"))
del compiled_elsewhere
__file__ = WORKER_PATH
exec(WORKER_CODE)
