// Checks every 2xx body the SDK receives against the response type the SDK declares for the
// operation (see operations.mjs and schemas.mjs), with the documented departures
// (departures.mjs). Failures name the operation and the JSON pointer of the key, never a value.

import { alternatives, departures } from './departures.mjs';
import { operationsFor, sdkOperations } from './operations.mjs';
import { loadSchemas } from './schemas.mjs';

/**
 * The SDK resources whose response types are generated before the tests run: every family
 * Confide serves or is building. A 2xx answer of any other operation is a failure (its type is
 * then generated on the spot, to say what is wrong).
 */
export const RESOURCES = [
  'admins', 'teams', 'contacts', 'tags', 'notes', 'conversations', 'companies', 'dataAttributes',
  'events', 'messages', 'visitors', 'segments', 'subscriptionTypes', 'dataExport',
];

const SCHEMA_ID = 'sdk-response-types';

/**
 * The SDK declares Intercom's nullable members as optional (`email?: string`), while Intercom
 * (and Confide) answer them as null. So an optional member may be absent or null; a member the
 * SDK requires must be there, and not null unless its type says so.
 */
function allowNullWhereOptional(schema) {
  if (schema === null || typeof schema !== 'object') {
    return;
  }
  if (Array.isArray(schema)) {
    schema.forEach(allowNullWhereOptional);
    return;
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    allowNullWhereOptional(schema[key]);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    allowNullWhereOptional(schema[key]);
  }
  if (schema.properties) {
    const required = new Set(schema.required ?? []);
    for (const [name, member] of Object.entries(schema.properties)) {
      allowNullWhereOptional(member);
      if (!required.has(name) && Object.keys(member).length > 0) {
        schema.properties[name] = { anyOf: [member, { type: 'null' }] };
      }
    }
  }
}

/**
 * The generator renders the SDK's enumerations (`(typeof X)[keyof typeof X]`) as their constants
 * plus an empty schema that would let anything through; the empty member is dropped, so the
 * constants are what is checked.
 */
function tightenEnumerations(schema) {
  if (schema === null || typeof schema !== 'object') {
    return;
  }
  if (Array.isArray(schema)) {
    schema.forEach(tightenEnumerations);
    return;
  }
  for (const value of Object.values(schema)) {
    tightenEnumerations(value);
  }
  if (Array.isArray(schema.anyOf)) {
    const constants = schema.anyOf.filter((m) => 'const' in m);
    const empty = schema.anyOf.filter((m) => Object.keys(m).length === 0);
    if (constants.length > 0 && constants.length + empty.length === schema.anyOf.length) {
      schema.anyOf = constants;
    }
  }
}

/** Applies each departure to the definitions it names; returns the departures that found their member. */
function applyDepartures(definitions) {
  const applied = new Set();
  for (const departure of departures) {
    for (const type of departure.types) {
      const definition = definitions[type];
      if (!definition?.properties) {
        continue;
      }
      if (!(departure.member in definition.properties)) {
        throw new Error(`departure ${type}.${departure.member}: the SDK's ${type} has no such member; update tests/sdk/shapes/departures.mjs`);
      }
      definition.properties[departure.member] = structuredClone(departure.schema);
      applied.add(departure);
    }
  }
  return applied;
}

