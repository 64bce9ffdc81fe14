// Conversions between the wire's well-known types and plain JavaScript values.
import type { Struct, StructInput, Timestamp, TimestampInput, Value, ValueInput } from './types';

/** A JSON-like value, as a google.protobuf.Value holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON-like object, as a google.protobuf.Struct holds. */
export type JsonObject = { [key: string]: JsonValue };

/** A Date (or an epoch in milliseconds) as a google.protobuf.Timestamp. */
export function toTimestamp(time: Date | number | TimestampInput): TimestampInput {
  if (time instanceof Date || typeof time === 'number') {
    const ms = time instanceof Date ? time.getTime() : time;
    if (!Number.isFinite(ms)) throw new RangeError('toTimestamp: not a valid time');
    const seconds = Math.floor(ms / 1000);
    return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
  }
  return time;
}

/** A google.protobuf.Timestamp as a Date (millisecond precision); undefined for an unset one. */
export function timestampToDate(ts: Timestamp | TimestampInput | null | undefined): Date | undefined {
  if (!ts) return undefined;
  const seconds = Number(ts.seconds ?? 0);
  const nanos = ts.nanos ?? 0;
  if (seconds === 0 && nanos === 0) return undefined;
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}

/** A JavaScript value as a google.protobuf.Value. `undefined` members of objects are left out. */
export function toValue(value: JsonValue): ValueInput {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  switch (typeof value) {
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'object':
      if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
      return { structValue: toStruct(value) };
    default:
      throw new TypeError(`toValue: a ${typeof value} has no google.protobuf.Value form`);
  }
}

/** A plain object as a google.protobuf.Struct. */
export function toStruct(object: JsonObject): StructInput {
  const fields: Record<string, ValueInput> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = toValue(value);
  }
  return { fields };
}

/** A google.protobuf.Value as a JavaScript value. */
export function fromValue(value: Value | null | undefined): JsonValue {
  if (!value) return null;
  switch (value.kind) {
    case 'boolValue':
      return value.boolValue ?? false;
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'stringValue':
      return value.stringValue ?? '';
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    case 'structValue':
      return fromStruct(value.structValue);
    default:
      return null;
  }
}

/** A google.protobuf.Struct (such as Event.data) as a plain object; {} for an unset one. */
export function fromStruct(struct: Struct | null | undefined): JsonObject {
  const object: JsonObject = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) object[key] = fromValue(value);
  return object;
}

/**
 * Field-mask paths as the server expects them: the .proto's snake_case names. This client's objects use
 * camelCase, so either spelling is accepted: "preferenceEnabled" and "preference_enabled" are one path,
 * and "twilio.authToken" becomes "twilio.auth_token".
 */
export function toMaskPaths(paths: readonly string[]): string[] {
  return paths.map((path) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}
