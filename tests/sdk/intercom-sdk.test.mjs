// Drives a running Confide server through the official Intercom Node SDK, and nothing else.
//
// Environment:
//   CONFIDE_BASE_URL     regional API base URL, e.g. https://localhost:17444
//   CONFIDE_TOKEN        an API access token of a workspace in that region
//   CONFIDE_OWNER_ID     the workspace owner's admin id (the token's teammate)
//   NODE_EXTRA_CA_CERTS  the server's CA certificate (PEM), read by node at start-up
//
// Run: cd tests/sdk && npm ci && node --test
//
// Tests run in order within this file and share the objects they create; every run uses fresh
// emails and external ids, so the suite can run again against the same workspace.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, before, describe, test } from 'node:test';
import { IntercomClient, IntercomError } from 'intercom-client';
import { sdkPackage } from './shapes/operations.mjs';
import { createShapeChecker } from './shapes/shapes.mjs';
import { describeResponseShapes } from './shapes/walk.mjs';

const BASE_URL = required('CONFIDE_BASE_URL');
const TOKEN = required('CONFIDE_TOKEN');
const OWNER_ID = required('CONFIDE_OWNER_ID');
required('NODE_EXTRA_CA_CERTS');

// Every 2xx body this client receives is checked against the type the SDK declares for the
// operation (tests/sdk/shapes): after each test, a body that does not match fails that test.
const shapes = createShapeChecker({ baseUrl: BASE_URL });
const client = new IntercomClient({ token: TOKEN, baseUrl: BASE_URL, fetch: shapes.fetch });
before(async () => {
  const schemas = await shapes.prepare();
  const failed = Object.keys(schemas.errors);
  process.stderr.write(`# SDK response schemas: ${schemas.types} types, ${schemas.cached ? 'from the cache' : `generated in ${schemas.generatedInMs} ms`}${failed.length > 0 ? `; not generated: ${failed.join(', ')}` : ''}\n`);
}, { timeout: 180_000 });
afterEach(() => shapes.assertPending());

