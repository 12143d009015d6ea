import { untrack } from "svelte";
import { toAppError, type AppError } from "./api/bindings";

export type ResourceStatus<T> =
  { phase: "loading" } | { phase: "ready"; data: T; refreshing: boolean } | { phase: "failed"; error: AppError };

/**
 * Backend data a component shows. It loads when created, again whenever reactive state that
 * `load` reads synchronously changes (a filter, a prop), and on `reload()` after an action
 * changed the data. Results of superseded loads are dropped; a reload keeps the previous data,
 * marked refreshing, so the page does not jump. Create it while a component initialises: it
 * owns an effect, which ends with the component.
 */
export class Resource<T> {
  status = $state.raw<ResourceStatus<T>>({ phase: "loading" });
  readonly #load: () => Promise<T>;
  // Bumped by every load and by teardown; only the latest load may set the status.
  #latest = 0;

  constructor(load: () => Promise<T>) {
    this.#load = load;
    $effect(() => {
      this.#start(load);
      return () => {
        this.#latest++;
      };
    });
  }

  /** Loads again, e.g. after an action changed what the backend returns. */
  reload(): void {
    untrack(() => this.#start(this.#load));
  }

  #start(load: () => Promise<T>): void {
    const call = ++this.#latest;
    let pending: Promise<T>;
    try {
      pending = load();
    } catch (error) {
      pending = Promise.reject(error);
    }
    // Not a dependency of the effect: only what `load` reads re-runs it.
    const previous = untrack(() => this.status);
    this.status = previous.phase === "ready" ? { ...previous, refreshing: true } : { phase: "loading" };
    pending.then(
      (data) => {
        if (call === this.#latest) this.status = { phase: "ready", data, refreshing: false };
      },
      (error: unknown) => {
        if (call === this.#latest) this.status = { phase: "failed", error: toAppError(error) };
      },
    );
  }
}
