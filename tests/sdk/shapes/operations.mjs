// The operations of the official SDK, read from the SDK package itself: for every method of every
// resource client, its HTTP method, its path template and the TypeScript type it declares for
// the response body. Nothing here is written out by hand, so a new SDK method (and a new Confide
// endpoint a test calls through it) is known without touching this file.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The installed SDK: its directory and version. */
export function sdkPackage() {
  const manifest = require.resolve('intercom-client/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  return { dir: path.dirname(manifest), version };
}

/**
 * Splits a compiled client class into its methods: each starts on a line indented by four
 * spaces with `name(` (the public method, or its `__name` worker).
 */
function methodBodies(js) {
  const starts = [...js.matchAll(/^ {4}(?:async )?(?:__)?([A-Za-z]\w*)\([^)]*\) \{$/gm)];
  const bodies = new Map();
  starts.forEach((match, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : js.length;
    const name = match[1];
    bodies.set(name, (bodies.get(name) ?? '') + js.slice(match.index, end));
  });
  return bodies;
}

/** `Intercom.Admin | undefined` → `Intercom.Admin`; `void` → null. */
function bodyType(declared) {
  const parts = declared.split('|').map((p) => p.trim()).filter((p) => p !== 'undefined');
  const type = parts.join(' | ');
  return type === '' || type === 'void' ? null : type;
}

/** Every method's declared response type, from the client's declaration file. */
function declaredTypes(dts) {
  const types = new Map();
  for (const line of dts.split('\n')) {
    const m = /^ {4}([A-Za-z]\w*)\(.*\): (.+);$/.exec(line);
    if (!m) {
      continue;
    }
    const [, name, returned] = m;
    let inner = /^core\.HttpResponsePromise<(.+)>$/.exec(returned)?.[1];
    if (inner === undefined) {
      // A pager: Promise<core.Page<Item, Response>> — each page's body is the Response.
      const page = /^Promise<core\.Page<(.+)>>$/.exec(returned)?.[1];
      if (page !== undefined) {
        inner = splitTopLevel(page).at(-1);
      }
    }
    if (inner !== undefined) {
      types.set(name, bodyType(inner));
    }
  }
  return types;
}

/** Splits `A, B<C, D>` on its top-level commas. */
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '<' || c === '(' || c === '[') depth += 1;
    else if (c === '>' || c === ')' || c === ']') depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function templateRegex(template) {
  const source = template
    .split('/')
    .map((segment) => (/^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

let cached;

/**
 * Every SDK operation: { resource, name (e.g. contacts.find), method, template (e.g.
 * /contacts/{contact_id}), type (the response body's TypeScript type, null for none) }.
 * The `unstable` namespace (a preview API Confide refuses) is left out.
 */
export function sdkOperations() {
  if (cached) {
    return cached;
  }
  const resources = path.join(sdkPackage().dir, 'dist', 'cjs', 'api', 'resources');
  const operations = [];
  for (const resource of readdirSync(resources).sort()) {
    const client = path.join(resources, resource, 'client', 'Client.js');
    if (resource === 'unstable' || !existsSync(client)) {
      continue;
    }
    const types = declaredTypes(readFileSync(path.join(resources, resource, 'client', 'Client.d.ts'), 'utf8'));
    for (const [name, body] of methodBodies(readFileSync(client, 'utf8'))) {
      const call = /handleNonStatusCodeError\)\(_response\.error, _response\.rawResponse, "([A-Z]+)", "([^"]+)"\)/.exec(body);
      if (!call || !types.has(name)) {
        continue;
      }
      const [, method, template] = call;
      operations.push({
        resource,
        name: `${resource}.${name}`,
        method,
        template,
        type: types.get(name),
        regex: templateRegex(template),
        literals: template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length,
      });
    }
  }
  cached = operations;
  return operations;
}

/**
 * The SDK operations a request may be: same method, same path template. The most specific
 * template wins (`/contacts/search` over `/contacts/{contact_id}`); several SDK methods can share
 * one route (they then declare the same body, or the check accepts any of their types).
 */
export function operationsFor(method, pathname) {
  const candidates = sdkOperations().filter((op) => op.method === method && op.regex.test(pathname));
  const best = Math.max(-1, ...candidates.map((op) => op.literals));
  return candidates.filter((op) => op.literals === best);
}
