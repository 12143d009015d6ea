// Drives the Liaison sandbox's Salesforce emulator with jsforce (unmodified, from npm), only the
// login URL changed. Starts the sandbox itself (see sandbox.mjs).
//
//   cd crates/sandbox/tests/clients && npm ci && npm test

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import jsforce from 'jsforce';
import { startSandbox } from './sandbox.mjs';

let sandbox;
let ep;

before(async () => {
  sandbox = await startSandbox(['--auto-approve', '--people', '5000', '--seed', '7']);
  ep = sandbox.endpoints;
});

after(() => sandbox?.stop());

const control = (path, body) => sandbox.control(path, body);

/** The web-server flow as a desktop app runs it: PKCE, state, loopback redirect on any port. */
async function login(version = '59.0') {
  const oauth2 = new jsforce.OAuth2({
    loginUrl: ep.salesforce.login_url,
    clientId: ep.salesforce.client_id,
    redirectUri: 'http://127.0.0.1:53682/callback',
    useVerifier: true,
  });
  const url = oauth2.getAuthorizationUrl({ state: 'st-1', scope: 'api refresh_token' });
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302, 'auto-approve redirects at once');
  const callback = new URL(res.headers.get('location'));
  assert.equal(callback.origin, 'http://127.0.0.1:53682');
  assert.equal(callback.searchParams.get('state'), 'st-1');
  const conn = new jsforce.Connection({ oauth2, version });
  const userInfo = await conn.authorize(callback.searchParams.get('code'));
  return { oauth2, conn, userInfo };
}

test('jsforce: web-server flow with PKCE gives a connection with instanceUrl and ids', async () => {
  const { conn, userInfo } = await login();
  assert.equal(conn.instanceUrl, ep.salesforce.login_url);
  assert.match(userInfo.organizationId, /^00D/);
  assert.match(userInfo.id, /^005/);
  assert.ok(conn.refreshToken, 'refresh token issued for the refresh_token scope');
});

test('jsforce: query pages through nextRecordsUrl with autoFetch', async () => {
  const { conn } = await login();
  const first = await conn.query('SELECT Id, Email FROM Contact');
  assert.equal(first.done, false);
  assert.equal(first.records.length, 2000);
  const records = [];
  await new Promise((resolve, reject) => {
    conn
      .query('SELECT Id, Email, HasOptedOutOfEmail FROM Contact ORDER BY Email')
      .on('record', (r) => records.push(r))
      .on('end', resolve)
      .on('error', reject)
      .run({ autoFetch: true, maxFetch: 1_000_000 });
  });
  assert.equal(records.length, first.totalSize);
  assert.equal(new Set(records.map((r) => r.Id)).size, records.length, 'no duplicates across pages');
});

test('jsforce: sObject CRUD, collections, describe and limits', async () => {
  const { conn } = await login();
  const created = await conn.sobject('Contact').create({ LastName: 'Ye', Email: 'bo.ye@example.com' });
  assert.equal(created.success, true);
  await conn.sobject('Contact').update({ Id: created.id, HasOptedOutOfEmail: true });
  const got = await conn.sobject('Contact').retrieve(created.id);
  assert.equal(got.HasOptedOutOfEmail, true);
  const tasks = await conn.sobject('Task').create(
    [
      { WhoId: created.id, Subject: 'Email: Spring promo', ActivityDate: '2026-05-01', Status: 'Completed' },
      { WhoId: created.id, Subject: 'Email: Summer promo', ActivityDate: '2026-06-01', Status: 'Completed' },
    ],
    { allOrNone: true },
  );
  assert.deepEqual(tasks.map((t) => t.success), [true, true]);
  const describe = await conn.sobject('Contact').describe();
  assert.ok(describe.fields.some((f) => f.name === 'HasOptedOutOfEmail' && f.type === 'boolean'));
  const limits = await conn.limits();
  assert.ok(limits.DailyApiRequests.Max > 0);
  await conn.sobject('Contact').destroy(created.id);
  await assert.rejects(conn.sobject('Contact').retrieve(created.id), (e) => e.errorCode === 'NOT_FOUND');
});

test('jsforce: SOQL errors surface the Salesforce errorCode', async () => {
  const { conn } = await login();
  await assert.rejects(conn.query('SELECT Bogus FROM Contact'), (e) => e.errorCode === 'INVALID_FIELD');
  await assert.rejects(conn.query('SELECT Id FROM'), (e) => e.errorCode === 'MALFORMED_QUERY');
});

test('jsforce: Bulk API 2.0 query returns every record', async () => {
  const { conn } = await login('62.0');
  const expected = (await conn.query('SELECT COUNT() FROM Lead')).totalSize;
  const stream = await conn.bulk2.query('SELECT Id, Email FROM Lead', { pollInterval: 250, pollTimeout: 60_000 });
  const records = [];
  await new Promise((resolve, reject) => {
    stream.on('record', (r) => records.push(r)).on('end', resolve).on('error', reject);
  });
  assert.equal(records.length, expected);
  assert.match(records[0].Id, /^00Q/);
});

test('jsforce: an expired session is refreshed with the refresh token, then revoked', async () => {
  const { oauth2, conn } = await login();
  const before = conn.accessToken;
  let refreshed = false;
  conn.on('refresh', () => {
    refreshed = true;
  });
  await control('/clock', { advance_secs: 7201 });
  const res = await conn.query('SELECT Id FROM User LIMIT 1');
  assert.equal(res.records.length, 1);
  assert.ok(refreshed, 'jsforce refreshed after 401 INVALID_SESSION_ID');
  assert.notEqual(conn.accessToken, before);
  await oauth2.revokeToken(conn.refreshToken);
  await assert.rejects(conn.query('SELECT Id FROM User LIMIT 1'));
});
