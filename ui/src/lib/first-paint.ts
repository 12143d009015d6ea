import { commands } from "./api/bindings";

let reported = false;

/**
 * Tells the backend, once per start, that the first screen with its data is on the glass: after
 * two animation frames the browser has painted what the page rendered. The start-up benchmark
 * measures from the launch to this moment; a failure to report is not the admin's concern. Used
 * as an attachment on the first screen's content (`{@attach reportFirstPaint}`).
 */
export function reportFirstPaint(): void {
  if (reported) return;
  reported = true;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      commands.appPainted().catch(() => undefined);
    }),
  );
}
