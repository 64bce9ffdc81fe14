#!/usr/bin/python3
"""The REST face against a real stack (./tools/run, with a CORS origin allowed), driven by the
platform's own JavaScript SDK: installs tests/rest's locked npm packages when missing, then runs
`node --test` over tests/rest/*.test.mjs, one file at a time, with the stack's addresses and tokens
in the environment."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from stack import ROOT, Stack  # noqa: E402

ORIGIN = "https://dashboard.example"


def main():
    build_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    modules = os.path.join(HERE, "node_modules", ".package-lock.json")
    lock = os.path.join(HERE, "package-lock.json")
    if not os.path.exists(modules) or os.path.getmtime(lock) > os.path.getmtime(modules):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    with Stack(build_dir, env={"NOTIFY_GATEWAY_CORS_ORIGINS": ORIGIN}) as stack:
        env = dict(os.environ,
                   NOTIFY_REST_BASE=f"{stack.gateway}/api/",
                   NOTIFY_PLATFORM_URL=stack.platform,
                   NOTIFY_PROVIDERS_URL=stack.providers,
                   NOTIFY_MAIL_DIR=stack.mail_dir,
                   NOTIFY_CORS_ORIGIN=ORIGIN,
                   NOTIFY_ACME_ADMIN_TOKEN=stack.admin_token,
                   NOTIFY_ACME_USER_TOKEN=stack.token_of("acme", "user"),
                   NOTIFY_ACME_USER2_TOKEN=stack.token_for_user("9e8d7c6b-5a4f-4e3d-a2c1-b0a9f8e7d6c5"),
                   NOTIFY_GLOBEX_ADMIN_TOKEN=stack.token_of("globex", "admin"))
        files = sorted(f for f in os.listdir(HERE) if f.endswith(".test.mjs"))
        result = subprocess.run(["node", "--test", "--test-concurrency=1", *files], cwd=HERE,
                                env=env, timeout=600)
        if result.returncode != 0:
            stack.print_logs()
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
