#!/usr/bin/env node
// Regenerates the TypeScript types of the API from the .proto files and copies those files into the
// package, where the client loads them at run time.
//
//   ../../proto/{notifications,google/rpc}/**.proto  ->  proto/      (read by @grpc/proto-loader at run time)
//   google/api/{http,annotations}.proto             ->  proto/      (the REST routes' options, which the
//                                                                    services import; from Debian's
//                                                                    golang-github-gogo-googleapis-dev)
//   types of every message, enum and service         ->  src/gen/    (proto-loader-gen-types)
//
// Both outputs are generated: never edit them, never commit them. PROTO_DIR overrides the source folder,
// GOOGLEAPIS_PROTO_DIR the folder holding google/api/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = resolve(process.env.PROTO_DIR ?? join(pkgDir, '..', '..', 'proto'));
const protoOut = join(pkgDir, 'proto');
const genOut = join(pkgDir, 'src', 'gen');
const googleapisDir = resolve(
  process.env.GOOGLEAPIS_PROTO_DIR ?? '/usr/share/gocode/src/github.com/gogo/googleapis',
);
const googleapisFiles = [join('google', 'api', 'http.proto'), join('google', 'api', 'annotations.proto')];

// The API's own files; google/protobuf/* (the well-known types) come bundled with protobufjs.
const roots = ['notifications', join('google', 'rpc')];

function protoFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...protoFiles(path));
    else if (entry.endsWith('.proto')) found.push(path);
  }
  return found;
}

for (const root of roots) {
  if (!existsSync(join(sourceDir, root))) {
    console.error(`generate: ${join(sourceDir, root)} not found (set PROTO_DIR to the API's proto folder)`);
    process.exit(1);
  }
}

for (const file of googleapisFiles) {
  if (!existsSync(join(googleapisDir, file))) {
    console.error(
      `generate: ${join(googleapisDir, file)} not found (apt-get install golang-github-gogo-googleapis-dev, ` +
        'or set GOOGLEAPIS_PROTO_DIR)',
    );
    process.exit(1);
  }
}

rmSync(protoOut, { recursive: true, force: true });
rmSync(genOut, { recursive: true, force: true });

const files = [];
for (const root of roots) {
  cpSync(join(sourceDir, root), join(protoOut, root), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || src.endsWith('.proto'),
  });
  files.push(...protoFiles(join(protoOut, root)).map((f) => relative(protoOut, f)));
}
for (const file of googleapisFiles) {
  cpSync(join(googleapisDir, file), join(protoOut, file));
}

// These options must match LOADER_OPTIONS in src/loader.ts, which decodes the messages the types describe.
const bin = join(pkgDir, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js');
execFileSync(
  process.execPath,
  [
    bin,
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--includeComments',
    '--grpcLib=@grpc/grpc-js',
    '--includeDirs',
    '.',
    '--outDir',
    genOut,
    ...files,
  ],
  { cwd: protoOut, stdio: ['ignore', 'ignore', 'inherit'] },
);

console.error(`generate: ${files.length} files from ${sourceDir} -> proto/, src/gen/`);
