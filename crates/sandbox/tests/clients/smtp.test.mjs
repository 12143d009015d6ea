// Sends mail to the SMTP sink with nodemailer (unmodified, from npm) and reads it back from
// the control API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startSandbox } from './sandbox.mjs';

let sandbox;

before(async () => {
  sandbox = await startSandbox(['--people', '10']);
});

after(() => sandbox?.stop());

test('nodemailer: AUTH PLAIN, UTF-8 subject and an HTML alternative arrive intact', async () => {
  const { host, port } = sandbox.endpoints.smtp;
  const transport = nodemailer.createTransport({ host, port, secure: false, ignoreTLS: true, auth: { user: 'liaison', pass: 'secret' } });
  await transport.verify();
  const info = await transport.sendMail({
    from: 'Liaison <admin@liaison.test>',
    to: 'invitee@example.com',
    subject: 'Invitation / 招待状',
    text: 'Hello 田中さん',
    html: '<p>Hello <b>田中さん</b></p>',
  });
  assert.deepEqual(info.accepted, ['invitee@example.com']);
  const mail = await sandbox.control('/mail');
  const m = mail.messages.at(-1);
  assert.equal(m.subject, 'Invitation / 招待状');
  assert.equal(m.text.trim(), 'Hello 田中さん');
  assert.match(m.html, /<b>田中さん<\/b>/);
  assert.equal(m.auth_user, 'liaison');
});
