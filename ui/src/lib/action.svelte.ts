import { toAppError, type AppError } from "./api/bindings";

/**
 * One user-triggered backend call at a time: `busy` while it runs, and the AppError if it
 * failed, for the page to show in an alert next to the control.
 */
export class Action {
  busy = $state(false);
  error = $state.raw<AppError | null>(null);

  /** Runs `work`; resolves to true when it succeeded. */
  async run(work: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await work();
      return true;
    } catch (failure) {
      this.error = toAppError(failure);
      return false;
    } finally {
      this.busy = false;
    }
  }

  clear(): void {
    this.error = null;
  }
}
