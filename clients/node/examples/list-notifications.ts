// Prints the names of the caller's company's notifications, one a line.
//
//   ./example --target 127.0.0.1:50051 --token <admin token> [--tls] [--page-size N]
//
// Exits 0 on success; on a server error prints `error: <CODE>: <message> (<reason>)` to stderr and exits
// 1; exits 2 on bad arguments. NOTIFY_TARGET and NOTIFY_ADMIN_TOKEN stand in for missing flags.
import { parseArgs } from 'node:util';

import { AdminClient, NotificationsError } from '../src';

const USAGE = 'usage: example --target HOST:PORT --token ADMIN_TOKEN [--tls] [--page-size N]';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        target: { type: 'string' },
        token: { type: 'string' },
        tls: { type: 'boolean', default: false },
        'page-size': { type: 'string', default: '100' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`example: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = values.target ?? process.env.NOTIFY_TARGET;
  const token = values.token ?? process.env.NOTIFY_ADMIN_TOKEN;
  const pageSize = Number(values['page-size']);
  if (!target || !token || !Number.isInteger(pageSize) || pageSize < 0) {
    console.error(USAGE);
    return 2;
  }

  const admin = new AdminClient({ target, token, tls: values.tls });
  try {
    for await (const notification of admin.notifications({ pageSize })) {
      console.log(notification.name);
    }
    return 0;
  } catch (err) {
    if (err instanceof NotificationsError) {
      console.error(`error: ${err.codeName}: ${err.message}${err.reason ? ` (${err.reason})` : ''}`);
      return 1;
    }
    throw err;
  } finally {
    admin.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
