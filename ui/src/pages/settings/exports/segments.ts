// A segment's rules as the editor holds them, and as people read them. The operators per field
// kind mirror core's `FieldKind::ops`; the backend refuses any other combination anyway.
import type { Definition, FieldKind, Match, Op, Rule, SegmentField } from "../../../lib/api/bindings";
import { personFieldLabel } from "../../../lib/i18n/fields";
import { t } from "../../../lib/i18n/index.svelte.js";

export const opsByKind: Record<FieldKind, readonly Op[]> = {
  text: [
    "is",
    "is_not",
    "contains",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
    "one_of",
    "less",
    "greater",
  ],
  flag: ["is", "is_not"],
  date: ["before", "after", "is_empty", "is_not_empty"],
  known: ["is", "is_not"],
};

/** The systems a `known_in` rule names. */
export const systems = ["marketo", "salesforce", "dynamics"] as const;

/** A rule being edited: `value` holds the text of any operator, comma-separated for `one_of`. */
export type DraftRule = { id: number; field: string; op: Op; value: string };

export function takesValue(op: Op): boolean {
  return op !== "is_empty" && op !== "is_not_empty";
}

/** A field named by a saved rule that no longer exists is compared as text. */
export function kindOf(fields: readonly SegmentField[], key: string): FieldKind {
  return fields.find((field) => field.key === key)?.kind ?? "text";
}

function defaultValue(kind: FieldKind): string {
  if (kind === "flag") return "yes";
  if (kind === "known") return systems[0];
  return "";
}

let nextId = 0;

/** A new rule on `field`, with its kind's first operator and value. */
export function newRule(field: SegmentField): DraftRule {
  return { id: ++nextId, field: field.key, op: opsByKind[field.kind][0]!, value: defaultValue(field.kind) };
}

/** `draft` on another field: the operator stays if it fits, the value only if the kind is the same. */
export function changeField(draft: DraftRule, fields: readonly SegmentField[], key: string): DraftRule {
  const before = kindOf(fields, draft.field);
  const after = kindOf(fields, key);
  const ops = opsByKind[after];
  return {
    ...draft,
    field: key,
    op: ops.includes(draft.op) ? draft.op : ops[0]!,
    value: before === after ? draft.value : defaultValue(after),
  };
}

/** Flags may be saved as true/false (e.g. from the CLI); the editor's select says yes/no. */
function flagValue(value: string): string {
  return ["yes", "true", "1", "y"].includes(value.trim().toLowerCase()) ? "yes" : "no";
}

export function fromRule(rule: Rule, fields: readonly SegmentField[]): DraftRule {
  const kind = kindOf(fields, rule.field);
  let value = rule.op === "one_of" ? rule.values.join(", ") : (rule.value ?? "");
  if (kind === "flag" && takesValue(rule.op)) value = flagValue(value);
  if (kind === "known") value = value.toLowerCase();
  return { id: ++nextId, field: rule.field, op: rule.op, value };
}

export function toRule(draft: DraftRule): Rule {
  if (draft.op === "one_of") {
    const values = draft.value
      .split(",")
      .map((value) => value.trim())
      .filter(Boolean);
    return { field: draft.field, op: draft.op, value: null, values };
  }
  return { field: draft.field, op: draft.op, value: takesValue(draft.op) ? draft.value : null, values: [] };
}

export function toDefinition(match: Match, rules: readonly DraftRule[]): Definition {
  return { match, rules: rules.map(toRule) };
}

/** A field's name in the UI language; custom fields and fields added later keep the backend's label. */
export function fieldLabel(fields: readonly SegmentField[], key: string): string {
  const field = fields.find((f) => f.key === key);
  if (!field) return key;
  if (field.custom) return field.label;
  if (key === "updated_at" || key === "known_in") return t(`segments.fieldLabels.${key}`);
  return personFieldLabel(key, field.label);
}

function valueWords(rule: Rule, kind: FieldKind): string {
  if (rule.op === "one_of") return rule.values.join(", ");
  const value = rule.value ?? "";
  if (kind === "flag") return flagValue(value) === "yes" ? t("segments.yes") : t("segments.no");
  const system = systems.find((s) => s === value.toLowerCase());
  if (kind === "known" && system) return t(`segments.systems.${system}`);
  return value;
}

/** The rules in words, e.g. "Country is Japan and Unsubscribed is No". */
export function describe(definition: Definition, fields: readonly SegmentField[]): string {
  if (definition.rules.length === 0) return t("segments.everyone");
  const joiner = definition.match === "all" ? t("segments.joinAll") : t("segments.joinAny");
  return definition.rules
    .map((rule) =>
      t(`segments.rule.${rule.op}`, {
        field: fieldLabel(fields, rule.field),
        value: valueWords(rule, kindOf(fields, rule.field)),
      }),
    )
    .join(joiner);
}
