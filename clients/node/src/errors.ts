// The one error type the clients reject with, built from a gRPC status and the google.rpc.Status the
// server sends in the `grpc-status-details-bin` trailer.
import * as grpc from '@grpc/grpc-js';

import { loadErrorTypes } from './loader';

/** The gRPC status codes, by name: `StatusCode.NOT_FOUND === 5`. */
export const StatusCode = grpc.status;

/** The domain of the ErrorInfo reasons this API sends. */
export const ERROR_DOMAIN = 'notifications.v1';

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const ERROR_INFO_TYPE = 'google.rpc.ErrorInfo';
const RETRY_INFO_TYPE = 'google.rpc.RetryInfo';

/** The parts of a google.rpc.Status that the clients read. */
export interface DecodedStatus {
  /** The gRPC status code. */
  code: number;
  /** The message for developers. */
  message: string;
  /** ErrorInfo.reason, such as NOTIFICATION_NOT_FOUND, when the details hold an ErrorInfo. */
  reason?: string;
  /** ErrorInfo.domain, "notifications.v1" for this API. */
  domain?: string;
  /** ErrorInfo.metadata, such as { field: "name" }; empty without an ErrorInfo. */
  metadata: Record<string, string>;
  /** RetryInfo.retry_delay in seconds, when the details hold a RetryInfo. */
  retryAfterSeconds?: number;
}

/** The name of a gRPC status code, such as "NOT_FOUND"; "UNKNOWN_CODE_<n>" for one outside the list. */
export function statusCodeName(code: number): string {
  const name = (grpc.status as unknown as Record<number, string | undefined>)[code];
  return typeof name === 'string' ? name : `UNKNOWN_CODE_${code}`;
}

function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (value && typeof value === 'object' && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber();
  }
  return 0;
}

/**
 * Decodes a serialized google.rpc.Status, reading its ErrorInfo and RetryInfo details (other details are
 * skipped). Throws if the bytes are not a Status.
 */
export function decodeStatus(bytes: Uint8Array): DecodedStatus {
  const types = loadErrorTypes();
  const status = types.status.toObject(types.status.decode(bytes), { defaults: true, longs: Number }) as {
    code: number;
    message: string;
    details: { type_url: string; value: Uint8Array }[];
  };
  const decoded: DecodedStatus = { code: status.code, message: status.message, metadata: {} };
  for (const detail of status.details) {
    // A type URL is "<host>/<full message name>"; only the name matters.
    const typeName = detail.type_url.slice(detail.type_url.lastIndexOf('/') + 1);
    if (typeName === ERROR_INFO_TYPE && decoded.reason === undefined) {
      const info = types.errorInfo.toObject(types.errorInfo.decode(detail.value), { defaults: true }) as {
        reason: string;
        domain: string;
        metadata: Record<string, string>;
      };
      decoded.reason = info.reason;
      decoded.domain = info.domain;
      decoded.metadata = { ...info.metadata };
    } else if (typeName === RETRY_INFO_TYPE && decoded.retryAfterSeconds === undefined) {
      const retry = types.retryInfo.toObject(types.retryInfo.decode(detail.value), { longs: Number }) as {
        retry_delay?: { seconds?: unknown; nanos?: number };
      };
      if (retry.retry_delay) {
        decoded.retryAfterSeconds = longToNumber(retry.retry_delay.seconds) + (retry.retry_delay.nanos ?? 0) / 1e9;
      }
    }
  }
  return decoded;
}

/**
 * Why a call failed. `code` is the gRPC status code (compare with `StatusCode.NOT_FOUND`), `codeName` its
 * name; `reason`, `domain`, `field` and `errorMetadata` come from the server's google.rpc.ErrorInfo and
 * `retryAfterSeconds` from its google.rpc.RetryInfo, when it sent them. Errors made on this side (a
 * deadline passed, the server could not be reached) have a code and message only.
 */
export class NotificationsError extends Error {
  override readonly name = 'NotificationsError';
  /** The gRPC status code, e.g. 5 (`StatusCode.NOT_FOUND`). */
  readonly code: number;
  /** The status code's name, e.g. "NOT_FOUND". */
  readonly codeName: string;
  /** The machine-readable reason, e.g. "NOTIFICATION_NOT_FOUND"; see ErrorReason in resources.proto. */
  readonly reason?: string;
  /** The reason's domain, "notifications.v1". */
  readonly domain?: string;
  /** The request field at fault (ErrorInfo metadata `field`), for INVALID_ARGUMENT and the like. */
  readonly field?: string;
  /** Every ErrorInfo metadata entry. */
  readonly errorMetadata: Readonly<Record<string, string>>;
  /** How many seconds to wait before trying again, when the server said (RetryInfo). */
  readonly retryAfterSeconds?: number;
  /** The call's trailing metadata, when there was any. */
  readonly trailers?: grpc.Metadata;

  constructor(
    code: number,
    message: string,
    details: Partial<Omit<DecodedStatus, 'code' | 'message'>> = {},
    options: { trailers?: grpc.Metadata; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.codeName = statusCodeName(code);
    this.reason = details.reason || undefined;
    this.domain = details.domain || undefined;
    this.errorMetadata = Object.freeze({ ...(details.metadata ?? {}) });
    this.field = this.errorMetadata.field || undefined;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.trailers = options.trailers;
  }

  /** Builds the error from what @grpc/grpc-js rejected a call with, decoding its status details. */
  static fromServiceError(err: Partial<grpc.ServiceError> & Error): NotificationsError {
    const code = typeof err.code === 'number' ? err.code : grpc.status.UNKNOWN;
    let message = typeof err.details === 'string' ? err.details : err.message;
    let details: Partial<DecodedStatus> = {};
    const raw = err.metadata?.get(STATUS_DETAILS_KEY)[0];
    if (raw !== undefined && typeof raw !== 'string') {
      try {
        details = decodeStatus(raw);
        if (details.message) message = details.message;
      } catch {
        // Undecodable details: keep the code and the message grpc-js gave.
      }
    }
    if (!message) message = `the server answered ${statusCodeName(code)} without a message`;
    const error = new NotificationsError(code, message, details, { trailers: err.metadata, cause: err });
    // grpc-js records where the call was made; that stack says more than the callback's.
    const callSite = err.stack?.split('\nfor call at\n')[1];
    if (callSite) error.stack = `${error.name}: ${error.message}\n${callSite}`;
    return error;
  }

  /** The error in one line: `NOT_FOUND: no such notification (NOTIFICATION_NOT_FOUND)`. */
  override toString(): string {
    return `${this.codeName}: ${this.message}${this.reason ? ` (${this.reason})` : ''}`;
  }
}

/** Whether `err` is a NotificationsError, optionally of the given reason. */
export function isNotificationsError(err: unknown, reason?: string): err is NotificationsError {
  return err instanceof NotificationsError && (reason === undefined || err.reason === reason);
}