function escapePointer(segment) {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Ajv's errors as `pointer: what`, one line per pointer. Messages are Ajv's (`must be string`,
 * `must be equal to one of the allowed values`): they never quote the value.
 */
function describeErrors(errors) {
  const byPointer = new Map();
  for (const error of errors) {
    let pointer = error.instancePath || '';
    let message = error.message ?? error.keyword;
    if (error.keyword === 'required') {
      pointer = `${pointer}/${escapePointer(error.params.missingProperty)}`;
      message = 'is missing (the SDK requires it)';
    } else if (error.keyword === 'const' || error.keyword === 'enum') {
      const allowed = error.params.allowedValue ?? error.params.allowedValues;
      message = `must be ${JSON.stringify(allowed)}`;
    }
    const messages = byPointer.get(pointer) ?? new Set();
    messages.add(message);
    byPointer.set(pointer, messages);
  }
  const lines = [];
  const pointers = [...byPointer.keys()];
  for (const [pointer, messages] of byPointer) {
    const specific = [...messages].filter((m) => !/^must match (a schema in anyOf|exactly one schema in oneOf)$/.test(m));
    // "must be null" beside a failing member inside it says only that the member may be null.
    if (specific.every((m) => m === 'must be null') && pointers.some((p) => p.startsWith(`${pointer}/`))) {
      continue;
    }
    lines.push(`${pointer || '(the body)'}: ${(specific.length > 0 ? specific : [...messages]).join(' or ')}`);
  }
  return lines;
}

/** One checker per test file: the fetch the SDK client is given, and the checks. */
export function createShapeChecker({ baseUrl }) {
  const basePath = new URL(baseUrl).pathname.replace(/\/$/, '');
  const pending = [];
  const validated = new Map(); // operation name → number of bodies checked
  let ajv;
  let roots = {};
  let definitions = {};
  let appliedDepartures = new Set();
  const validators = new Map();
  let schemaInfo;

  async function fetchAndRecord(input, init) {
    const response = await globalThis.fetch(input, init);
    if (response.ok) {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const method = (init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
      const text = await response.clone().text();
      pending.push({ method, pathname: url.pathname.slice(basePath.length) || '/', status: response.status, text });
    }
    return response;
  }

  async function prepare() {
    const { default: ajvModule } = await import('ajv');
    const Ajv = ajvModule.default ?? ajvModule;
    const expressions = sdkOperations()
      .filter((op) => RESOURCES.includes(op.resource) && op.type !== null)
      .map((op) => op.type)
      .concat(alternatives.map((a) => a.type));
    const loaded = await loadSchemas(expressions);
    roots = loaded.roots;
    definitions = structuredClone(loaded.definitions);
    tightenEnumerations(Object.values(definitions));
    schemaInfo = { types: Object.keys(roots).length, cached: loaded.cached, generatedInMs: loaded.generatedInMs, errors: loaded.errors ?? {} };
    appliedDepartures = applyDepartures(definitions);
    allowNullWhereOptional(Object.values(definitions));
    ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    ajv.addSchema({ $id: SCHEMA_ID, definitions });
    return schemaInfo;
  }

  function resolve(name) {
    let definition = definitions[name];
    while (definition?.$ref && Object.keys(definition).length === 1) {
      name = decodeURIComponent(definition.$ref.replace('#/definitions/', ''));
      definition = definitions[name];
    }
    return { name, definition };
  }

  /** The constant a type's `type` member must hold, if it names one. */
  function typeConstant(name) {
    const member = resolve(name).definition?.properties?.type;
    return member?.const ?? member?.anyOf?.find((m) => 'const' in m)?.const;
  }

  /** The schema to check a body against: for a union told apart by `type`, the matching member. */
  function validatorFor(alias, body) {
    let { name, definition } = resolve(alias);
    const members = definition?.anyOf?.filter((m) => m.$ref) ?? [];
    if (members.length > 0 && members.length === definition.anyOf.length && body && typeof body === 'object') {
      for (const member of members) {
        const memberName = decodeURIComponent(member.$ref.replace('#/definitions/', ''));
        const constant = typeConstant(memberName);
        if (constant !== undefined && constant === body.type) {
          name = memberName;
          break;
        }
      }
    }
    if (!validators.has(name)) {
      validators.set(name, ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/${encodeURIComponent(name)}` }));
    }
    return validators.get(name);
  }

  /** Checks the bodies received since the last call; returns one message per failing operation. */
  function checkPending() {
    const failures = [];
    for (const record of pending.splice(0)) {
      const candidates = operationsFor(record.method, record.pathname);
      if (candidates.length === 0) {
        failures.push(`${record.method} ${record.pathname.replace(/[^/]{20,}/g, '{id}')}: answered ${record.status}, but no SDK operation has this route`);
        continue;
      }
      const op = candidates[0];
      const label = `${op.method} ${op.template} (${op.name}, ${op.type ?? 'no body'})`;
      validated.set(op.name, (validated.get(op.name) ?? 0) + 1);
      if (op.type === null) {
        continue;
      }
      if (!(op.type in roots)) {
        failures.push(`${label}: answered ${record.status}, but its family is not one Confide serves (tests/sdk/shapes/shapes.mjs, RESOURCES)`);
        continue;
      }
      if (schemaInfo.errors[op.type]) {
        failures.push(`${label}: no schema could be generated: ${schemaInfo.errors[op.type]}`);
        continue;
      }
      let body;
      try {
        body = JSON.parse(record.text);
      } catch {
        failures.push(`${label}: answered ${record.status} with a body that is not JSON (${record.text.length} characters)`);
        continue;
      }
      // The declared type, or a documented alternative: the one whose `type` the body names, else any.
      const types = [op.type, ...alternatives.filter((a) => a.operation === op.name).map((a) => a.type)];
      const named = types.filter((t) => body && typeof body === 'object' && typeConstant(roots[t]) === body.type);
      const tried = (named.length > 0 ? named : types).map((t) => validatorFor(roots[t], body));
      if (!tried.some((validate) => validate(body))) {
        failures.push(`${label}:\n${describeErrors(tried[0].errors).map((l) => `    ${l}`).join('\n')}`);
      }
    }
    return failures;
  }

  return {
    fetch: fetchAndRecord,
    prepare,
    checkPending,
    /** Throws an AssertionError-like error listing every body that does not match its SDK type. */
    assertPending() {
      const failures = checkPending();
      if (failures.length > 0) {
        const error = new Error(`response bodies that do not match the SDK's types:\n  ${failures.join('\n  ')}`);
        error.name = 'ShapeError';
        throw error;
      }
    },
    validated: () => new Map(validated),
    departures: () => [...appliedDepartures],
  };
}
