// Loads the API's .proto files (copied into the package by `npm run generate`) once per process, for
// @grpc/grpc-js to build the service stubs from, and for protobufjs to decode error details with.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';

import type { ProtoGrpcType as AdminProto } from './gen/admin_service';
import type { ProtoGrpcType as UserProto } from './gen/user_service';
import type { ProtoGrpcType as WebhookProto } from './gen/webhook_service';

/** Where the .proto files live at run time: `<package>/proto`, filled by `npm run generate`. */
export const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

const SERVICE_FILES = [
  'notifications/v1/admin_service.proto',
  'notifications/v1/user_service.proto',
  'notifications/v1/webhook_service.proto',
];

const ERROR_FILES = ['google/rpc/status.proto', 'google/rpc/error_details.proto'];

/**
 * How messages are turned into JavaScript objects. These must match the flags that
 * scripts/generate.mjs gives proto-loader-gen-types, since the generated types describe these objects:
 * camelCase field names, 64-bit integers as strings, enums as their names, every field present with
 * its default, and each oneof as a property naming the field that is set.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** The three services' constructors, typed by the generated code. */
export type Api = AdminProto & UserProto & WebhookProto;

let api: Api | undefined;

/** Returns the loaded API, loading it on first use. */
export function loadApi(): Api {
  if (!api) {
    const definition = protoLoader.loadSync(SERVICE_FILES, LOADER_OPTIONS);
    api = grpc.loadPackageDefinition(definition) as unknown as Api;
  }
  return api;
}

/** The protobufjs types of the error model: google.rpc.Status, ErrorInfo and RetryInfo. */
export interface ErrorTypes {
  status: protobuf.Type;
  errorInfo: protobuf.Type;
  retryInfo: protobuf.Type;
}

let errorTypes: ErrorTypes | undefined;

/** Returns the error model's types, loading them on first use. Field names stay as in the .proto. */
export function loadErrorTypes(): ErrorTypes {
  if (!errorTypes) {
    const root = new protobuf.Root();
    // Imports name files from the proto folder's root; google/protobuf/* come bundled with protobufjs.
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
    root.loadSync(ERROR_FILES, { keepCase: true });
    errorTypes = {
      status: root.lookupType('google.rpc.Status'),
      errorInfo: root.lookupType('google.rpc.ErrorInfo'),
      retryInfo: root.lookupType('google.rpc.RetryInfo'),
    };
  }
  return errorTypes;
}
