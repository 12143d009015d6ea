import type { Snippet } from "svelte";

/** One column of a DataTable: its header and what each row shows in it. */
export type Column<Row> = {
  header: string;
  /** The header is read by screen readers only (an actions column). */
  hideHeader?: boolean;
  /** Each row's cell in this column heads the row (`<th scope="row">`). */
  rowHeader?: boolean;
  /** The cells' class, e.g. `cell-actions`. */
  class?: string;
} & ({ value: (row: Row) => string | number; cell?: never } | { cell: Snippet<[Row]>; value?: never });
