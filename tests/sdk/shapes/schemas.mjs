// JSON Schemas of the SDK's response types, generated from the SDK's own TypeScript declarations
// (ts-json-schema-generator) when the tests run, so nothing of Intercom's text is kept in this
// repository. Generated once per SDK and generator version and cached on disk
// (CONFIDE_SDK_SCHEMA_CACHE, default the system temp directory): the second provider's run, and
// any later run, reuses the file.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { sdkPackage } from './operations.mjs';

const require = createRequire(import.meta.url);

/** Bump when what this file writes changes, so older caches are not read. */
const FORMAT = 1;

/** `Intercom.Contact` → `Sdk_Contact`; `Intercom.AwayStatusReason[]` → `Sdk_AwayStatusReason_Array`. */
export function aliasOf(typeExpression) {
  return `Sdk_${typeExpression.replace(/Intercom\./g, '').replace(/\[\]/g, '_Array').replace(/\W+/g, '_')}`;
}

function generatorVersion() {
  const manifest = require.resolve('ts-json-schema-generator/package.json');
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function cacheDir() {
  return process.env.CONFIDE_SDK_SCHEMA_CACHE || path.join(os.tmpdir(), 'confide-sdk-schemas');
}

/**
 * Generates the schemas of the given TypeScript type expressions (over the SDK's namespace
 * `Intercom`). Returns { definitions, roots: { expression: alias } }: every alias is a key of
 * `definitions`, and each definition refers to the others by `#/definitions/Name`.
 */
async function generate(expressions, workDir) {
  const { createGenerator } = await import('ts-json-schema-generator');
  const sdk = sdkPackage();
  const entry = path.join(workDir, 'sdk-response-types.ts');
  const types = path.join(sdk.dir, 'dist', 'cjs', 'index.js');
  const lines = [`import type { Intercom } from ${JSON.stringify(types)};`];
  for (const expression of expressions) {
    lines.push(`export type ${aliasOf(expression)} = ${expression};`);
  }
  writeFileSync(entry, `${lines.join('\n')}\n`);
  const tsconfig = path.join(workDir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, skipLibCheck: true, noEmit: true, types: [] },
    files: [entry],
  }));

  const generator = createGenerator({
    path: entry,
    tsconfig,
    type: '*',
    expose: 'export',
    topRef: true,
    jsDoc: 'none',
    skipTypeCheck: true,
    // Intercom adds members over time; a body with more keys than the SDK knows is still its type.
    additionalProperties: true,
  });
  const definitions = {};
  const roots = {};
  const errors = {};
  for (const expression of expressions) {
    const alias = aliasOf(expression);
    roots[expression] = alias;
    let schema;
    try {
      schema = generator.createSchema(alias);
    } catch (error) {
      // One type the generator cannot express fails its own operation, not the others.
      errors[expression] = String(error?.message ?? error).split('\n')[0];
      continue;
    }
    Object.assign(definitions, schema.definitions ?? {});
    if (!definitions[alias]) {
      const { $schema, definitions: _, ...rest } = schema;
      definitions[alias] = rest;
    }
  }
  return { definitions, roots, errors };
}

/**
 * The schemas of the given type expressions, from the cache when it holds them all, else
 * generated (all of them in one TypeScript program) and cached.
 */
export async function loadSchemas(expressions) {
  const wanted = [...new Set(expressions)].sort();
  const sdk = sdkPackage();
  const key = createHash('sha256')
    .update(JSON.stringify({ format: FORMAT, sdk: sdk.version, generator: generatorVersion(), types: wanted }))
    .digest('hex')
    .slice(0, 16);
  const dir = cacheDir();
  const file = path.join(dir, `intercom-client-${sdk.version}-${key}.json`);
  if (existsSync(file)) {
    try {
      return { ...JSON.parse(readFileSync(file, 'utf8')), cached: true };
    } catch {
      // A torn or foreign file: generate again.
    }
  }
  const workDir = path.join(dir, `work-${key}-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  let generated;
  try {
    generated = await generate(wanted, workDir);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const result = { sdk: sdk.version, generatedInMs: Date.now() - started, ...generated };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(result));
  renameSync(temp, file);
  return { ...result, cached: false };
}
