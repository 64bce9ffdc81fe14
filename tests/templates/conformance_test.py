#!/usr/bin/env python3
"""Differential conformance test: our template engine against the real one.

    conformance_test.py [--only PREFIX] OURS_BINARY DIALECT CASES_JSON
    conformance_test.py [--only PREFIX] --reference-only DIALECT CASES_JSON

DIALECT is django (reference: Django 3.2, django_render.py) or liquid
(reference: Ruby Liquid 5.4, liquid_render.rb). Every case of CASES_JSON goes
to the reference renderer and to OURS_BINARY, both speaking the JSON-lines
protocol of README.md, and the two answers are compared: equal outputs pass,
two errors pass. A case with "differs" passes when ours gives "ours" (or
errors, with "ours_error"); the reference's answer is printed for the record.
A case with "expect_error" must make the reference error, and a case without
it must not (so a typo in the corpus shows instead of passing as two errors).

--reference-only runs the reference alone and checks only that last rule.
Exits 0 when every case passes, 1 when one fails, 2 on a usage or corpus error.
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_COMMANDS = {
    # /usr/bin/python3 is the interpreter with Django; the one on PATH may not be.
    "django": ["/usr/bin/python3", os.path.join(HERE, "django_render.py")],
    "liquid": ["ruby", os.path.join(HERE, "liquid_render.rb")],
}
CASE_TIMEOUT_SECONDS = 5.0
# A renderer that hangs or dies on this many cases in a row is broken, not failing cases:
# the run stops rather than spend a timeout on every remaining case.
FAILURES_IN_A_ROW_TO_STOP = 5
CASE_KEYS = {
    "name", "template", "context", "partials", "autoescape", "expect_error", "differs", "ours", "ours_error",
}
DATE_MARKERS = ("$datetime", "$date")


class CorpusError(Exception):
    pass


class Answer:
    """What a renderer said about one case: an output, an error, or a failure
    of the process itself (a hang, a crash, a line outside the protocol)."""

    def __init__(self, kind, text):
        assert kind in ("output", "error", "failure")
        self.kind = kind
        self.text = text

    def __repr__(self):
        return "%s %r" % (self.kind, self.text)


class Renderer:
    """A child process speaking the JSON-lines protocol. It is started on the
    first request and again after it hangs or dies, so one bad case does not
    take the next ones with it."""

    def __init__(self, label, command):
        self.label = label
        self.command = command
        self.process = None
        self.lines = None

    def ask(self, request):
        if self.process is None:
            self._start()
        try:
            self.process.stdin.write(json.dumps(request, sort_keys=True).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except OSError as error:
            return self._fail("could not be sent the case (%s)" % error)
        try:
            line = self.lines.get(timeout=CASE_TIMEOUT_SECONDS)
        except queue.Empty:
            return self._fail("gave no answer within %g s" % CASE_TIMEOUT_SECONDS)
        if line is None:
            return self._fail("exited with status %s" % self.process.wait())
        return self._parse(line)

    def stop(self):
        if self.process is None:
            return
        process, self.process = self.process, None
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _start(self):
        try:
            self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError as error:
            raise SystemExit("cannot start %s %r: %s" % (self.label, self.command, error))
        self.lines = queue.Queue()
        threading.Thread(target=_forward_lines, args=(self.process.stdout, self.lines), daemon=True).start()

    def _parse(self, line):
        try:
            answer = json.loads(line.decode("utf-8"))
        except ValueError:
            return self._fail("answered a line that is not JSON: %r" % line)
        if isinstance(answer, dict) and len(answer) == 1:
            (kind, text), = answer.items()
            if kind in ("output", "error") and isinstance(text, str):
                return Answer(kind, text)
        return self._fail("answered outside the protocol: %r" % answer)

    def _fail(self, what):
        self.process.kill()
        self.stop()
        return Answer("failure", "%s %s" % (self.label, what))


def _forward_lines(stream, lines):
    for line in stream:
        lines.put(line)
    lines.put(None)


def load_cases(path, dialect):
    try:
        with open(path, encoding="utf-8") as file:
            cases = json.load(file)
    except (OSError, ValueError) as error:
        raise CorpusError("cannot read %s: %s" % (path, error))
    if not isinstance(cases, list):
        raise CorpusError("%s: the corpus must be a JSON array of cases" % path)
    names = set()
    for index, case in enumerate(cases):
        where = "%s: case %d (%s)" % (path, index, case.get("name") if isinstance(case, dict) else case)
        problem = case_problem(case, dialect)
        if problem:
            raise CorpusError("%s: %s" % (where, problem))
        if case["name"] in names:
            raise CorpusError("%s: the name is used twice" % where)
        names.add(case["name"])
    return cases


def case_problem(case, dialect):
    if not isinstance(case, dict):
        return "a case must be an object"
    unknown = set(case) - CASE_KEYS
    if unknown:
        return "unknown keys %s" % sorted(unknown)
    if not isinstance(case.get("name"), str) or not case["name"]:
        return "needs a name"
    if not isinstance(case.get("template"), str):
        return "needs a template string"
    if not isinstance(case.get("context", {}), dict):
        return "the context must be an object"
    partials = case.get("partials", {})
    if not isinstance(partials, dict) or not all(isinstance(text, str) for text in partials.values()):
        return "partials map names to template strings"
    if partials and dialect != "liquid":
        return "partials are for liquid only"
    if "autoescape" in case and (dialect != "django" or not isinstance(case["autoescape"], bool)):
        return "autoescape is a boolean, and for django only"
    if not isinstance(case.get("expect_error", False), bool):
        return "expect_error is a boolean"
    if "differs" in case:
        if not isinstance(case["differs"], str) or not case["differs"]:
            return "differs must say why we differ"
        if ("ours" in case) == bool(case.get("ours_error")):
            return "a case that differs needs exactly one of ours and ours_error"
        if not isinstance(case.get("ours", ""), str):
            return "ours is the exact output string we give"
    elif "ours" in case or "ours_error" in case:
        return "ours and ours_error go with differs only"
    return None


def request_for(case, dialect, context):
    request = {
        "syntax": dialect,
        "template": case["template"],
        "context": context,
        "autoescape": case.get("autoescape", dialect == "django"),
    }
    if "partials" in case:
        request["partials"] = case["partials"]
    return request


def dates_as_strings(value):
    """Our engine is given every {"$datetime": s} and {"$date": s} as the plain string s."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in DATE_MARKERS and isinstance(next(iter(value.values())), str):
            return next(iter(value.values()))
        return {key: dates_as_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [dates_as_strings(item) for item in value]
    return value


def reference_problem(case, reference):
    """Why the reference's answer contradicts the case, or None."""
    if reference.kind == "failure":
        return reference.text
    if "differs" in case:
        return None
    if case.get("expect_error") and reference.kind != "error":
        return "the reference did not error but the case has expect_error"
    if not case.get("expect_error") and reference.kind == "error":
        return "the reference errored but the case has no expect_error"
    return None


def ours_problem(case, reference, ours):
    """Why our answer does not conform, or None."""
    if ours.kind == "failure":
        return ours.text
    if "differs" in case:
        if case.get("ours_error"):
            return None if ours.kind == "error" else "ours must error (a deliberate difference)"
        if ours.kind == "output" and ours.text == case["ours"]:
            return None
        return "ours must give %r (a deliberate difference)" % case["ours"]
    if reference.kind == ours.kind == "error":
        return None
    if reference.kind == ours.kind == "output" and reference.text == ours.text:
        return None
    return "the answers differ"


def check(case, dialect, reference, ours):
    """Asks the renderers about one case: (problem or None, reference's answer, our answer or None)."""
    context = case.get("context", {})
    reference_answer = reference.ask(request_for(case, dialect, context))
    problem = reference_problem(case, reference_answer)
    if problem or not ours:
        return problem, reference_answer, None
    our_answer = ours.ask(request_for(case, dialect, dates_as_strings(context)))
    return ours_problem(case, reference_answer, our_answer), reference_answer, our_answer


def run(cases, dialect, ours_binary):
    reference = Renderer("the reference", REFERENCE_COMMANDS[dialect])
    ours = Renderer("ours", [ours_binary]) if ours_binary else None
    passed = failed = deliberate = failures_in_a_row = 0
    try:
        for index, case in enumerate(cases):
            if failures_in_a_row == FAILURES_IN_A_ROW_TO_STOP:
                print("STOP: a renderer failed on %d cases in a row; the %d cases left count as failing"
                      % (failures_in_a_row, len(cases) - index))
                failed += len(cases) - index
                break
            problem, reference_answer, our_answer = check(case, dialect, reference, ours)
            answers = [reference_answer] + ([our_answer] if our_answer else [])
            failures_in_a_row = failures_in_a_row + 1 if any(a.kind == "failure" for a in answers) else 0
            said = "reference: %r" % reference_answer + (", ours: %r" % our_answer if our_answer else "")
            if problem:
                failed += 1
                print("FAIL %s: %s; template %r, context %r, %s"
                      % (case["name"], problem, case["template"], case.get("context", {}), said))
            elif "differs" in case:
                deliberate += 1
                print("DIFFERS %s (%s): %s" % (case["name"], case["differs"], said))
            else:
                passed += 1
    finally:
        reference.stop()
        if ours:
            ours.stop()
    print("%d cases, %d pass, %d fail, %d deliberate differences" % (len(cases), passed, failed, deliberate))
    return failed == 0


def main():
    parser = argparse.ArgumentParser(
        description="Compares our template engine with the real Django or Liquid on a corpus of cases.",
        usage="%(prog)s [--only PREFIX] (OURS_BINARY | --reference-only) DIALECT CASES_JSON")
    parser.add_argument("--only", metavar="PREFIX", default="", help="run only the cases whose name starts with PREFIX")
    parser.add_argument("--reference-only", action="store_true",
                        help="run the reference alone, to check the corpus without our binary")
    parser.add_argument("arguments", nargs="+", metavar="OURS_BINARY DIALECT CASES_JSON")
    options = parser.parse_args()
    if len(options.arguments) != (2 if options.reference_only else 3):
        parser.error("give OURS_BINARY DIALECT CASES_JSON, or --reference-only DIALECT CASES_JSON")
    ours_binary = None if options.reference_only else options.arguments[0]
    dialect, cases_path = options.arguments[-2:]
    if dialect not in REFERENCE_COMMANDS:
        parser.error("DIALECT is one of %s" % ", ".join(sorted(REFERENCE_COMMANDS)))
    if ours_binary and not os.access(ours_binary, os.X_OK):
        parser.error("%s is not an executable" % ours_binary)
    try:
        cases = [case for case in load_cases(cases_path, dialect) if case["name"].startswith(options.only)]
    except CorpusError as error:
        print("corpus error: %s" % error, file=sys.stderr)
        return 2
    if not cases:
        print("no case name starts with %r" % options.only, file=sys.stderr)
        return 1
    return 0 if run(cases, dialect, ours_binary) else 1


if __name__ == "__main__":
    sys.exit(main())
