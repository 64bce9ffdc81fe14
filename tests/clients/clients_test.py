#!/usr/bin/python3
"""Every generated client's own tests against a real stack: ./tools/run (PostgreSQL, the platform
simulator, the server and the gateway) in a folder of its own, the demo company activated, and then
clients/<language>/test for each language with a test, given the target, tokens and webhook secret
in the environment (NOTIFY_TARGET, NOTIFY_ADMIN_TOKEN, NOTIFY_USER_TOKEN, NOTIFY_WEBHOOK_SECRET)."""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import ROOT, Stack  # noqa: E402


def main():
    build_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    clients = sorted(
        name for name in os.listdir(os.path.join(ROOT, "clients"))
        if os.access(os.path.join(ROOT, "clients", name, "test"), os.X_OK))
    only = os.environ.get("NOTIFY_CLIENTS")  # e.g. "cpp,python": run only these.
    if only:
        clients = [c for c in clients if c in only.split(",")]
    if not clients:
        print("no client has a test")
        print("0 passed, 0 failed")
        return 0

    passed, failed = 0, 0
    with Stack(build_dir) as stack:
        activate = urllib.request.Request(
            f"{stack.gateway}/api/activate/", method="POST",
            data=json.dumps({"token": stack.admin_token}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(activate, timeout=15).read()
        webhooks = stack.get_json(f"{stack.platform}/_sim/webhooks")
        secret = webhooks.get("data", webhooks)["results"][0]["secret"]
        client_env = dict(os.environ, BUILD_DIR=build_dir, NOTIFY_TARGET=stack.server,
                          NOTIFY_ADMIN_TOKEN=stack.admin_token,
                          NOTIFY_USER_TOKEN=stack.token_of("acme", "user"),
                          NOTIFY_WEBHOOK_SECRET=secret)
        for name in clients:
            print(f"==> clients/{name}/test", flush=True)
            result = subprocess.run([os.path.join(ROOT, "clients", name, "test")], env=client_env,
                                    cwd=os.path.join(ROOT, "clients", name), timeout=900)
            if result.returncode == 0:
                passed += 1
            else:
                failed += 1
                print(f"clients/{name}/test failed with exit code {result.returncode}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
