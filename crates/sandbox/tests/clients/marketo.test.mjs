// Drives the Marketo emulator with node-marketo-rest (unmodified, from npm): only its
// `endpoint` and `identity` URLs point at the sandbox instead of https://<munchkin>.mktorest.com.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Marketo from 'node-marketo-rest';
import { startSandbox } from './sandbox.mjs';

let sandbox;
let marketo;

before(async () => {
  sandbox = await startSandbox(['--people', '2000', '--seed', '11', '--time-scale', '20']);
  const m = sandbox.endpoints.marketo;
  marketo = new Marketo({
    endpoint: `${m.base_url}/rest`,
    identity: `${m.base_url}/identity`,
    clientId: m.client_id,
    clientSecret: m.client_secret,
  });
});

after(() => sandbox?.stop());

test('node-marketo-rest: createOrUpdate, find by email and by id', async () => {
  const created = await marketo.lead.createOrUpdate([{ email: 'client.test@example.com', firstName: 'Client' }], { lookupField: 'email' });
  assert.equal(created.success, true);
  assert.equal(created.result[0].status, 'created');
  const id = created.result[0].id;
  const found = await marketo.lead.find('email', ['client.test@example.com'], { fields: ['id', 'email', 'firstName', 'unsubscribed'] });
  assert.equal(found.result[0].id, id);
  assert.equal(found.result[0].unsubscribed, false);
  const byId = await marketo.lead.byId(id, { fields: ['email'] });
  assert.equal(byId.result[0].email, 'client.test@example.com');
});

test('node-marketo-rest: static list membership add, members, isMember, remove', async () => {
  const lists = await marketo.list.find({ batchSize: 300 });
  assert.ok(lists.result.length >= 3);
  const listId = lists.result[0].id;
  const lead = (await marketo.lead.createOrUpdate([{ email: 'member.client@example.com' }], { lookupField: 'email' })).result[0].id;
  const added = await marketo.list.addLeadsToList(listId, [lead]);
  assert.deepEqual(added.result[0], { id: lead, status: 'added' });
  const member = await marketo.list.isMember(listId, [lead]);
  assert.equal(member.result[0].status, 'memberof');
  const members = await marketo.list.getLeads(listId, { fields: 'id,email' });
  assert.ok(members.result.some((l) => l.id === lead));
  const removed = await marketo.list.removeLeadsFromList(listId, [lead]);
  assert.equal(removed.result[0].status, 'removed');
});

test('node-marketo-rest: errors come back as success:false with Marketo codes', async () => {
  await assert.rejects(marketo.lead.find('firstName', ['Ada']), (e) => JSON.stringify(e).includes('1011'));
});

test('node-marketo-rest: activity types and usage stats', async () => {
  const types = await marketo.activities.getActivityTypes();
  assert.ok(types.result.some((t) => t.id === 13 && t.name === 'Change Data Value'));
  const usage = await marketo.stats.usage();
  assert.ok(usage.result[0].total > 0);
});

test('node-marketo-rest: bulk lead extract create, enqueue, poll and file', async () => {
  const end = new Date('2025-12-31T00:00:00Z');
  const start = new Date(end.getTime() - 30 * 86400 * 1000);
  const filter = { updatedAt: { startAt: start.toISOString(), endAt: end.toISOString() } };
  const created = await marketo.bulkLeadExtract.create(['id', 'email'], filter);
  assert.equal(created.result[0].status, 'Created');
  const exportId = created.result[0].exportId;
  const queued = await marketo.bulkLeadExtract.enqueue(exportId);
  assert.equal(queued.result[0].status, 'Queued');
  let status;
  for (let i = 0; i < 100; i++) {
    status = (await marketo.bulkLeadExtract.status(exportId)).result[0];
    if (status.status === 'Completed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status.status, 'Completed');
  assert.ok(status.numberOfRecords > 0);
});
