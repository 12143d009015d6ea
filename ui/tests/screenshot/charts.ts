// The Data sync page on the test backend with a sample run history: what the README's chart
// screenshot shows (`npx vite`, then open /tests/screenshot/charts.html). Sample data, not a
// real workspace.
import { mount } from "svelte";
import App from "../../src/App.svelte";
import "../../src/app.css";
import type { SyncRun, SystemCalls } from "../../src/lib/api/bindings";
import { counts, mockBackend, utcDay } from "../backend";

const runs: SyncRun[] = Array.from({ length: 12 }, (_, i) => {
  const started = new Date(Date.now() - i * 6 * 3_600_000);
  const first = i === 11;
  return {
    id: `sync-${12 - i}`,
    state: i === 4 ? "failed" : "succeeded",
    full: first,
    started_at: started.toISOString().replace(/\.\d+Z$/, "Z"),
    finished_at: new Date(started.getTime() + 300_000).toISOString().replace(/\.\d+Z$/, "Z"),
    counts: counts({
      created: first ? 1800 : 20 + ((i * 37) % 90),
      updated: first ? 0 : 140 + ((i * 53) % 160),
      unchanged: first ? 0 : 600 + ((i * 71) % 300),
      errors: i === 4 ? 45 : i % 3,
    }),
    error: null,
  };
});

const calls: SystemCalls[] = [
  {
    system: "marketo",
    daily_quota: 50000,
    days: Array.from({ length: 14 }, (_, i) => ({ day: utcDay(13 - i), calls: 8000 + ((i * 4111) % 21000) })),
  },
  {
    system: "salesforce",
    daily_quota: 15000,
    days: Array.from({ length: 14 }, (_, i) => ({ day: utcDay(13 - i), calls: 3000 + ((i * 2333) % 11000) })),
  },
  { system: "dynamics", daily_quota: null, days: [{ day: utcDay(0), calls: 240 }] },
];

mockBackend({ sync_history: () => runs, runs_calls_per_day: () => calls });
window.location.hash = "#/settings/sync";
const target = document.getElementById("app");
if (target) mount(App, { target });
