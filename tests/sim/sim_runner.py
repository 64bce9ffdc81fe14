"""Runs a simulator's unittest module with one line per test and a summary, as ctest shows it."""
import sys
import time
import unittest


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
