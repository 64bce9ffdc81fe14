// What the three clients share: the channel, the credentials in metadata, deadlines, error mapping and
// paging.
import * as grpc from '@grpc/grpc-js';

import { NotificationsError } from './errors';

/** The package's version, sent in the user agent. */
export const VERSION = '0.1.0';

/** How every client is set up. */
export interface ClientOptions {
  /** The server, as `host:port` (any gRPC target name works, e.g. `dns:///notify.example.com:443`). */
  target: string;
  /** Each call's deadline in milliseconds; 0 or Infinity for none. Default 10000. */
  timeoutMs?: number;
  /**
   * Whether to use TLS (with the system's roots). Default false: plaintext, for a server on localhost or
   * behind a TLS-terminating proxy. Ignored when `credentials` is given.
   */
  tls?: boolean;
  /** Channel credentials to use instead of the ones `tls` picks, e.g. TLS with a private CA. */
  credentials?: grpc.ChannelCredentials;
  /** Extra gRPC channel options, such as `grpc.keepalive_time_ms`. */
  channelOptions?: grpc.ChannelOptions;
}

/** Options of one call. */
export interface CallOptions {
  /** This call's deadline in milliseconds, instead of the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Cancels the call when aborted; the promise then rejects with code CANCELLED. */
  signal?: AbortSignal;
}

/** The options of a list call: its page size, plus the list's filters. */
export interface PageOptions {
  /** Most results a page; 0 or unset lets the server choose (15). */
  pageSize?: number;
  /** The `nextPageToken` of the previous page; unset or empty for the first page. */
  pageToken?: string;
}

type Invoke<T> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<T>,
) => grpc.ClientUnaryCall;

/** A gRPC service constructor, as grpc.loadPackageDefinition makes them. */
export type ServiceConstructor<S extends grpc.Client> = new (
  target: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => S;

/** The channel, credentials and call plumbing under AdminClient, UserClient and WebhookClient. */
export abstract class BaseClient<S extends grpc.Client> {
  /** The generated gRPC stub, for anything the wrapper does not cover. */
  readonly stub: S;
  private readonly timeoutMs: number;
  private readonly authorization: string;

  protected constructor(service: ServiceConstructor<S>, options: ClientOptions, authorization: string) {
    if (!options || typeof options.target !== 'string' || options.target === '') {
      throw new TypeError('a target (host:port) is required');
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!(timeoutMs >= 0)) throw new RangeError('timeoutMs must be 0 or more');
    this.timeoutMs = timeoutMs;
    this.authorization = authorization;
    const credentials =
      options.credentials ?? (options.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
    this.stub = new service(options.target, credentials, {
      'grpc.primary_user_agent': `rehive-notifications-node/${VERSION}`,
      ...options.channelOptions,
    });
  }

  /** Closes the channel. Calls made afterwards fail; calls in flight finish. */
  close(): void {
    this.stub.close();
  }

  /**
   * Makes one unary call with the client's credentials and a deadline, resolving with the response or
   * rejecting with a NotificationsError.
   */
  protected call<T>(invoke: Invoke<T>, options: CallOptions = {}): Promise<T> {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', this.authorization);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const callOptions: grpc.CallOptions = {};
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) callOptions.deadline = new Date(Date.now() + timeoutMs);
    const { signal } = options;
    if (signal?.aborted) {
      return Promise.reject(new NotificationsError(grpc.status.CANCELLED, 'the call was aborted before it started'));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = invoke(metadata, callOptions, (err, response) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(NotificationsError.fromServiceError(err));
        else if (response === undefined) reject(new NotificationsError(grpc.status.INTERNAL, 'the server sent no response'));
        else resolve(response);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Iterates over every item of a paged list: fetches a page, yields its items, and follows
 * `nextPageToken` until it is empty. Pages are fetched as the iteration reaches them.
 */
export async function* paginate<Item, Page extends { nextPageToken: string }>(
  fetchPage: (pageToken: string) => Promise<Page>,
  items: (page: Page) => Item[],
): AsyncGenerator<Item, void, undefined> {
  let pageToken = '';
  const seen = new Set<string>();
  do {
    const page = await fetchPage(pageToken);
    yield* items(page);
    pageToken = page.nextPageToken;
    // A server that hands out a token twice would otherwise loop forever.
    if (pageToken !== '' && seen.has(pageToken)) {
      throw new NotificationsError(grpc.status.INTERNAL, `the server repeated the page token ${pageToken}`);
    }
    seen.add(pageToken);
  } while (pageToken !== '');
}

/** A response's message field, which the server always sets; rejects a response that lacks it. */
export function present<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) {
    throw new NotificationsError(grpc.status.INTERNAL, `the server's response has no ${field}`);
  }
  return value;
}
