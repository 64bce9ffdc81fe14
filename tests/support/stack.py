"""A real stack for tests that drive the project from outside: ./tools/run (PostgreSQL, the platform
simulator, the SMTP sink, the providers' simulator, the server and the gateway) in a folder of its
own, with every port picked by the OS. Used as a context manager; the stack stops on exit."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Stack:
    """Fields once started: server (gRPC host:port), gateway (http://host:port), platform and
    providers (their URLs), mail_dir, admin_token (acme's admin) and seed (the simulator's
    companies, users and tokens)."""

    def __init__(self, build_dir, env=None):
        self.build_dir = build_dir
        self.extra_env = env or {}
        self.process = None

    def __enter__(self):
        self.run_dir = tempfile.mkdtemp(prefix="notify-stack-")
        os.chmod(self.run_dir, 0o755)  # The postgres user must be able to enter it.
        env = dict(os.environ, NOTIFY_RUN_DIR=self.run_dir, BUILD_DIR=self.build_dir,
                   NOTIFY_LISTEN="127.0.0.1:0", NOTIFY_GATEWAY_LISTEN="127.0.0.1:0",
                   NOTIFY_METRICS_LISTEN="127.0.0.1:0", **self.extra_env)
        env.pop("NOTIFY_DATABASE_URL", None)
        env.pop("NOTIFY_PLATFORM_URL", None)
        out_path = os.path.join(self.run_dir, "run.out")
        with open(out_path, "w") as out:
            self.process = subprocess.Popen([os.path.join(ROOT, "tools", "run")], stdout=out,
                                            stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)
        output = ""
        deadline = time.time() + 240
        while "running; press Ctrl-C to stop." not in output:
            if self.process.poll() is not None or time.time() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"./tools/run did not come up:\n{output}")
            time.sleep(0.2)
            with open(out_path) as f:
                output = f.read()
        self.output = output
        self.server = re.search(r"server\s+(\S+) \(gRPC", output).group(1)
        self.gateway = "http://" + re.search(r"gateway\s+http://(\S+?)/", output).group(1)
        self.platform = re.search(r"platform\s+(http://\S+) \(simulator", output).group(1)
        providers = re.search(r"providers\s+(http://\S+) \(", output)
        self.providers = providers.group(1) if providers else ""
        self.mail_dir = os.path.join(self.run_dir, "mail")
        self.admin_token = re.search(r"its admin's token: (\S+)", output).group(1)
        self.seed = self.get_json(f"{self.platform}/_sim/seed")
        return self

    def __exit__(self, *unused):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", self.run_dir], check=False)

    def print_logs(self, lines=40):
        """The end of each program's log, for a test that failed."""
        logs = os.path.join(self.run_dir, "logs")
        for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
            with open(os.path.join(logs, name), errors="replace") as f:
                tail = f.readlines()[-lines:]
            print(f"--- {name} (last {len(tail)} lines)")
            print("".join(tail), end="")
        if self.process is not None and self.process.poll() is not None:
            with open(os.path.join(self.run_dir, "run.out"), errors="replace") as f:
                print(f"--- ./tools/run exited with {self.process.returncode}:\n{f.read()[-2000:]}")

    @staticmethod
    def get_json(url):
        with urllib.request.urlopen(url, timeout=15) as response:
            return json.load(response)

    def token_for_user(self, user_id):
        return next(token for token, uid in self.seed["tokens"].items() if uid == user_id)

    def token_of(self, company, group):
        """A token of a user of `company` whose only group is `group`."""
        users = {u["id"]: u for u in self.seed["users"]}
        for token, uid in self.seed["tokens"].items():
            user = users[uid]
            groups = [g.get("name") if isinstance(g, dict) else g for g in user.get("groups", [])]
            if user.get("company") == company and groups == [group]:
                return token
        raise KeyError(f"no {group} token of {company} in the simulator's seed")
