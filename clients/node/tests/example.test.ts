// The example program, run as a person would: ./example --target ... --token ...
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AdminClient, NotificationType } from '../src';
import { env, skipUnless, uniquePrefix } from './env';

// dist/tests/example.test.js -> the package folder.
const PACKAGE_DIR = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(PACKAGE_DIR, 'example');

function runExample(...args: string[]) {
  const env = { ...process.env };
  delete env.NOTIFY_TARGET;
  delete env.NOTIFY_ADMIN_TOKEN;
  return spawnSync(EXAMPLE, args, { cwd: PACKAGE_DIR, encoding: 'utf8', env, timeout: 120_000 });
}

describe('example', { skip: skipUnless('adminToken') }, () => {
  let admin: AdminClient;
  const names: string[] = [];
  const ids: string[] = [];

  before(async () => {
    admin = new AdminClient({ target: env.target, token: env.adminToken });
    const prefix = uniquePrefix('example');
    for (const suffix of ['first', 'second']) {
      const n = await admin.createNotification({
        type: NotificationType.NOTIFICATION_TYPE_EMAIL,
        name: prefix + suffix,
        event: 'user.create',
        subject: 'Hello',
        textMessage: 'hello',
        enabled: false,
      });
      names.push(n.name);
      ids.push(n.id);
    }
  });

  after(async () => {
    for (const id of ids) await admin.deleteNotification(id);
    admin.close();
  });

  it('prints the names of the company notifications, one a line, and exits 0', () => {
    const run = runExample('--target', env.target, '--token', env.adminToken);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    for (const name of names) assert.ok(lines.includes(name), `${name} printed`);
  });

  it('prints the error and exits 1 with a bad token', () => {
    const run = runExample('--target', env.target, '--token', 'not-a-real-token');
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr.trim(), /^error: UNAUTHENTICATED: .+ \([A-Z_]+\)$/);
  });

  it('exits 2 without a target', () => {
    const run = runExample('--token', env.adminToken);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage/);
  });
});
