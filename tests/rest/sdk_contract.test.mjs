// The platform's SDK is the authority for the REST face (its types.gen.ts and sdk.gen.ts are
// generated from the official extension's OpenAPI schema): every operation it has must be in our
// OpenAPI document, with the same method and path, every query parameter it sends, every body
// field it writes, the status code it expects, and every field it reads from the answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { http } from './env.mjs';

// The package's sources, as npm installed them beside this file.
const sdkDir = fileURLToPath(new URL('node_modules/rehive/src/extensions/notifications/openapi-ts/', import.meta.url));
const types = readFileSync(join(sdkDir, 'types.gen.ts'), 'utf8');
const functions = readFileSync(join(sdkDir, 'sdk.gen.ts'), 'utf8');

// Where we answer differently on purpose, and why.
const EXCEPTIONS = {
  // CONTRACT.md section 1: a delete answers {"status": "success"} without data.
  deleteData: 'a delete answers the envelope alone',
  // The webhook's body is the platform's event, passed on as raw JSON bytes (not a message).
  webhookBody: 'the webhook body is the raw event',
};

/** The top-level members of every `export type X = { ... };` in types.gen.ts. */
function objectTypes(source) {
  const out = {};
  const re = /^export type (\w+) = \{$/gm;
  let m;
  while ((m = re.exec(source)) !== null) {
    let depth = 1;
    let i = re.lastIndex;
    const members = [];
    let line = '';
    for (; i < source.length && depth > 0; i++) {
      const c = source[i];
      if (c === '{') depth++;
      if (c === '}') depth--;
      if (c === '\n') {
        if (depth === 1) {
          const prop = /^\s{4}(readonly )?(['\w]+)(\?)?: (.*?);?$/.exec(line);
          if (prop && !line.trim().startsWith('*') && !line.trim().startsWith('/')) {
            members.push({ name: prop[2].replace(/'/g, ''), readonly: !!prop[1], optional: !!prop[3], type: prop[4] });
          }
        }
        line = '';
      } else {
        line += c;
      }
    }
    out[m[1]] = members;
  }
  return out;
}

const typeMembers = objectTypes(types);
const member = (type, name) => (typeMembers[type] ?? []).find((p) => p.name === name);
const propertiesOf = (type) => (typeMembers[type] ?? []).map((p) => p.name);

/** Every SDK operation: {fn, method, url, query[], body type, status, response type}. */
function operations() {
  const ops = [];
  const re = /export const (\w+) = .*?\.(get|post|put|patch|delete)<(\w+)Responses,[\s\S]*?url: '([^']+)'/g;
  let m;
  while ((m = re.exec(functions)) !== null) {
    const [, fn, method, name, url] = m;
    const data = `${name}Data`;
    // A query type spans lines: read it from the type's source.
    const block = new RegExp(`export type ${data} = \\{[\\s\\S]*?\\n\\};`).exec(types)[0];
    const queryBlock = /query\?: \{([\s\S]*?)\n {4}\};/.exec(block);
    const queryParams = queryBlock ? [...queryBlock[1].matchAll(/(\w+)\?:/g)].map((q) => q[1]) : [];
    const body = /body\??: (\w+);/.exec(block);
    const responses = new RegExp(`export type ${name}Responses = \\{\\s*(\\d+): (\\w+);`).exec(types);
    ops.push({
      fn, method, url, query: queryParams, body: body ? body[1] : null,
      status: responses[1], response: responses[2],
    });
  }
  return ops;
}

const normalize = (path) => path.replace(/\{[^}]+\}/g, '{}');

test("every operation of the platform's SDK is in our OpenAPI document, in its shapes", async (t) => {
  const schema = (await http('GET', 'schema/')).body;
  assert.equal(schema.openapi, '3.1.0');
  const paths = {};
  for (const [path, item] of Object.entries(schema.paths)) {
    assert.ok(!paths[normalize(path)], `${path}: another path differs from it only by a variable's name`);
    paths[normalize(path)] = item;
  }
  const resolve = (s) => (s && s.$ref ? schema.components.schemas[s.$ref.split('/').pop()] : s);
  const propertiesIn = (s) => {
    s = resolve(s);
    if (!s) return [];
    if (s.allOf) return s.allOf.flatMap(propertiesIn);
    return Object.keys(s.properties ?? {});
  };

  const ops = operations();
  assert.ok(ops.length >= 40, `read ${ops.length} operations from the SDK`);
  for (const op of ops) {
    const where = `${op.fn} (${op.method.toUpperCase()} ${op.url})`;
    const item = paths[normalize(op.url)];
    assert.ok(item, `${where}: no such path`);
    const ours = item[op.method];
    assert.ok(ours, `${where}: the path has no ${op.method}`);

    const params = (ours.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    for (const q of op.query) assert.ok(params.includes(q), `${where}: query parameter ${q}`);

    assert.ok(ours.responses[op.status], `${where}: answers ${Object.keys(ours.responses)[0]}, the SDK expects ${op.status}`);

    if (op.body && op.url !== '/webhook/' && op.url !== '/admin/webhook/') {
      const accepted = propertiesIn(ours.requestBody?.content?.['application/json']?.schema);
      for (const p of typeMembers[op.body] ?? []) {
        if (p.readonly) continue;
        assert.ok(accepted.includes(p.name), `${where}: body field ${p.name}`);
      }
    } else if (op.body) {
      t.diagnostic(`${where}: ${EXCEPTIONS.webhookBody}`);
    }

    const envelope = resolve(ours.responses[op.status].content['application/json'].schema);
    const data = member(op.response, 'data');
    if (!data) continue;  // The SDK reads the envelope alone.
    if (op.method === 'delete') {
      t.diagnostic(`${where}: ${EXCEPTIONS.deleteData}`);
      continue;
    }
    assert.ok(envelope.properties.data, `${where}: answers no data`);
    let dataSchema = resolve(envelope.properties.data);
    let sdkType = data.type;
    const results = member(sdkType, 'results');
    if (results) {
      for (const key of ['count', 'next', 'previous', 'results']) {
        assert.ok(dataSchema.properties[key], `${where}: page field ${key}`);
      }
      dataSchema = resolve(dataSchema.properties.results.items);
      sdkType = /Array<(\w+)>/.exec(results.type)[1];
    }
    const answered = propertiesIn(dataSchema);
    for (const name of propertiesOf(sdkType)) {
      assert.ok(answered.includes(name), `${where}: answer field ${name} (${sdkType})`);
    }
  }
});
