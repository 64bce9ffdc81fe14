// The server the integration tests talk to, from the environment:
//   NOTIFY_TARGET          host:port of a running notification-server
//   NOTIFY_ADMIN_TOKEN     a token of an admin of company `acme`
//   NOTIFY_USER_TOKEN      a token of a plain user of `acme`
//   NOTIFY_WEBHOOK_SECRET  `acme`'s webhook secret
// Without them the integration tests are skipped, saying which is missing.
import { randomUUID } from 'node:crypto';

export const COMPANY = 'acme';

export const env = {
  target: process.env.NOTIFY_TARGET ?? '',
  adminToken: process.env.NOTIFY_ADMIN_TOKEN ?? '',
  userToken: process.env.NOTIFY_USER_TOKEN ?? '',
  webhookSecret: process.env.NOTIFY_WEBHOOK_SECRET ?? '',
};

/** A skip reason naming the missing variables, or false when they are all set. */
export function skipUnless(...names: (keyof typeof env)[]): string | false {
  const variables: Record<keyof typeof env, string> = {
    target: 'NOTIFY_TARGET',
    adminToken: 'NOTIFY_ADMIN_TOKEN',
    userToken: 'NOTIFY_USER_TOKEN',
    webhookSecret: 'NOTIFY_WEBHOOK_SECRET',
  };
  const missing = ['target' as const, ...names].filter((n) => env[n] === '').map((n) => variables[n]);
  return missing.length === 0 ? false : `set ${[...new Set(missing)].join(', ')} to run against a server`;
}

/** A name prefix no other run shares, so a test finds exactly what it made. */
export function uniquePrefix(what: string): string {
  return `node-test-${what}-${randomUUID().slice(0, 8)}-`;
}
