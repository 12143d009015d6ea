// Drives the Dataverse emulator with dynamics-web-api (unmodified, from npm): only `serverUrl`
// points at the sandbox. The token comes from the sandbox's Microsoft identity platform
// (auth code + PKCE, auto-approved).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { DynamicsWebApi } from 'dynamics-web-api';
import { startSandbox } from './sandbox.mjs';

let sandbox;
let api;

async function token(ep) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL(`${ep.dynamics.authority_url}/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: ep.dynamics.client_id,
    response_type: 'code',
    redirect_uri: 'http://localhost:53123/',
    scope: `${ep.dynamics.org_url}/user_impersonation offline_access`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
  })) {
    authorize.searchParams.set(k, v);
  }
  const res = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')).searchParams.get('code');
  const tok = await fetch(`${ep.dynamics.authority_url}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: ep.dynamics.client_id,
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://localhost:53123/',
      code_verifier: verifier,
    }),
  }).then((r) => r.json());
  return tok.access_token;
}

before(async () => {
  sandbox = await startSandbox(['--auto-approve', '--people', '3000', '--seed', '5']);
  const accessToken = await token(sandbox.endpoints);
  api = new DynamicsWebApi({
    serverUrl: sandbox.endpoints.dynamics.org_url,
    dataApi: { version: '9.2' },
    onTokenRefresh: async () => accessToken,
  });
});

after(() => sandbox?.stop());

test('dynamics-web-api: WhoAmI', async () => {
  const me = await api.callFunction('WhoAmI');
  assert.ok(me.UserId && me.BusinessUnitId && me.OrganizationId);
});

test('dynamics-web-api: retrieveMultiple with select/filter and retrieveAll through nextLink', async () => {
  const page = await api.retrieveMultiple({
    collection: 'contacts',
    select: ['contactid', 'emailaddress1', 'donotbulkemail'],
    filter: "statecode eq 0 and contains(emailaddress1,'example')",
    maxPageSize: 100,
  });
  assert.equal(page.value.length, 100);
  assert.ok(page.oDataNextLink);
  const all = await api.retrieveAll({ collection: 'contacts', select: ['contactid'], maxPageSize: 500 });
  const count = await api.count({ collection: 'contacts' });
  assert.equal(all.value.length, count);
});

test('dynamics-web-api: create, update, retrieve, delete a contact', async () => {
  const id = await api.create({ collection: 'contacts', data: { firstname: 'Bo', lastname: 'Ye', emailaddress1: 'bo@y.com' } });
  assert.match(id, /^[0-9a-f-]{36}$/);
  await api.update({ collection: 'contacts', key: id, data: { donotbulkemail: true } });
  const got = await api.retrieve({ collection: 'contacts', key: id, select: ['fullname', 'donotbulkemail'] });
  assert.equal(got.fullname, 'Bo Ye');
  assert.equal(got.donotbulkemail, true);
  await api.deleteRecord({ collection: 'contacts', key: id });
  await assert.rejects(api.retrieve({ collection: 'contacts', key: id }), (e) => e.status === 404 && e.code === '0x80040217');
});

test('dynamics-web-api: marketing list membership with AddMemberList and AddListMembersList', async () => {
  const listId = await api.create({ collection: 'lists', data: { listname: 'Client test', createdfromcode: 2, type: false } });
  const contacts = await api.retrieveMultiple({ collection: 'contacts', select: ['contactid'], top: 3 });
  const [a, b, c] = contacts.value.map((x) => x.contactid);
  const added = await api.callAction({ collection: 'lists', key: listId, actionName: 'Microsoft.Dynamics.CRM.AddMemberList', action: { EntityId: a } });
  assert.ok(added.Id);
  await api.callAction({
    actionName: 'AddListMembersList',
    action: {
      List: { '@odata.type': 'Microsoft.Dynamics.CRM.list', listid: listId },
      Members: [b, c].map((id) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: id })),
    },
  });
  const list = await api.retrieve({ collection: 'lists', key: listId, select: ['membercount'] });
  assert.equal(list.membercount, 3);
});

test('dynamics-web-api: $batch with a change set', async () => {
  api.startBatch();
  api.create({ collection: 'contacts', data: { lastname: 'Batch1' } });
  api.create({ collection: 'contacts', data: { lastname: 'Batch2' } });
  const results = await api.executeBatch();
  assert.equal(results.length, 2);
  const found = await api.retrieveMultiple({ collection: 'contacts', select: ['lastname'], filter: "startswith(lastname,'Batch')" });
  assert.equal(found.value.length, 2);
});

test('dynamics-web-api: errors carry the Dataverse code', async () => {
  await assert.rejects(
    api.retrieveMultiple({ collection: 'contacts', filter: 'nosuchfield eq 1' }),
    (e) => e.status === 400 && e.code === '0x80060888',
  );
});
