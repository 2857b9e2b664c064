// Drives a live Confide server through the official Intercom Node SDK, changing only baseUrl.
// Needs CONFIDE_BASE_URL, CONFIDE_TOKEN, CONFIDE_OWNER_ID and NODE_EXTRA_CA_CERTS (the CA pem).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { IntercomClient } from "intercom-client";

const baseUrl = process.env.CONFIDE_BASE_URL;
const token = process.env.CONFIDE_TOKEN;
const ownerId = process.env.CONFIDE_OWNER_ID;
if (!baseUrl || !token || !ownerId) {
  throw new Error("Set CONFIDE_BASE_URL, CONFIDE_TOKEN and CONFIDE_OWNER_ID (and NODE_EXTRA_CA_CERTS).");
}

const client = new IntercomClient({ token, baseUrl });
const run = randomUUID().slice(0, 8);
const email = (name) => `${name}-${run}@example.com`;

async function collect(pager) {
  const items = [];
  for await (const item of pager) items.push(item);
  return items;
}

test("admins: identify, list, find", async () => {
  const me = await client.admins.identify();
  assert.equal(me.id, ownerId);
  assert.ok(me.app.id_code);
  const list = await client.admins.list();
  assert.ok(list.admins.some((a) => a.id === ownerId));
  const found = await client.admins.find({ admin_id: ownerId });
  assert.equal(found.id, ownerId);
});

test("contacts: create, find, update, external id, archive, delete", async () => {
  const user = await client.contacts.create({
    email: email("ada"),
    external_id: `ext-${run}`,
    name: "Ada",
    custom_attributes: { plan: "pro" },
  });
  assert.equal(user.type, "contact");
  assert.equal(user.role, "user");
  const lead = await client.contacts.create({ role: "lead", name: "Visitor" });
  assert.equal(lead.role, "lead");

  const found = await client.contacts.find({ contact_id: user.id });
  assert.equal(found.email, email("ada"));
  const updated = await client.contacts.update({ contact_id: user.id, name: "Ada Lovelace", custom_attributes: { seats: 3 } });
  assert.equal(updated.name, "Ada Lovelace");
  assert.equal(updated.custom_attributes.plan, "pro");
  assert.equal(updated.custom_attributes.seats, 3);

  const byExternal = await client.contacts.showContactByExternalId({ external_id: `ext-${run}` });
  assert.equal(byExternal.id, user.id);

  assert.equal((await client.contacts.archive({ contact_id: user.id })).archived, true);
  assert.equal((await client.contacts.unarchive({ contact_id: user.id })).archived, false);

  const deleted = await client.contacts.delete({ contact_id: lead.id });
  assert.equal(deleted.deleted, true);
  await assert.rejects(client.contacts.find({ contact_id: lead.id }), (error) => {
    assert.equal(error.statusCode, 404);
    assert.equal(error.body.type, "error.list");
    assert.equal(error.body.errors[0].code, "not_found");
    return true;
  });
});

test("contacts: list pages through every contact exactly once", async () => {
  const created = [];
  for (let i = 0; i < 5; i++) {
    created.push((await client.contacts.create({ email: email(`page${i}`) })).id);
  }
  const seen = (await collect(await client.contacts.list({ per_page: 2 }))).map((c) => c.id);
  assert.equal(new Set(seen).size, seen.length, "no contact twice");
  for (const id of created) assert.ok(seen.includes(id), `contact ${id} listed`);
});

test("contacts: search by email, external id, role, dates, nested AND/OR", async () => {
  const a = await client.contacts.create({ email: email("search-a"), external_id: `sa-${run}` });
  const b = await client.contacts.create({ email: email("search-b"), role: "lead" });
  const ids = async (query) => (await collect(await client.contacts.search({ query, pagination: { per_page: 2 } }))).map((c) => c.id);

  assert.deepEqual(await ids({ field: "email", operator: "=", value: email("search-a") }), [a.id]);
  assert.deepEqual(await ids({ field: "external_id", operator: "=", value: `sa-${run}` }), [a.id]);
  const nested = await ids({
    operator: "OR",
    value: [
      { field: "email", operator: "=", value: email("search-a") },
      { operator: "AND", value: [{ field: "role", operator: "=", value: "lead" }, { field: "email", operator: "=", value: email("search-b") }] },
    ],
  });
  assert.deepEqual(nested.sort(), [a.id, b.id].sort());
  const now = Math.floor(Date.now() / 1000);
  const recent = await ids({
    operator: "AND",
    value: [
      { field: "created_at", operator: ">", value: now - 3600 },
      { field: "created_at", operator: "<", value: now + 3600 },
      { field: "role", operator: "=", value: "lead" },
    ],
  });
  assert.ok(recent.includes(b.id));
  assert.ok(!recent.includes(a.id));
});

