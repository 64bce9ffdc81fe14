#!/usr/bin/python3
"""Every generated client's own tests against a real stack: ./tools/run (PostgreSQL, the platform
simulator, the server and the gateway) in a folder of its own, the demo company activated, and then
clients/<language>/test for each language with a test, given the target, tokens and webhook secret
in the environment (NOTIFY_TARGET, NOTIFY_ADMIN_TOKEN, NOTIFY_USER_TOKEN, NOTIFY_WEBHOOK_SECRET)."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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

    run_dir = tempfile.mkdtemp(prefix="notify-clients-")
    os.chmod(run_dir, 0o755)  # The postgres user must be able to enter it.
    env = dict(os.environ, NOTIFY_RUN_DIR=run_dir, BUILD_DIR=build_dir,
               NOTIFY_LISTEN="127.0.0.1:0", NOTIFY_GATEWAY_LISTEN="127.0.0.1:0",
               NOTIFY_METRICS_LISTEN="127.0.0.1:0")
    env.pop("NOTIFY_DATABASE_URL", None)
    env.pop("NOTIFY_PLATFORM_URL", None)
    out_path = os.path.join(run_dir, "run.out")
    with open(out_path, "w") as out:
        stack = subprocess.Popen([os.path.join(ROOT, "tools", "run")], stdout=out,
                                 stderr=subprocess.STDOUT, env=env, start_new_session=True)
    passed, failed = 0, 0
    try:
        output = ""
        deadline = time.time() + 240
        while "running; press Ctrl-C to stop." not in output:
            if stack.poll() is not None or time.time() > deadline:
                print(f"./tools/run did not come up:\n{output}")
                return 1
            time.sleep(0.2)
            with open(out_path) as f:
                output = f.read()
        server = re.search(r"server\s+(\S+) \(gRPC", output).group(1)
        gateway = re.search(r"gateway\s+http://(\S+?)/", output).group(1)
        platform = re.search(r"platform\s+(http://\S+) \(simulator", output).group(1)
        admin_token = re.search(r"its admin's token: (\S+)", output).group(1)

        activate = urllib.request.Request(
            f"http://{gateway}/api/activate/", method="POST",
            data=json.dumps({"token": admin_token}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(activate, timeout=15).read()
        with urllib.request.urlopen(f"{platform}/_sim/webhooks", timeout=15) as response:
            webhooks = json.load(response)
        secret = webhooks.get("data", webhooks)["results"][0]["secret"]
        with urllib.request.urlopen(f"{platform}/_sim/seed", timeout=15) as response:
            seed = json.load(response)
        users = {u["id"]: u for u in seed["users"]}
        user_token = next(t for t, uid in seed["tokens"].items()
                          if users[uid].get("company") == "acme" and
                          all((g.get("name") if isinstance(g, dict) else g) == "user"
                              for g in users[uid].get("groups", [])))

        client_env = dict(os.environ, BUILD_DIR=build_dir, NOTIFY_TARGET=server,
                          NOTIFY_ADMIN_TOKEN=admin_token,
                          NOTIFY_USER_TOKEN=user_token, NOTIFY_WEBHOOK_SECRET=secret)
        for name in clients:
            print(f"==> clients/{name}/test", flush=True)
            result = subprocess.run([os.path.join(ROOT, "clients", name, "test")], env=client_env,
                                    cwd=os.path.join(ROOT, "clients", name), timeout=900)
            if result.returncode == 0:
                passed += 1
            else:
                failed += 1
                print(f"clients/{name}/test failed with exit code {result.returncode}")
    finally:
        os.killpg(stack.pid, signal.SIGINT)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", run_dir], check=False)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
