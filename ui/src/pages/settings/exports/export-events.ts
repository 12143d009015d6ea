/**
 * The export run's events. The generated bindings have the commands and ExportProgress but not
 * yet the `export-progress` / `export-finished` subscriptions nor ExportFinished and
 * ExportReport, so they are declared here after liaison-core's `exports::job::ExportFinished`
 * and `exports::run::ExportReport`, and src-tauri's PROGRESS_EVENT / FINISHED_EVENT.
 */
// eslint-disable-next-line no-restricted-imports -- until the bindings declare the export events (see above)
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppError, ExportCounts, ExportProgress, RunState } from "../../../lib/api/bindings";

export type ExportReport = {
  run_id: string;
  export: string;
  state: RunState;
  counts: ExportCounts;
  /** It continued an interrupted run. */
  resumed: boolean;
  seconds: number;
};

export type ExportFinished = {
  export: string;
  report: ExportReport | null;
  error: AppError | null;
  scheduled: boolean;
};

export const exportEvents = {
  progress: (handler: (payload: ExportProgress) => void): Promise<UnlistenFn> =>
    listen<ExportProgress>("export-progress", (event) => handler(event.payload)),
  finished: (handler: (payload: ExportFinished) => void): Promise<UnlistenFn> =>
    listen<ExportFinished>("export-finished", (event) => handler(event.payload)),
};
