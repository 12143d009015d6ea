import { Action } from "../../../lib/action.svelte.js";
import { commands, type HealthReport } from "../../../lib/api/bindings";

/** The health check of one connection: run on demand, with its last report kept on screen. */
export class HealthCheck {
  readonly action = new Action();
  report = $state.raw<HealthReport | null>(null);

  constructor(readonly connectionId: string) {}

  async run(): Promise<void> {
    await this.action.run(async () => {
      this.report = await commands.connectionCheck(this.connectionId);
    });
  }
}
