// The calls the behaviour tests do not make, so that every operation Confide serves answers at
// least once through the SDK and has its body checked; then the check that none was missed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimed } from './claimed.mjs';
import { sdkOperations } from './operations.mjs';

/**
 * Registers the walk (a `describe`) where it is called: call it after the behaviour tests, so
 * its last test sees every operation they called.
 */
export function describeResponseShapes({ client, shapes, baseUrl, token, ownerId, run }) {
  const state = {};

  /** Confide's own endpoints (not Intercom's, so not the SDK's), for what the walk needs set up. */
  async function confide(method, path, body) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path} answered ${response.status}`);
    return response.json();
  }

  describe('response shapes (every served operation, checked against the SDK\'s types)', () => {
    test('teams.list and teams.find, with the owner in a team', { timeout: 60_000 }, async () => {
      const team = await confide('POST', '/confide/teams', { name: `Shapes ${run}`, admin_ids: [ownerId] });
      state.teamId = team.id;
      const list = await client.teams.list();
      assert.ok(list.teams.some((t) => t.id === team.id));
      assert.equal((await client.teams.find({ team_id: team.id })).id, team.id);
      assert.ok((await client.admins.find({ admin_id: ownerId })).team_ids.includes(team.id));
    });

    test('a lead with nothing but a role, and a company with nothing but its company_id', { timeout: 60_000 }, async () => {
      const lead = await client.contacts.create({ role: 'lead' });
      await client.contacts.find({ contact_id: lead.id });
      const company = await client.companies.createOrUpdate({ company_id: `shapes-${run}` });
      await client.companies.find({ company_id: company.id });
      await client.companies.retrieve({ per_page: 2 });
      await client.companies.delete({ company_id: company.id });
      await client.contacts.delete({ contact_id: lead.id });
    });

    test('a conversation tagged, assigned to a team, read, searched; then untagged', { timeout: 60_000 }, async () => {
      const contact = await client.contacts.create({ role: 'user', email: `shapes-${run}@example.com` });
      const message = await client.conversations.create({ from: { type: 'user', id: contact.id }, body: `Shapes ${run}` });
      const id = message.conversation_id;
      const tag = await client.tags.create({ name: `shapes-${run}` });
      const applied = await client.tags.tagConversation({ conversation_id: id, id: tag.id, admin_id: ownerId });
      assert.equal(applied.id, tag.id);
      await client.conversations.manage({ conversation_id: id, body: { message_type: 'assignment', type: 'team', admin_id: ownerId, assignee_id: state.teamId } });
      await client.conversations.manage({ conversation_id: id, body: { message_type: 'assignment', type: 'admin', admin_id: ownerId, assignee_id: '0' } });
      await client.conversations.reply({ conversation_id: id, body: { message_type: 'note', type: 'admin', admin_id: ownerId, body: 'A note' } });
      const read = await client.conversations.update({ conversation_id: id, read: true });
      assert.equal(read.read, true);
      const found = await client.conversations.search({ query: { field: 'id', operator: '=', value: id }, pagination: { per_page: 5 } });
      assert.deepEqual(found.data.map((c) => c.id), [id]);
      assert.deepEqual((await client.conversations.find({ conversation_id: id })).tags.tags.map((t) => t.id), [tag.id]);
      await client.tags.untagConversation({ conversation_id: id, tag_id: tag.id, admin_id: ownerId });
      await client.tags.delete({ tag_id: tag.id });
      await client.contacts.delete({ contact_id: contact.id });
    });

    test('data attributes of conversations', { timeout: 60_000 }, async () => {
      const list = await client.dataAttributes.list({ model: 'conversation' });
      assert.equal(list.type, 'list');
    });

    test('the team is deleted', { timeout: 60_000 }, async () => {
      await confide('DELETE', `/confide/teams/${state.teamId}`);
    });

    test('every operation Confide serves answered and matched its SDK type', (t) => {
      shapes.assertPending();
      const known = new Set(sdkOperations().map((op) => op.name));
      const unknown = claimed.filter((name) => !known.has(name));
      assert.deepEqual(unknown, [], 'tests/sdk/shapes/claimed.mjs names operations the SDK does not have');
      const validated = shapes.validated();
      const missed = claimed.filter((name) => !validated.has(name));
      assert.deepEqual(missed, [], 'operations Confide serves that no test called through the SDK');
      const types = new Map(sdkOperations().map((op) => [op.name, op.type]));
      for (const [name, count] of [...validated].sort()) {
        t.diagnostic(`${name} → ${types.get(name) ?? 'no body'}: ${count} answer${count === 1 ? '' : 's'} checked`);
      }
      const extra = [...validated.keys()].filter((name) => !claimed.includes(name));
      if (extra.length > 0) {
        t.diagnostic(`also checked (not in claimed.mjs): ${extra.sort().join(', ')}`);
      }
    });
  });
}
