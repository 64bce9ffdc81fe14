#!/usr/bin/python3
"""./tools/run end to end, as a newcomer uses it: it brings up PostgreSQL, the platform simulator, the
local SMTP server, the providers' simulator, the server and the gateway and prints a demo admin token;
the demo company activates through the gateway with that token and notifyctl reads it back; the demo
notification it prints the command for, fired by the simulated platform, arrives as an email in the
local mailbox; Ctrl-C (SIGINT to the whole process group, as a terminal
sends it) stops all of it and leaves no process behind."""
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


def fail(message, output=""):
    print("FAIL: " + message)
    if output:
        print(output)
    sys.exit(1)


def processes_mentioning(text):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append((int(pid), cmdline))
    return found


def main():
    run_dir = tempfile.mkdtemp(prefix="notify-run-test-")
    os.chmod(run_dir, 0o755)  # The postgres user must be able to enter it.
    env = dict(os.environ)
    env.pop("NOTIFY_DATABASE_URL", None)
    env.update({
        "NOTIFY_RUN_DIR": run_dir,
        "NOTIFY_LISTEN": "127.0.0.1:0",
        "NOTIFY_GATEWAY_LISTEN": "127.0.0.1:0",
    })
    if len(sys.argv) > 1:
        env["BUILD_DIR"] = sys.argv[1]
    out_path = os.path.join(run_dir, "run.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen([os.path.join(ROOT, "tools", "run")], stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def output():
        with open(out_path) as f:
            return f.read()

    deadline = time.time() + 240
    while "running; press Ctrl-C to stop." not in output():
        if proc.poll() is not None:
            fail(f"./tools/run exited with {proc.returncode} before it was up", output())
        if time.time() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            fail("./tools/run was not up within 240 s", output())
        time.sleep(0.2)

    gateway = re.search(r"gateway\s+http://(\S+?)/", output())
    server = re.search(r"server\s+(\S+) \(gRPC", output())
    if not gateway or not server:
        fail("./tools/run did not print where the server and the gateway listen", output())
    with urllib.request.urlopen(f"http://{gateway.group(1)}/readyz", timeout=10) as response:
        body = json.load(response)
        if response.status != 200 or body.get("data", {}).get("server") != "SERVING":
            fail(f"/readyz answered {response.status} {body}")
    if not processes_mentioning(run_dir):
        fail("no PostgreSQL process runs from the run directory", output())

    token = re.search(r"its admin's token: (\S+)", output())
    if not token:
        fail("./tools/run did not print an admin token", output())
    request = urllib.request.Request(
        f"http://{gateway.group(1)}/api/activate/", method="POST",
        data=json.dumps({"token": token.group(1)}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        body = json.load(response)
        if response.status != 200 or body["data"]["id"] != "acme" or not body["data"]["active"]:
            fail(f"activation answered {response.status} {body}")
    notifyctl = os.path.join(env.get("BUILD_DIR", os.path.join(ROOT, "build")), "tools", "notifyctl",
                             "notifyctl")
    got = subprocess.run([notifyctl, "--target", server.group(1), "--token", token.group(1), "--json",
                          "company", "get"], capture_output=True, text=True, timeout=30)
    if got.returncode != 0 or json.loads(got.stdout).get("id") != "acme":
        fail(f"notifyctl company get: {got.returncode} {got.stdout} {got.stderr}")
    # The REST example it prints answers the company too.
    rest = re.search(r"or over REST:\s+curl -s (\S+) -H 'Authorization: (Token \S+)'", output())
    if not rest:
        fail("./tools/run did not print a REST example", output())
    with urllib.request.urlopen(urllib.request.Request(
            rest.group(1), headers={"Authorization": rest.group(2)}), timeout=15) as response:
        body = json.load(response)
        if response.status != 200 or body["data"]["id"] != "acme":
            fail(f"the REST example answered {response.status} {body}")
    # A webhook fired by the platform shows up in ListEvents.
    platform = re.search(r"platform\s+(http://\S+) \(simulator", output())
    if not platform:
        fail("./tools/run did not print the simulator's address", output())
    fire = urllib.request.Request(
        f"{platform.group(1)}/_sim/fire", method="POST",
        data=json.dumps({"company": "acme", "event": "user.create", "id": "run-test-1",
                         "data": {"id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(fire, timeout=15) as response:
        fired = json.load(response)
        if not fired["data"]["deliveries"] or not fired["data"]["deliveries"][0]["delivered"]:
            fail(f"the simulator's webhook was not delivered: {fired}")
    listed = subprocess.run([notifyctl, "--target", server.group(1), "--token", token.group(1),
                             "--json", "events", "list"], capture_output=True, text=True,
                            timeout=30)
    events = json.loads(listed.stdout).get("events", []) if listed.returncode == 0 else []
    if not any(e.get("event_id") == "run-test-1" for e in events):
        fail(f"notifyctl events list: {listed.returncode} {listed.stdout} {listed.stderr}")

    # The demo the script prints: a notification, a deposit, and the email in the local mailbox.
    demo = os.path.join(run_dir, "demo")
    created = subprocess.run([notifyctl, "--target", server.group(1), "--token", token.group(1),
                              "notifications", "create", "--file",
                              os.path.join(demo, "deposit-email.json")],
                             capture_output=True, text=True, timeout=30)
    if created.returncode != 0:
        fail(f"notifyctl notifications create: {created.stdout} {created.stderr}", output())
    with open(os.path.join(demo, "deposit-event.json"), "rb") as f:
        deposit = f.read()
    fire = urllib.request.Request(f"{platform.group(1)}/_sim/fire", method="POST", data=deposit,
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(fire, timeout=15) as response:
        json.load(response)
    mail_dir = os.path.join(run_dir, "mail")
    deadline = time.time() + 30
    while not any(n.endswith(".eml") for n in os.listdir(mail_dir)):
        if time.time() > deadline:
            fail("the demo email did not arrive in 30 s", output())
        time.sleep(0.2)
    time.sleep(1)  # A second copy, if the deposit were sent twice, would be in by now.
    emails = [n for n in os.listdir(mail_dir) if n.endswith(".eml")]
    if len(emails) != 1:
        fail(f"the demo deposit made {len(emails)} emails, not one: {emails}", output())
    printed = subprocess.run([os.path.join(ROOT, "tools", "smtp-sink"), "--print", mail_dir],
                             capture_output=True, text=True, timeout=30)
    for expected in ("You received 100.00 EUR", "thabo.nkosi@mail.example", "Hi Thabo,",
                     "Acme Wallet wallet on Tue 29 Mar 2022."):
        if expected not in printed.stdout:
            fail(f"the demo email lacks {expected!r}: {printed.stdout} {printed.stderr}", output())

    for log in os.listdir(os.path.join(run_dir, "logs")):
        with open(os.path.join(run_dir, "logs", log)) as f:
            if token.group(1) in f.read():
                fail(f"the token appears in {log}")

    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        fail("./tools/run did not stop within 60 s of Ctrl-C", output())
    if code != 0:
        fail(f"./tools/run exited with {code} after Ctrl-C", output())
    time.sleep(0.5)
    left = processes_mentioning(run_dir)
    for binary in ("notification-server", "notification-gateway", "platform-sim", "smtp-sink",
                   "provider-sim"):
        for pid, cmdline in processes_mentioning(binary):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if run_dir.encode() in f.read():
                        left.append((pid, cmdline))
            except OSError:
                pass
    if left:
        fail(f"processes left behind after Ctrl-C: {left}", output())
    if "stopped." not in output():
        fail("./tools/run did not report that it stopped", output())
    subprocess.run(["rm", "-rf", run_dir], check=False)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