const RUN = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
const HEX_ID = /^[0-9a-f]{24}$/;
const DAY = 24 * 60 * 60;
const NOW = Math.floor(Date.now() / 1000);

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} must be set (see the header of this file)`);
  }
  return value;
}

function email(label) {
  return `${label}-${RUN}@example.com`;
}

function externalId(label) {
  return `ext-${label}-${RUN}`;
}

/** Awaits a promise that must fail with an SDK error; returns the error. */
async function expectSdkError(promise, statusCode) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected the SDK to throw a ${statusCode} error`);
  assert.ok(error instanceof IntercomError, `expected an IntercomError, got ${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.statusCode, statusCode, `status code; body: ${JSON.stringify(error.body)}`);
  assert.equal(error.body?.type, 'error.list', `error body: ${JSON.stringify(error.body)}`);
  assert.ok(Array.isArray(error.body.errors) && error.body.errors.length > 0, 'error.list has errors');
  assert.equal(typeof error.body.errors[0].code, 'string');
  return error;
}

/** Collects every item of an SDK pager, checking each page's size on the way. */
async function collectPages(firstPage, maxPageSize) {
  const items = [];
  let page = firstPage;
  let pages = 0;
  for (;;) {
    pages += 1;
    assert.ok(pages < 500, 'pager does not end');
    assert.ok(page.data.length <= maxPageSize, `page ${pages} has ${page.data.length} items, more than ${maxPageSize}`);
    items.push(...page.data);
    if (!page.hasNextPage()) {
      break;
    }
    page = await page.getNextPage();
  }
  return { items, pages };
}

function assertSeenOnce(items, expectedIds, what) {
  const counts = new Map();
  for (const item of items) {
    counts.set(item.id, (counts.get(item.id) ?? 0) + 1);
  }
  for (const [id, count] of counts) {
    assert.equal(count, 1, `${what} ${id} was returned ${count} times`);
  }
  for (const id of expectedIds) {
    assert.ok(counts.has(id), `${what} ${id} was not returned`);
  }
}

/**
 * Lists are newest first. Ids (and created_at) carry the creation time in whole seconds, so
 * this checks the order to the second: created_at never increases down the list.
 */
function assertNewestFirst(items, what) {
  for (let i = 1; i < items.length; i += 1) {
    assert.ok(
      items[i - 1].created_at >= items[i].created_at,
      `${what}s are not newest first: ${items[i - 1].id} (${items[i - 1].created_at}) before ${items[i].id} (${items[i].created_at})`,
    );
  }
}

async function searchIds(query, perPage = 50) {
  const first = await client.contacts.search({ query, pagination: { per_page: perPage } });
  const { items } = await collectPages(first, perPage);
  return items.map((c) => c.id);
}

/** Polls a data export until it is finished (every 200 ms, at most 30 s). */
async function dataExportFinished(jobIdentifier) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await client.dataExport.find({ job_identifier: jobIdentifier });
    if (['completed', 'no_data', 'failed', 'canceled'].includes(job.status) || Date.now() > deadline) {
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The members of the SDK's DataExportCsv, in their declared order: the columns of Intercom's receipts file. */
function sdkCsvColumns() {
  const declaration = readFileSync(path.join(sdkPackage().dir, 'dist', 'cjs', 'api', 'types', 'DataExportCsv.d.ts'), 'utf8');
  return [...declaration.matchAll(/^ {4}(\w+)\?:/gm)].map((m) => m[1]);
}

/** node:test's test() with a time limit. */
function sdkTest(name, fn) {
  return test(name, { timeout: 60_000 }, fn);
}

const state = {};

describe('admins', () => {
  sdkTest('admins.identify returns the token owner with the app', async () => {
    const me = await client.admins.identify();
    assert.equal(me.type, 'admin');
    assert.equal(me.id, OWNER_ID);
    assert.match(me.id, HEX_ID);
    assert.equal(typeof me.email, 'string');
    assert.equal(me.app?.type, 'app');
    assert.equal(typeof me.app.id_code, 'string');
    state.ownerEmail = me.email;
  });

  sdkTest('admins.list includes the owner', async () => {
    const list = await client.admins.list();
    assert.equal(list.type, 'admin.list');
    assert.ok(Array.isArray(list.admins));
    const owner = list.admins.find((a) => a.id === OWNER_ID);
    assert.ok(owner, 'owner is listed');
    assert.equal(owner.type, 'admin');
  });

  sdkTest('admins.find returns the owner; unknown admin is a 404', async () => {
    const admin = await client.admins.find({ admin_id: OWNER_ID });
    assert.equal(admin.type, 'admin');
    assert.equal(admin.id, OWNER_ID);
    if (state.ownerEmail) {
      assert.equal(admin.email, state.ownerEmail);
    }
    await expectSdkError(client.admins.find({ admin_id: '0'.repeat(24) }), 404);
  });
});

describe('contacts', () => {
  sdkTest('contacts.create makes a user with email, external_id, name and custom attributes', async () => {
    const user = await client.contacts.create({
      role: 'user',
      email: email('user'),
      external_id: externalId('user'),
      name: 'Ada Lovelace',
      custom_attributes: { plan: 'pro', seats: 3, beta: true },
    });
    assert.equal(user.type, 'contact');
    assert.match(user.id, HEX_ID);
    assert.equal(user.role, 'user');
    assert.equal(user.email, email('user'));
    assert.equal(user.external_id, externalId('user'));
    assert.equal(user.name, 'Ada Lovelace');
    assert.deepEqual(user.custom_attributes, { plan: 'pro', seats: 3, beta: true });
    assert.equal(typeof user.created_at, 'number');
    assert.ok(Math.abs(user.created_at - NOW) < DAY, 'created_at is a Unix time in seconds');
    state.user = user;
  });

  sdkTest('contacts.create makes a lead', async () => {
    const lead = await client.contacts.create({ role: 'lead', name: `Lead ${RUN}` });
    assert.equal(lead.type, 'contact');
    assert.match(lead.id, HEX_ID);
    assert.equal(lead.role, 'lead');
    assert.equal(lead.name, `Lead ${RUN}`);
    state.lead = lead;
  });

  sdkTest('contacts.create rejects a duplicate user email with an error.list', async () => {
    const error = await expectSdkError(
      client.contacts.create({ role: 'user', email: email('user') }),
      409,
    );
    assert.ok(error.body.errors[0].message, 'conflict has a message');
  });

  sdkTest('contacts.find returns the contact', async () => {
    const found = await client.contacts.find({ contact_id: state.user.id });
    assert.equal(found.id, state.user.id);
    assert.equal(found.email, email('user'));
    assert.equal(found.external_id, externalId('user'));
    assert.equal(found.custom_attributes.plan, 'pro');
  });

  sdkTest('contacts.find of an unknown contact is a 404 error.list', async () => {
    const error = await expectSdkError(client.contacts.find({ contact_id: '0'.repeat(24) }), 404);
    assert.equal(error.body.errors[0].code, 'not_found');
  });

  sdkTest('contacts.update changes the name and merges custom attributes', async () => {
    const updated = await client.contacts.update({
      contact_id: state.user.id,
      name: 'Ada King',
      custom_attributes: { seats: 5 },
    });
    assert.equal(updated.id, state.user.id);
    assert.equal(updated.name, 'Ada King');
    assert.equal(updated.email, email('user'), 'email unchanged');
    assert.deepEqual(updated.custom_attributes, { plan: 'pro', seats: 5, beta: true });
    const found = await client.contacts.find({ contact_id: state.user.id });
    assert.equal(found.name, 'Ada King');
    assert.equal(found.custom_attributes.seats, 5);
  });

  sdkTest('contacts.create five more users for paging', async () => {
    const created = [];
    for (let i = 0; i < 5; i += 1) {
      const contact = await client.contacts.create({ role: 'user', email: email(`page${i}`), external_id: externalId(`page${i}`) });
      assert.match(contact.id, HEX_ID);
      created.push(contact.id);
    }
    state.pageContacts = created;
  });

  sdkTest('contacts.list pages through every contact exactly once (per_page 2)', async () => {
    const first = await client.contacts.list({ per_page: 2 });
    assert.equal(first.response.type, 'list');
    assert.equal(first.data.length, 2, 'the first page holds per_page contacts');
    assert.ok(first.hasNextPage(), 'more pages');
    assert.equal(typeof first.response.pages.next.starting_after, 'string');
    const { items, pages } = await collectPages(first, 2);
    assert.ok(pages >= 4, `at least 4 pages for at least 7 contacts, got ${pages}`);
    assertSeenOnce(items, [...state.pageContacts, state.user.id, state.lead.id], 'contact');
    assert.equal(items.length, first.response.total_count, 'total_count matches the items paged through');
    assertNewestFirst(items, 'contact');

    // The same through the pager's async iterator.
    const seen = [];
    for await (const contact of await client.contacts.list({ per_page: 2 })) {
      seen.push(contact);
      assert.ok(seen.length <= items.length, 'the async iterator returns more contacts than there are');
    }
    assert.deepEqual(seen.map((c) => c.id), items.map((c) => c.id));
  });

  sdkTest('contacts.search by email =', async () => {
    const ids = await searchIds({ field: 'email', operator: '=', value: email('user') });
    assert.deepEqual(ids, [state.user.id]);
  });

  sdkTest('contacts.search by external_id =', async () => {
    const ids = await searchIds({ field: 'external_id', operator: '=', value: externalId('user') });
    assert.deepEqual(ids, [state.user.id]);
  });

  sdkTest('contacts.search by name ~ and ^ (the name is stored only encrypted)', async () => {
    const leads = await searchIds({ field: 'name', operator: '~', value: `ead ${RUN}` });
    assert.deepEqual(leads, [state.lead.id]);
    const kings = await searchIds({ operator: 'AND', value: [
      { field: 'name', operator: '^', value: 'ada ki' },
      { field: 'email', operator: '=', value: email('user') },
    ] });
    assert.deepEqual(kings, [state.user.id]);
    const error = await expectSdkError(client.contacts.search({ query: { field: 'name', operator: '~', value: 'ad' } }), 400);
    assert.equal(error.body.errors[0].code, 'parameter_invalid');
  });

  sdkTest('contacts.search with role = nested in AND/OR', async () => {
    const ours = { operator: 'OR', value: [
      { field: 'id', operator: '=', value: state.user.id },
      { field: 'id', operator: '=', value: state.lead.id },
    ] };
    const leads = await searchIds({ operator: 'AND', value: [{ field: 'role', operator: '=', value: 'lead' }, ours] });
    assert.deepEqual(leads, [state.lead.id]);
    const users = await searchIds({ operator: 'AND', value: [{ field: 'role', operator: '=', value: 'user' }, ours] });
    assert.deepEqual(users, [state.user.id]);
    const either = await searchIds({ operator: 'OR', value: [
      { operator: 'AND', value: [{ field: 'role', operator: '=', value: 'lead' }, { field: 'id', operator: '=', value: state.lead.id }] },
      { operator: 'AND', value: [{ field: 'role', operator: '=', value: 'user' }, { field: 'email', operator: '=', value: email('user') }] },
    ] });
    assert.deepEqual([...either].sort(), [state.user.id, state.lead.id].sort());
  });

  // Whole days apart, so the result is the same whether the server compares seconds or (as
  // Intercom documents) days.
  async function checkCreatedAtSearch(asValue) {
    const byEmail = { field: 'email', operator: '=', value: email('user') };
    const search = (operator, t) => searchIds({ operator: 'AND', value: [byEmail, { field: 'created_at', operator, value: asValue(t) }] });
    assert.deepEqual(await search('>', NOW - 2 * DAY), [state.user.id], 'created after two days ago');
    assert.deepEqual(await search('>', NOW + 2 * DAY), [], 'not created after two days from now');
    assert.deepEqual(await search('<', NOW + 2 * DAY), [state.user.id], 'created before two days from now');
    assert.deepEqual(await search('<', NOW - 2 * DAY), [], 'not created before two days ago');
  }

  sdkTest('contacts.search with created_at > and <', async () => {
    await checkCreatedAtSearch((t) => t);
  });

  sdkTest('contacts.search with created_at > and < given as strings (as in the SDK docs)', async () => {
    await checkCreatedAtSearch((t) => String(t));
  });

  sdkTest('contacts.search pages through results with the pager (per_page 2)', async () => {
    const query = { field: 'external_id', operator: 'IN', value: [0, 1, 2, 3, 4].map((i) => externalId(`page${i}`)) };
    const first = await client.contacts.search({ query, pagination: { per_page: 2 } });
    assert.equal(first.response.total_count, 5);
    const { items } = await collectPages(first, 2);
    assert.equal(items.length, 5);
    assertSeenOnce(items, state.pageContacts, 'contact');
  });

  sdkTest('contacts.showContactByExternalId', async () => {
    const found = await client.contacts.showContactByExternalId({ external_id: externalId('user') });
    assert.equal(found.id, state.user.id);
    assert.equal(found.email, email('user'));
    await expectSdkError(client.contacts.showContactByExternalId({ external_id: externalId('nobody') }), 404);
  });

  sdkTest('contacts.archive and contacts.unarchive', async () => {
    const archived = await client.contacts.archive({ contact_id: state.lead.id });
    assert.equal(archived.id, state.lead.id);
    assert.equal(archived.archived, true);
    assert.equal((await client.contacts.find({ contact_id: state.lead.id })).archived, true);
    const unarchived = await client.contacts.unarchive({ contact_id: state.lead.id });
    assert.equal(unarchived.id, state.lead.id);
    assert.equal(unarchived.archived, false);
    assert.equal((await client.contacts.find({ contact_id: state.lead.id })).archived, false);
  });

  sdkTest('contacts.delete removes the contact', async () => {
    const doomed = await client.contacts.create({ role: 'user', email: email('doomed'), external_id: externalId('doomed') });
    const before = Math.floor(Date.now() / 1000) - 1;
    const deleted = await client.contacts.delete({ contact_id: doomed.id });
    // From just before the deletion, so the activity-log test finds its entry on the first page.
    state.deletionWindow = { after: String(before) };
    assert.equal(deleted.id, doomed.id);
    assert.equal(deleted.deleted, true);
    assert.equal(deleted.external_id, externalId('doomed'));
    await expectSdkError(client.contacts.find({ contact_id: doomed.id }), 404);
    await expectSdkError(client.contacts.delete({ contact_id: doomed.id }), 404);
  });
});

describe('conversations', () => {
  sdkTest('conversations.create from a contact', async () => {
    const message = await client.conversations.create({
      from: { type: 'user', id: state.user.id },
      body: `Hello from ${RUN}`,
    });
    assert.match(message.id, HEX_ID);
    assert.equal(message.body, `Hello from ${RUN}`);
    assert.match(message.conversation_id, HEX_ID);
    assert.equal(typeof message.created_at, 'number');
    state.conversationId = message.conversation_id;
  });

  sdkTest('conversations.create for an unknown contact is a 404', async () => {
    await expectSdkError(client.conversations.create({ from: { type: 'user', id: '0'.repeat(24) }, body: 'hi' }), 404);
  });

  sdkTest('conversations.find returns the conversation with its source', async () => {
    const conversation = await client.conversations.find({ conversation_id: state.conversationId });
    assert.equal(conversation.type, 'conversation');
    assert.equal(conversation.id, state.conversationId);
    assert.equal(conversation.state, 'open');
    assert.equal(conversation.open, true);
    assert.equal(conversation.source.body, `Hello from ${RUN}`);
    assert.equal(conversation.source.author.id, state.user.id);
    assert.deepEqual(conversation.contacts.contacts.map((c) => c.id), [state.user.id]);
    assert.equal(conversation.conversation_parts.type, 'conversation_part.list');
    assert.deepEqual(conversation.conversation_parts.conversation_parts, []);
  });

  sdkTest('conversations.reply as an admin', async () => {
    const conversation = await client.conversations.reply({
      conversation_id: state.conversationId,
      body: { message_type: 'comment', type: 'admin', admin_id: OWNER_ID, body: 'Hi, how can we help?' },
    });
    assert.equal(conversation.id, state.conversationId);
    const last = conversation.conversation_parts.conversation_parts.at(-1);
    assert.equal(last.part_type, 'comment');
    assert.equal(last.body, 'Hi, how can we help?');
    assert.equal(last.author.type, 'admin');
    assert.equal(last.author.id, OWNER_ID);
  });

  sdkTest('conversations.reply as the contact (type user, intercom_user_id)', async () => {
    const conversation = await client.conversations.reply({
      conversation_id: state.conversationId,
      body: { message_type: 'comment', type: 'user', intercom_user_id: state.user.id, body: 'My invoice is wrong.' },
    });
    const last = conversation.conversation_parts.conversation_parts.at(-1);
    assert.equal(last.part_type, 'comment');
    assert.equal(last.body, 'My invoice is wrong.');
    assert.equal(last.author.id, state.user.id);
    assert.notEqual(last.author.type, 'admin');
  });

  sdkTest('conversations.manage closes, opens and assigns', async () => {
    const closed = await client.conversations.manage({
      conversation_id: state.conversationId,
      body: { message_type: 'close', type: 'admin', admin_id: OWNER_ID, body: 'Fixed.' },
    });
    assert.equal(closed.state, 'closed');
    assert.equal(closed.open, false);
    assert.equal(closed.conversation_parts.conversation_parts.at(-1).part_type, 'close');

    const opened = await client.conversations.manage({
      conversation_id: state.conversationId,
      body: { message_type: 'open', admin_id: OWNER_ID },
    });
    assert.equal(opened.state, 'open');
    assert.equal(opened.open, true);
    assert.equal(opened.conversation_parts.conversation_parts.at(-1).part_type, 'open');

    const assigned = await client.conversations.manage({
      conversation_id: state.conversationId,
      body: { message_type: 'assignment', type: 'admin', admin_id: OWNER_ID, assignee_id: OWNER_ID },
    });
    assert.equal(String(assigned.admin_assignee_id), OWNER_ID);
    const part = assigned.conversation_parts.conversation_parts.at(-1);
    assert.equal(part.part_type, 'assignment');
    assert.equal(part.assigned_to?.id, OWNER_ID);
  });

  sdkTest('conversations.find lists every part in order', async () => {
    const conversation = await client.conversations.find({ conversation_id: state.conversationId });
    const parts = conversation.conversation_parts.conversation_parts;
    assert.deepEqual(parts.map((p) => p.part_type), ['comment', 'comment', 'close', 'open', 'assignment']);
    assert.equal(conversation.conversation_parts.total_count, parts.length);
    assert.equal(conversation.state, 'open');
    assert.equal(String(conversation.admin_assignee_id), OWNER_ID);
  });

  sdkTest('conversations.create three more for paging', async () => {
    const created = [state.conversationId];
    for (let i = 0; i < 3; i += 1) {
      const message = await client.conversations.create({ from: { type: 'user', id: state.user.id }, body: `Another ${i} ${RUN}` });
      assert.match(message.conversation_id, HEX_ID);
      created.push(message.conversation_id);
    }
    state.conversationIds = created;
  });

  sdkTest('conversations.list pages through every conversation exactly once (per_page 2)', async () => {
    const first = await client.conversations.list({ per_page: 2 });
    assert.equal(first.response.type, 'conversation.list');
    assert.equal(first.data.length, 2, 'the first page holds per_page conversations');
    const { items } = await collectPages(first, 2);
    assertSeenOnce(items, state.conversationIds, 'conversation');
    assert.equal(items.length, first.response.total_count, 'total_count matches the items paged through');
    assertNewestFirst(items, 'conversation');
  });

  sdkTest('conversations.list without per_page starts with the newest conversations', async () => {
    const first = await client.conversations.list();
    assert.equal(first.response.type, 'conversation.list');
    const items = first.data;
    assert.ok(items.length >= state.conversationIds.length && items.length <= 20, `default page size is 20, got ${items.length}`);
    assertSeenOnce(items, state.conversationIds, 'conversation');
    assertNewestFirst(items, 'conversation');
    const listed = items.find((c) => c.id === state.conversationId);
    assert.equal(listed.type, 'conversation');
    assert.equal(listed.source.body, `Hello from ${RUN}`);
  });

  sdkTest('conversations.deleteConversation', async () => {
    const doomed = state.conversationIds.at(-1);
    const deleted = await client.conversations.deleteConversation({ conversation_id: doomed });
    assert.equal(deleted.id, doomed);
    assert.equal(deleted.deleted, true);
    await expectSdkError(client.conversations.find({ conversation_id: doomed }), 404);
  });
});

describe('tags', () => {
  sdkTest('tags.create', async () => {
    const tag = await client.tags.create({ name: `vip-${RUN}` });
    assert.equal(tag.type, 'tag');
    assert.match(tag.id, HEX_ID);
    assert.equal(tag.name, `vip-${RUN}`);
    state.tag = tag;
    const again = await client.tags.create({ name: `vip-${RUN}` });
    assert.equal(again.id, tag.id, 'creating an existing name returns that tag');
  });

  sdkTest('tags.list', async () => {
    const list = await client.tags.list();
    assert.equal(list.type, 'list');
    assert.ok(list.data.some((t) => t.id === state.tag.id && t.name === `vip-${RUN}`));
  });

  sdkTest('tags.find', async () => {
    const tag = await client.tags.find({ tag_id: state.tag.id });
    assert.equal(tag.id, state.tag.id);
    assert.equal(tag.name, `vip-${RUN}`);
  });

  sdkTest('tags.tagContact', async () => {
    const tag = await client.tags.tagContact({ contact_id: state.user.id, id: state.tag.id });
    assert.equal(tag.id, state.tag.id);
    const contact = await client.contacts.find({ contact_id: state.user.id });
    assert.ok(contact.tags.data.some((t) => t.id === state.tag.id), 'contact shows the tag');
  });

  sdkTest('contacts.listAttachedTags', async () => {
    const list = await client.contacts.listAttachedTags({ contact_id: state.user.id });
    assert.equal(list.type, 'list');
    assert.deepEqual(list.data.map((t) => t.id), [state.tag.id]);
    assert.equal(list.data[0].name, `vip-${RUN}`);
  });

  sdkTest('tags.untagContact', async () => {
    const tag = await client.tags.untagContact({ contact_id: state.user.id, tag_id: state.tag.id });
    assert.equal(tag.id, state.tag.id);
    const list = await client.contacts.listAttachedTags({ contact_id: state.user.id });
    assert.deepEqual(list.data, []);
  });

  sdkTest('tags.delete', async () => {
    await client.tags.delete({ tag_id: state.tag.id });
    await expectSdkError(client.tags.find({ tag_id: state.tag.id }), 404);
  });
});

describe('notes', () => {
  sdkTest('notes.create', async () => {
    const notes = [];
    for (let i = 0; i < 3; i += 1) {
      const note = await client.notes.create({ contact_id: state.user.id, body: `Note ${i} ${RUN}`, admin_id: OWNER_ID });
      assert.equal(note.type, 'note');
      assert.match(note.id, HEX_ID);
      assert.equal(note.body, `Note ${i} ${RUN}`);
      assert.equal(note.contact?.id, state.user.id);
      assert.equal(note.author?.id, OWNER_ID);
      notes.push(note.id);
    }
    state.notes = notes;
  });

  sdkTest('notes.list pages by page number (per_page 2)', async () => {
    const first = await client.notes.list({ contact_id: state.user.id, per_page: 2 });
    assert.equal(first.response.type, 'list');
    assert.equal(first.data.length, 2, 'the first page holds per_page notes');
    const { items } = await collectPages(first, 2);
    assert.equal(items.length, 3);
    assertSeenOnce(items, state.notes, 'note');
    assertNewestFirst(items, 'note');
  });

  sdkTest('notes.list without per_page returns every note, newest first', async () => {
    const first = await client.notes.list({ contact_id: state.user.id });
    const { items } = await collectPages(first, 150);
    assert.equal(items.length, 3);
    assertSeenOnce(items, state.notes, 'note');
    assertNewestFirst(items, 'note');
    assert.equal(first.response.total_count, 3);
  });

  sdkTest('notes.list is strictly newest first, even within one second', async () => {
    const created = [];
    for (let i = 0; i < 6; i += 1) {
      const note = await client.notes.create({ contact_id: state.lead.id, body: `Quick note ${i} ${RUN}` });
      created.push(note.id);
    }
    const { items } = await collectPages(await client.notes.list({ contact_id: state.lead.id }), 150);
    assert.deepEqual(items.map((n) => n.id), [...created].reverse());
  });

  sdkTest('notes.find', async () => {
    const note = await client.notes.find({ note_id: state.notes[0] });
    assert.equal(note.id, state.notes[0]);
    assert.equal(note.body, `Note 0 ${RUN}`);
    await expectSdkError(client.notes.find({ note_id: '0'.repeat(24) }), 404);
  });
});

describe('companies', () => {
  sdkTest('companies.createOrUpdate creates by company_id, then updates the same company', async () => {
    const company = await client.companies.createOrUpdate({
      company_id: `co-${RUN}`,
      name: `Acme ${RUN}`,
      plan: 'pro',
      size: 40,
      monthly_spend: 155.98,
      custom_attributes: { account_manager: 'Ada', seats: 9 },
    });
    assert.equal(company.type, 'company');
    assert.match(company.id, HEX_ID);
    assert.equal(company.company_id, `co-${RUN}`);
    assert.equal(company.monthly_spend, 155);
    assert.equal(company.user_count, 0);
    assert.equal(company.plan.name, 'pro');
    assert.equal(company.custom_attributes.account_manager, 'Ada');
    assert.equal(company.tags.type, 'tag.list');
    const again = await client.companies.createOrUpdate({ company_id: `co-${RUN}`, industry: 'Robotics' });
    assert.equal(again.id, company.id);
    assert.equal(again.industry, 'Robotics');
    assert.equal(again.custom_attributes.seats, 9, 'custom attributes merge');
    state.company = company;
    state.companyContact = await client.contacts.create({ role: 'user', email: email('company-user') });
  });

  sdkTest('companies.find, retrieve by company_id and name, update', async () => {
    assert.equal((await client.companies.find({ company_id: state.company.id })).id, state.company.id);
    assert.equal((await client.companies.retrieve({ company_id: `co-${RUN}` })).id, state.company.id);
    assert.equal((await client.companies.retrieve({ name: `Acme ${RUN}` })).id, state.company.id);
    const updated = await client.companies.update({ company_id: state.company.id, body: { website: 'https://acme.example' } });
    assert.equal(updated.website, 'https://acme.example');
    await expectSdkError(client.companies.find({ company_id: '0'.repeat(24) }), 404);
    const error = await expectSdkError(client.companies.retrieve({ company_id: `nobody-${RUN}` }), 404);
    assert.equal(error.body.errors[0].code, 'company_not_found');
  });

  sdkTest('companies.attachContact, contacts.listAttachedCompanies, companies.listAttachedContacts', async () => {
    const attached = await client.companies.attachContact({ contact_id: state.companyContact.id, id: state.company.id });
    assert.equal(attached.id, state.company.id);
    assert.equal(attached.user_count, 1);
    const contact = await client.contacts.find({ contact_id: state.companyContact.id });
    assert.equal(contact.companies.total_count, 1);
    assert.equal(contact.companies.data[0].id, state.company.id);
    const { items } = await collectPages(await client.contacts.listAttachedCompanies({ contact_id: state.companyContact.id }), 15);
    assert.deepEqual(items.map((c) => c.id), [state.company.id]);
    const contacts = await client.companies.listAttachedContacts({ company_id: state.company.id });
    assert.equal(contacts.type, 'list');
    assert.deepEqual(contacts.data.map((c) => c.id), [state.companyContact.id]);
  });

  sdkTest('companies.list and companies.scroll return every company once', async () => {
    const more = [];
    for (let i = 0; i < 3; i += 1) {
      more.push((await client.companies.createOrUpdate({ company_id: `co-${i}-${RUN}`, name: `Company ${i} ${RUN}` })).id);
    }
    const expected = [state.company.id, ...more];
    const listed = await collectPages(await client.companies.list({ per_page: 2 }), 2);
    assertSeenOnce(listed.items, expected, 'company');
    assertNewestFirst(listed.items, 'company');
    const scrolled = await collectPages(await client.companies.scroll(), 50);
    assertSeenOnce(scrolled.items, expected, 'company');
  });

  sdkTest('tags.create with companies tags and untags them', async () => {
    const tag = await client.tags.create({ name: `account-${RUN}`, companies: [{ id: state.company.id }] });
    assert.equal(tag.type, 'tag');
    const tagged = await client.companies.find({ company_id: state.company.id });
    assert.deepEqual(tagged.tags.tags.map((t) => t.id), [tag.id]);
    await client.tags.create({ name: `account-${RUN}`, companies: [{ id: state.company.id, company_id: `co-${RUN}`, untag: true }] });
    assert.deepEqual((await client.companies.find({ company_id: state.company.id })).tags.tags, []);
    await client.tags.delete({ tag_id: tag.id });
  });

  sdkTest('companies.detachContact and companies.delete', async () => {
    const detached = await client.companies.detachContact({ contact_id: state.companyContact.id, company_id: state.company.id });
    assert.equal(detached.user_count, 0);
    const deleted = await client.companies.delete({ company_id: state.company.id });
    assert.deepEqual(deleted, { id: state.company.id, object: 'company', deleted: true });
    await expectSdkError(client.companies.find({ company_id: state.company.id }), 404);
    await expectSdkError(client.companies.attachContact({ contact_id: state.companyContact.id, id: state.company.id }), 404);
  });
});

describe('activity logs', () => {
  sdkTest('admins.listAllActivityLogs lists the contact deletion done above, by the token owner', async () => {
    // Later tests log more than the default page of entries: ask for those since the deletion
    // (its entry may be written a moment after the answer), on the largest page.
    const list = await client.admins.listAllActivityLogs({ created_at_after: state.deletionWindow.after }, { queryParams: { per_page: 150 } });
    assert.equal(list.type, 'activity_log.list');
    assert.ok(Array.isArray(list.activity_logs));
    const deletion = list.activity_logs.find((a) => a.activity_type === 'contact_deletion');
    assert.ok(deletion, 'the contact deletion is logged');
    assert.equal(deletion.performed_by.type, 'admin');
    assert.equal(deletion.performed_by.id, OWNER_ID);
    assert.equal(typeof deletion.performed_by.ip, 'string');
    assert.equal(typeof deletion.created_at, 'number');
    assert.equal(typeof deletion.activity_description, 'string');
    assertNewestFirst(list.activity_logs, 'activity log');

    const future = String(Math.floor(Date.now() / 1000) + 3600);
    const none = await client.admins.listAllActivityLogs({ created_at_after: future });
    assert.equal(none.activity_logs.length, 0);
  });
});

describe('data events and data attributes', () => {
  sdkTest('events.create, events.list and events.summaries record and read back a contact\'s events', async () => {
    const userId = externalId('events');
    const contact = await client.contacts.create({ email: email('events'), external_id: userId });
    await client.events.create({ event_name: 'placed-order', created_at: NOW - 60, user_id: userId, metadata: { order: 'A-1' } });
    await client.events.create({ event_name: 'placed-order', created_at: NOW, id: contact.id });
    // The same contact, name and second again: accepted, stored once.
    await client.events.create({ event_name: 'placed-order', created_at: NOW, email: email('events') });

    const list = await client.events.list({ type: 'user', intercom_user_id: contact.id });
    assert.equal(list.type, 'event.list');
    assert.deepEqual(list.events.map((e) => e.event_name), ['placed-order', 'placed-order']);
    assert.deepEqual(list.events.map((e) => e.created_at), [NOW, NOW - 60]);
    assert.equal(list.events[1].metadata.order, 'A-1');
    assert.equal(list.events[1].user_id, userId);

    await client.events.summaries({ user_id: userId, event_summaries: { event_name: 'logged-in', count: 3, first: NOW - DAY, last: NOW } });
    const summary = await client.events.list({ type: 'user', user_id: userId, summary: true });
    assert.equal(summary.type, 'event.summary');
    assert.equal(summary.intercom_user_id, contact.id);
    const counts = Object.fromEntries(summary.events.map((e) => [e.name, e.count]));
    assert.deepEqual(counts, { 'logged-in': 3, 'placed-order': 2 });

    await expectSdkError(client.events.create({ event_name: 'x', created_at: NOW, id: '0'.repeat(24) }), 404);
    await expectSdkError(client.events.create({ event_name: 'x', created_at: NOW, id: contact.id, metadata: Object.fromEntries([...Array(11).keys()].map((i) => [`k${i}`, 'v'])) }), 400);
  });

  sdkTest('dataAttributes.list, create and update: built-in and custom attributes, with Intercom\'s errors', async () => {
    const contactAttributes = await client.dataAttributes.list({ model: 'contact' });
    assert.equal(contactAttributes.type, 'list');
    assert.ok(contactAttributes.data.some((a) => a.name === 'email' && a.custom === false && a.data_type === 'string'));

    // A company attribute: a contact attribute would switch the shared workspace's contacts to checked attributes.
    const name = `Ring ${RUN}`;
    const created = await client.dataAttributes.create({ name, model: 'company', data_type: 'string', description: 'One ring' });
    assert.equal(created.type, 'data_attribute');
    assert.equal(typeof created.id, 'number');
    assert.equal(created.full_name, `custom_attributes.${name}`);
    assert.equal(created.custom, true);
    assert.equal(created.admin_id, OWNER_ID);

    const updated = await client.dataAttributes.update({ data_attribute_id: created.id, body: { description: 'Just a plain old ring', options: [{ value: '1-10' }, { value: '11-20' }] } });
    assert.deepEqual(updated.options, ['1-10', '11-20']);
    assert.equal(updated.description, 'Just a plain old ring');
    const archived = await client.dataAttributes.update({ data_attribute_id: created.id, body: { archived: true } });
    assert.equal(archived.archived, true);
    const listed = await client.dataAttributes.list({ model: 'company', include_archived: true });
    assert.ok(listed.data.some((a) => a.id === created.id && a.archived === true));

    await expectSdkError(client.dataAttributes.create({ name, model: 'company', data_type: 'string' }), 400);
    await expectSdkError(client.dataAttributes.create({ name: `Ring two ${RUN}`, model: 'company', data_type: 'mithril' }), 400);
    await expectSdkError(client.dataAttributes.update({ data_attribute_id: 987654321, body: { description: 'x' } }), 404);
  });
});

/** Calls one of Confide's own endpoints (not in Intercom's API, so not in the SDK) with the same token. */
async function confide(method, path, body) {
  const response = await fetch(`${BASE_URL}/confide/${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.equal(response.status, 200, `${method} /confide/${path}: ${JSON.stringify(json)}`);
  return json;
}

describe('subscription types and segments', () => {
  sdkTest('subscriptionTypes.list and a contact\'s subscriptions: attach, list, detach, with Intercom\'s errors', async () => {
    const optIn = await confide('POST', 'subscription_types', { consent_type: 'opt_in', content_types: ['email'], default_translation: { name: `Newsletter ${RUN}`, description: 'Monthly', locale: 'en' } });
    const optOut = await confide('POST', 'subscription_types', { consent_type: 'opt_out', default_translation: { name: `Offers ${RUN}`, description: 'Now and then', locale: 'en' } });
    const types = await client.subscriptionTypes.list();
    assert.equal(types.type, 'list');
    const listed = types.data.find((t) => t.id === optIn.id);
    assert.ok(listed, 'the new type is listed');
    assert.equal(listed.type, 'subscription');
    assert.equal(listed.consent_type, 'opt_in');
    assert.equal(listed.state, 'live');
    assert.equal(listed.default_translation.name, `Newsletter ${RUN}`);
    assert.deepEqual(listed.content_types, ['email']);

    const contact = await client.contacts.create({ email: email('subscriber') });
    const attached = await client.contacts.attachSubscription({ contact_id: contact.id, id: optIn.id, consent_type: 'opt_in' });
    assert.equal(attached.id, optIn.id);
    await client.contacts.attachSubscription({ contact_id: contact.id, id: optOut.id, consent_type: 'opt_out' });
    const subscriptions = await client.contacts.listAttachedSubscriptions({ contact_id: contact.id });
    assert.equal(subscriptions.type, 'list');
    assert.deepEqual(subscriptions.data.map((t) => t.id), [optIn.id, optOut.id]);

    const detached = await client.contacts.detachSubscription({ contact_id: contact.id, subscription_id: optIn.id });
    assert.equal(detached.id, optIn.id);
    assert.deepEqual((await client.contacts.listAttachedSubscriptions({ contact_id: contact.id })).data.map((t) => t.id), [optOut.id]);

    await expectSdkError(client.contacts.attachSubscription({ contact_id: contact.id, id: 'invalid_id', consent_type: 'opt_in' }), 404);
    await expectSdkError(client.contacts.attachSubscription({ contact_id: '0'.repeat(24), id: optIn.id, consent_type: 'opt_in' }), 404);
    await expectSdkError(client.contacts.attachSubscription({ contact_id: contact.id, id: optIn.id, consent_type: 'opt_out' }), 400);
    await expectSdkError(client.contacts.listAttachedSubscriptions({ contact_id: '0'.repeat(24) }), 404);
  });

  sdkTest('segments.list (with include_count), segments.find and contacts.listAttachedSegments read saved filters', async () => {
    const vip = await client.contacts.create({ email: email('segment-vip'), external_id: externalId('segment-vip') });
    const segment = await confide('POST', 'segments', { name: `VIPs ${RUN}`, query: { field: 'external_id', operator: '=', value: externalId('segment-vip') } });
    const list = await client.segments.list();
    assert.equal(list.type, 'segment.list');
    const listed = list.segments.find((s) => s.id === segment.id);
    assert.ok(listed, 'the new segment is listed');
    assert.equal(listed.type, 'segment');
    assert.equal(listed.person_type, 'user');
    assert.equal(listed.count, undefined);
    const counted = (await client.segments.list({ include_count: true })).segments.find((s) => s.id === segment.id);
    assert.equal(counted.count, 1);

    const found = await client.segments.find({ segment_id: segment.id });
    assert.equal(found.name, `VIPs ${RUN}`);
    assert.equal(typeof found.created_at, 'number');
    const ofVip = await client.contacts.listAttachedSegments({ contact_id: vip.id });
    assert.equal(ofVip.type, 'list');
    assert.ok(ofVip.data.some((s) => s.id === segment.id));
    const other = await client.contacts.create({ email: email('segment-other') });
    assert.ok(!(await client.contacts.listAttachedSegments({ contact_id: other.id })).data.some((s) => s.id === segment.id));

    await expectSdkError(client.segments.find({ segment_id: '0'.repeat(24) }), 404);
    await expectSdkError(client.contacts.listAttachedSegments({ contact_id: '0'.repeat(24) }), 404);
  });

  sdkTest('dataExport: create, find until completed, download the gzipped CSV in the SDK\'s columns, cancel', async () => {
    const contact = await client.contacts.create({ email: email('data-export'), name: `Export ${RUN}` });
    const sent = await client.messages.create({
      message_type: 'inapp', body: `Exported ${RUN}`, from: { type: 'admin', id: OWNER_ID }, to: { type: 'user', id: contact.id },
    });
    const range = { created_at_after: NOW - DAY, created_at_before: Math.floor(Date.now() / 1000) + 60 };
    const created = await client.dataExport.create(range);
    assert.match(created.job_identifier, HEX_ID);
    assert.ok(['pending', 'in_progress', 'completed'].includes(created.status), created.status);
    const job = await dataExportFinished(created.job_identifier);
    assert.equal(job.status, 'completed');
    assert.equal(job.download_url, `${BASE_URL.replace(/\/$/, '')}/download/content/data/${created.job_identifier}`);
    assert.match(job.download_expires_at, /^[0-9]+$/);

    const downloaded = await client.dataExport.download({ job_identifier: created.job_identifier }).withRawResponse();
    assert.equal(downloaded.rawResponse.headers.get('content-type'), 'application/octet-stream');
    const response = await fetch(job.download_url, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/octet-stream' } });
    assert.equal(response.status, 200);
    const [header, ...rows] = gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8').trimEnd().split('\n');
    assert.deepEqual(header.split(','), sdkCsvColumns(), "the CSV's columns are the SDK's DataExportCsv members, in order");
    const row = rows.map((r) => r.split(',')).find((r) => r[5] === sent.id);
    assert.ok(row, 'the message has its row');
    assert.equal(row[0], contact.id);
    assert.equal(row[3], email('data-export'));

    // Cancelling a finished export answers it unchanged; unknown jobs and bad ranges are Intercom errors.
    assert.equal((await client.dataExport.cancel({ job_identifier: created.job_identifier })).status, 'completed');
    const empty = await client.dataExport.create({ created_at_after: 1_600_000_000, created_at_before: 1_600_000_000 + DAY });
    const cancelled = await client.dataExport.cancel({ job_identifier: empty.job_identifier });
    assert.ok(['canceled', 'no_data'].includes(cancelled.status), cancelled.status);
    await dataExportFinished(empty.job_identifier);
    await expectSdkError(client.dataExport.find({ job_identifier: 'no-such-job' }), 404);
    await expectSdkError(client.dataExport.cancel({ job_identifier: '0'.repeat(24) }), 404);
    await expectSdkError(client.dataExport.download({ job_identifier: '0'.repeat(24) }), 404);
    await expectSdkError(client.dataExport.create({ created_at_after: NOW, created_at_before: NOW - DAY }), 400);
  });
});

describe('conversations: snooze, custom attributes, redaction, customers, assignment rules', () => {
  sdkTest('conversations.manage snoozes until a time and reopens; search finds snoozed conversations', async () => {
    const contact = await client.contacts.create({ email: email('snooze') });
    const message = await client.conversations.create({ from: { type: 'user', id: contact.id }, body: `Snooze me ${RUN}` });
    const until = Math.floor(Date.now() / 1000) + DAY;
    const snoozed = await client.conversations.manage({
      conversation_id: message.conversation_id,
      body: { message_type: 'snoozed', admin_id: OWNER_ID, snoozed_until: until },
    });
    assert.equal(snoozed.state, 'snoozed');
    assert.equal(snoozed.snoozed_until, until);
    assert.equal(snoozed.conversation_parts.conversation_parts.at(-1).part_type, 'snoozed');

    const found = await client.conversations.search({
      query: { operator: 'AND', value: [{ field: 'state', operator: '=', value: 'snoozed' }, { field: 'snoozed_until', operator: '=', value: until }] },
    });
    assert.ok(found.data.some((c) => c.id === message.conversation_id));

    const opened = await client.conversations.manage({ conversation_id: message.conversation_id, body: { message_type: 'open', admin_id: OWNER_ID } });
    assert.equal(opened.state, 'open');
    assert.equal(opened.snoozed_until, null);
    await expectSdkError(client.conversations.manage({
      conversation_id: message.conversation_id,
      body: { message_type: 'snoozed', admin_id: OWNER_ID, snoozed_until: NOW - DAY },
    }), 400);
    state.completeConversation = { id: message.conversation_id, contact: contact.id };
  });

  sdkTest('conversations.update sets custom_attributes, shown on the conversation', async () => {
    const updated = await client.conversations.update({
      conversation_id: state.completeConversation.id,
      custom_attributes: { order: `A-${RUN}`, items: 2 },
    });
    assert.equal(updated.custom_attributes.order, `A-${RUN}`);
    assert.equal(updated.custom_attributes.items, 2);
    const merged = await client.conversations.update({ conversation_id: state.completeConversation.id, custom_attributes: { items: 3 } });
    assert.deepEqual(merged.custom_attributes, { order: `A-${RUN}`, items: 3 });
    assert.deepEqual((await client.conversations.find({ conversation_id: state.completeConversation.id })).custom_attributes, merged.custom_attributes);
    // Sealed, yet searchable through the encrypted-field index; the old value is no longer found.
    const found = await client.conversations.search({ query: { field: 'custom_attributes.order', operator: '=', value: `A-${RUN}` } });
    assert.deepEqual(found.data.map((c) => c.id), [state.completeConversation.id]);
    const byCount = await client.conversations.search({ query: { field: 'custom_attributes.items', operator: '=', value: 3 } });
    assert.ok(byCount.data.some((c) => c.id === state.completeConversation.id));
    assert.equal((await client.conversations.search({ query: { field: 'custom_attributes.items', operator: '=', value: 2 } })).data.some((c) => c.id === state.completeConversation.id), false);
  });

  sdkTest('conversations.redactConversationPart destroys a part\'s text and the source\'s', async () => {
    const id = state.completeConversation.id;
    const replied = await client.conversations.reply({
      conversation_id: id,
      body: { message_type: 'comment', type: 'admin', admin_id: OWNER_ID, body: `Secret ${RUN}` },
    });
    const reply = replied.conversation_parts.conversation_parts.at(-1);
    const redacted = await client.conversations.redactConversationPart({ type: 'conversation_part', conversation_id: id, conversation_part_id: reply.id });
    const part = redacted.conversation_parts.conversation_parts.find((p) => p.id === reply.id);
    assert.equal(part.redacted, true);
    assert.equal(part.body, '');
    const source = await client.conversations.redactConversationPart({ type: 'source', conversation_id: id, source_id: redacted.source.id });
    assert.equal(source.source.redacted, true);
    assert.equal(source.source.body, '');
    const missing = await expectSdkError(client.conversations.redactConversationPart({ type: 'conversation_part', conversation_id: id, conversation_part_id: '0'.repeat(24) }), 404);
    assert.equal(missing.body.errors[0].code, 'conversation_part_or_message_not_found');
  });

  sdkTest('conversations.attachContactAsAdmin and detachContactAsAdmin list another contact on the conversation', async () => {
    const guest = await client.contacts.create({ email: email('guest') });
    const attached = await client.conversations.attachContactAsAdmin({
      conversation_id: state.completeConversation.id,
      admin_id: OWNER_ID,
      customer: { intercom_user_id: guest.id },
    });
    assert.deepEqual(attached.contacts.contacts.map((c) => c.id), [state.completeConversation.contact, guest.id]);
    const detached = await client.conversations.detachContactAsAdmin({
      conversation_id: state.completeConversation.id,
      contact_id: guest.id,
      admin_id: OWNER_ID,
    });
    assert.deepEqual(detached.contacts.contacts.map((c) => c.id), [state.completeConversation.contact]);
    await expectSdkError(client.conversations.attachContactAsAdmin({
      conversation_id: state.completeConversation.id,
      admin_id: OWNER_ID,
      customer: { email: email('nobody') },
    }), 404);
  });

  sdkTest('conversations.runAssignmentRules is a documented 422', async () => {
    const error = await expectSdkError(client.conversations.runAssignmentRules({ conversation_id: state.completeConversation.id }), 422);
    assert.equal(error.body.errors[0].code, 'assignment_rules_not_supported');
    await expectSdkError(client.conversations.runAssignmentRules({ conversation_id: '0'.repeat(24) }), 404);
  });
});

describe('errors', () => {
  sdkTest('a bad token is a 401 error.list', async () => {
    const stranger = new IntercomClient({ token: 'not-a-token', baseUrl: BASE_URL });
    await expectSdkError(stranger.contacts.find({ contact_id: '0'.repeat(24) }), 401);
  });
});

describe('compatibility', () => {
  sdkTest('the SDK\'s default Intercom-Version and 2.11 are served; Unstable is refused with intercom_version_invalid', async () => {
    assert.equal((await client.admins.identify()).id, OWNER_ID);
    assert.equal((await client.admins.identify({ version: '2.11' })).id, OWNER_ID);
    const error = await expectSdkError(client.admins.identify({ version: 'Unstable' }), 400);
    assert.equal(error.body.errors[0].code, 'intercom_version_invalid');
  });

  sdkTest('an Intercom endpoint Confide does not serve is a 404 that says so', async () => {
    const error = await expectSdkError(client.articles.list(), 404);
    assert.match(error.body.errors[0].message, /not supported by Confide/);
    assert.match(error.body.errors[0].message, /docs\/api\.md/);
  });

  sdkTest('admins.away sets and clears the away mode', async () => {
    const away = await client.admins.away({ admin_id: OWNER_ID, away_mode_enabled: true, away_mode_reassign: true });
    assert.equal(away.id, OWNER_ID);
    assert.equal(away.away_mode_enabled, true);
    assert.equal(away.away_mode_reassign, true);
    assert.equal((await client.admins.find({ admin_id: OWNER_ID })).away_mode_enabled, true);
    const back = await client.admins.away({ admin_id: OWNER_ID, away_mode_enabled: false, away_mode_reassign: false });
    assert.equal(back.away_mode_enabled, false);
    assert.equal(back.away_mode_reassign, false);
    assert.equal(typeof back.job_title, 'string');
    assert.ok(Array.isArray(back.team_ids));
  });

  sdkTest('conversations.find carries teammates, statistics, custom_attributes and topics', async () => {
    const conversation = await client.conversations.find({ conversation_id: state.conversationId });
    assert.deepEqual(conversation.custom_attributes, {});
    assert.deepEqual(conversation.topics, {});
    assert.equal(conversation.teammates.type, 'admin.list');
    assert.deepEqual(conversation.teammates.admins.map((a) => a.id), [OWNER_ID]);
    assert.equal(conversation.statistics.type, 'conversation_statistics');
    assert.equal(conversation.statistics.count_conversation_parts, conversation.conversation_parts.total_count);
    assert.equal(conversation.statistics.last_closed_by_id, OWNER_ID);
  });

  sdkTest('notes.find has the author as a full admin; contacts have browser_version and browser_language', async () => {
    const note = await client.notes.find({ note_id: state.notes[0] });
    assert.equal(note.author.id, OWNER_ID);
    assert.equal(typeof note.author.job_title, 'string');
    assert.equal(typeof note.author.away_mode_enabled, 'boolean');
    assert.ok(Array.isArray(note.author.team_ids));
    const contact = await client.contacts.find({ contact_id: state.user.id });
    assert.ok('browser_version' in contact && 'browser_language' in contact);
  });
});

/** A messenger visitor's first message, through the messenger's own API (not the SDK's): its visitor id and the lead it created. */
async function messengerVisitor(appId, body) {
  const boot = await fetch(`${BASE_URL.replace(/\/$/, '')}/messenger/v1/boot?app_id=${appId}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(boot.status, 200, `messenger boot: ${await boot.clone().text()}`);
  const cookie = boot.headers.getSetCookie().find((c) => c.startsWith(`confide_visitor_${appId}=`)).split(';')[0];
  const { session } = await boot.json();
  const started = await fetch(`${BASE_URL.replace(/\/$/, '')}/messenger/v1/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Confide-Messenger-Session': session, cookie },
    body: JSON.stringify({ body }),
  });
  assert.equal(started.status, 200, `messenger start: ${await started.clone().text()}`);
  const conversationId = (await started.json()).id;
  const conversation = await client.conversations.find({ conversation_id: conversationId });
  return { visitorId: cookie.split('=')[1], leadId: conversation.contacts.contacts[0].id, conversationId };
}

describe('merge, messages and visitors', () => {
  sdkTest('contacts.mergeLeadInUser moves the lead\'s conversation and tags to the user, and refuses a user as the lead', async () => {
    const lead = await client.contacts.create({ role: 'lead', name: `Merged lead ${RUN}` });
    const user = await client.contacts.create({ email: email('merge-into'), external_id: externalId('merge-into') });
    const started = await client.conversations.create({ from: { type: 'lead', id: lead.id }, body: 'Written as a lead' });
    const tag = await client.tags.create({ name: `merged-${RUN}` });
    await client.tags.tagContact({ contact_id: lead.id, id: tag.id });

    const merged = await client.contacts.mergeLeadInUser({ from: lead.id, into: user.id });
    assert.equal(merged.type, 'contact');
    assert.equal(merged.id, user.id);
    assert.equal(merged.role, 'user');
    assert.equal(merged.name, `Merged lead ${RUN}`);
    assert.deepEqual(merged.tags.data.map((t) => t.id), [tag.id]);
    const conversation = await client.conversations.find({ conversation_id: started.conversation_id });
    assert.equal(conversation.contacts.contacts[0].id, user.id);
    await expectSdkError(client.contacts.find({ contact_id: lead.id }), 404);

    const other = await client.contacts.create({ email: email('merge-other') });
    await expectSdkError(client.contacts.mergeLeadInUser({ from: other.id, into: user.id }), 400);
    await expectSdkError(client.contacts.mergeLeadInUser({ from: '0'.repeat(24), into: user.id }), 404);
  });

  sdkTest('messages.create starts an admin-initiated conversation, in-app or by email', async () => {
    const user = await client.contacts.create({ email: email('outbound'), external_id: externalId('outbound') });
    const inapp = await client.messages.create({
      message_type: 'inapp', body: 'Can we help?', from: { type: 'admin', id: OWNER_ID }, to: { type: 'user', id: user.id },
      create_conversation_without_contact_reply: true,
    });
    assert.equal(inapp.type, 'admin_message');
    assert.equal(inapp.message_type, 'inapp');
    assert.equal(inapp.body, 'Can we help?');
    const conversation = await client.conversations.find({ conversation_id: inapp.conversation_id });
    assert.equal(conversation.source.delivered_as, 'admin_initiated');
    assert.equal(conversation.source.author.id, OWNER_ID);
    assert.equal(conversation.state, 'open');

    const mailed = await client.messages.create({
      message_type: 'email', subject: 'Your invoice', body: 'Attached.', template: 'plain',
      from: { type: 'admin', id: OWNER_ID }, to: { type: 'user', id: user.id },
    });
    assert.equal(mailed.message_type, 'email');
    assert.equal(mailed.subject, 'Your invoice');
    assert.equal((await client.conversations.find({ conversation_id: mailed.conversation_id })).state, 'closed');

    const lead = await client.contacts.create({ role: 'lead' });
    await expectSdkError(client.messages.create({
      message_type: 'email', subject: 'No address', body: 'x', template: 'plain', from: { type: 'admin', id: OWNER_ID }, to: { type: 'lead', id: lead.id },
    }), 400);
    const noSubject = await expectSdkError(client.messages.create({
      message_type: 'email', body: 'x', template: 'plain', from: { type: 'admin', id: OWNER_ID }, to: { type: 'user', id: user.id },
    }), 422);
    assert.equal(noSubject.body.errors[0].code, 'parameter_not_found');
  });

  sdkTest('visitors.find, update and mergeToContact work on the messenger\'s visitors', async () => {
    const me = await client.admins.identify();
    const first = await messengerVisitor(me.app.id_code, 'Just browsing');
    const found = await client.visitors.find({ user_id: first.visitorId });
    assert.equal(found.type, 'visitor');
    assert.equal(found.id, first.leadId);
    assert.equal(found.user_id, first.visitorId);
    assert.equal(found.anonymous, true);

    // Named by its Confide id, the visitor answers that id as its user_id, which finds it again.
    const byId = await client.visitors.find({ user_id: first.leadId });
    assert.equal(byId.id, first.leadId);
    assert.equal(byId.user_id, first.leadId);

    const updated = await client.visitors.update({ user_id: first.visitorId, name: `Vera ${RUN}`, custom_attributes: { source: 'pricing' } });
    assert.equal(updated.name, `Vera ${RUN}`);
    assert.equal(updated.custom_attributes.source, 'pricing');

    const converted = await client.visitors.mergeToContact({ type: 'user', user: { email: email('visitor-user') }, visitor: { user_id: first.visitorId } });
    assert.equal(converted.type, 'contact');
    assert.equal(converted.id, first.leadId);
    assert.equal(converted.role, 'user');
    assert.equal(converted.email, email('visitor-user'));
    await expectSdkError(client.visitors.find({ user_id: first.visitorId }), 404);

    const second = await messengerVisitor(me.app.id_code, 'Back again');
    const merged = await client.visitors.mergeToContact({ type: 'user', user: { email: email('visitor-user') }, visitor: { id: second.leadId } });
    assert.equal(merged.id, first.leadId);
    assert.equal((await client.conversations.find({ conversation_id: second.conversationId })).contacts.contacts[0].id, first.leadId);

    await expectSdkError(client.visitors.find({ user_id: `nobody-${RUN}` }), 404);
    await expectSdkError(client.visitors.update({ id: '0'.repeat(24), name: 'x' }), 404);
  });
});

describeResponseShapes({ client, shapes, baseUrl: BASE_URL, token: TOKEN, ownerId: OWNER_ID, run: RUN });

before(() => {
  // Fail fast with a clear message when the server is not there.
  return client.admins.identify().catch((error) => {
    throw new Error(`cannot reach Confide at ${BASE_URL}: ${error.message}`);
  });
});
