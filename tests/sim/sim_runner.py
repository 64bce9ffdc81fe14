"""What the simulators' own tests share: a tool as a child process, and a runner that prints one
line per test and a summary, as ctest shows it."""
import json
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest


class Child:
    """A tool as a child process that logs a JSON "listening" line first; its stderr lines are
    collected in `lines`."""

    def __init__(self, path, *args, wait=True):
        self.proc = subprocess.Popen([path, *args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines, self._queue = [], queue.Queue()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self.first = self.address = self.base = None
        if wait:
            line = self._queue.get(timeout=15)
            self.first = json.loads(line)
            self.address = self.first["address"]
            self.base = "http://" + self.address

    def _drain(self):
        for line in self.proc.stderr:
            line = line.decode()
            self.lines.append(line)
            self._queue.put(line)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._drainer.join(5)  # every line written before exit is in `lines`
        self.proc.stdout.close()
        return code


class Result(unittest.TestResult):
    """Prints one line per test as it finishes, and counts the tests that passed."""

    passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        print(f"ok    {test.id()}", flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        print(f"FAIL  {test.id()}", flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        print(f"ERROR {test.id()}", flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print(f"skip  {test.id()}: {reason}", flush=True)


def run(module_name):
    """Runs every test of the module; 0 when all passed, 1 otherwise."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])
    result = Result()
    started = time.monotonic()
    suite.run(result)
    failed = result.failures + result.errors
    for test, trace in failed:
        print(f"\n=== {test.id() if hasattr(test, 'id') else test}\n{trace}", flush=True)
    for test in result.unexpectedSuccesses:
        failed.append((test, "unexpected success"))
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"{result.passed} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0
