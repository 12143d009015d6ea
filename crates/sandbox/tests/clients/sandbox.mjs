// Starts the Liaison sandbox for a client test file and returns its endpoints (the JSON line).
// Uses `LIAISON_SANDBOX_BIN` (a built `serve` example) if set, else `cargo run --example serve`.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export async function startSandbox(args) {
  const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
  const proc = process.env.LIAISON_SANDBOX_BIN
    ? spawn(process.env.LIAISON_SANDBOX_BIN, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('cargo', ['run', '-q', '-p', 'liaison-sandbox', '--example', 'serve', '--', ...args], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before printing its endpoints`)));
  });
  const endpoints = JSON.parse(line);
  const control = async (path, body) => {
    const res = await fetch(`${endpoints.control_url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`control ${path}: ${res.status}`);
    return res.json();
  };
  return { endpoints, control, stop: () => proc.kill('SIGTERM') };
}