test("conversations: create, find, list, reply, manage, delete", async () => {
  const contact = await client.contacts.create({ email: email("convo") });
  const message = await client.conversations.create({ from: { type: "user", id: contact.id }, body: "Hello there" });
  const conversationId = message.conversation_id;
  assert.ok(conversationId);

  await client.conversations.reply({ conversation_id: conversationId, body: { message_type: "comment", type: "admin", admin_id: ownerId, body: "Hi!" } });
  await client.conversations.reply({ conversation_id: conversationId, body: { message_type: "comment", type: "user", intercom_user_id: contact.id, body: "Thanks" } });
  await client.conversations.manage({ conversation_id: conversationId, body: { message_type: "assignment", type: "admin", admin_id: ownerId, assignee_id: ownerId } });
  const closed = await client.conversations.manage({ conversation_id: conversationId, body: { message_type: "close", type: "admin", admin_id: ownerId } });
  assert.equal(closed.state, "closed");
  const reopened = await client.conversations.manage({ conversation_id: conversationId, body: { message_type: "open", type: "admin", admin_id: ownerId } });
  assert.equal(reopened.state, "open");

  const conversation = await client.conversations.find({ conversation_id: conversationId });
  assert.equal(conversation.source.body, "Hello there");
  assert.deepEqual(
    conversation.conversation_parts.conversation_parts.map((p) => p.part_type),
    ["comment", "comment", "assignment", "close", "open"],
  );

  const second = await client.conversations.create({ from: { type: "user", id: contact.id }, body: "Another" });
  const listed = (await collect(await client.conversations.list({ per_page: 1 }))).map((c) => c.id);
  assert.ok(listed.includes(conversationId) && listed.includes(second.conversation_id));

  const deleted = await client.conversations.deleteConversation({ conversation_id: conversationId });
  assert.equal(deleted.deleted, true);
  await assert.rejects(client.conversations.find({ conversation_id: conversationId }), (error) => error.statusCode === 404);
});

test("tags: create, list, find, tag and untag a contact, delete", async () => {
  const contact = await client.contacts.create({ email: email("tagged") });
  const tag = await client.tags.create({ name: `vip-${run}` });
  assert.equal(tag.type, "tag");
  assert.ok((await client.tags.list()).data.some((t) => t.id === tag.id));
  assert.equal((await client.tags.find({ tag_id: tag.id })).name, `vip-${run}`);

  await client.tags.tagContact({ contact_id: contact.id, id: tag.id });
  const attached = await client.contacts.listAttachedTags({ contact_id: contact.id });
  assert.deepEqual(attached.data.map((t) => t.id), [tag.id]);
  await client.tags.untagContact({ contact_id: contact.id, tag_id: tag.id });
  assert.equal((await client.contacts.listAttachedTags({ contact_id: contact.id })).data.length, 0);

  await client.tags.delete({ tag_id: tag.id });
  await assert.rejects(client.tags.find({ tag_id: tag.id }), (error) => error.statusCode === 404);
});

test("notes: create, list, find", async () => {
  const contact = await client.contacts.create({ email: email("noted") });
  const note = await client.notes.create({ contact_id: contact.id, body: "Prefers email", admin_id: ownerId });
  assert.equal(note.type, "note");
  const found = await client.notes.find({ note_id: note.id });
  assert.equal(found.body, "Prefers email");
  const notes = await collect(await client.notes.list({ contact_id: contact.id }));
  assert.deepEqual(notes.map((n) => n.id), [note.id]);
});
