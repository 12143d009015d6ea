import { language, type Language } from "./index.svelte.js";

const formats = new Map<Language, Intl.DateTimeFormat>();

function dateTimeFormat(lng: Language): Intl.DateTimeFormat {
  let format = formats.get(lng);
  if (!format) {
    format = new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeStyle: "short" });
    formats.set(lng, format);
  }
  return format;
}

/**
 * Formats an RFC 3339 timestamp for people, in the UI language and the local time zone.
 * Reactive in components: it reads the current language.
 */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateTimeFormat(language()).format(date);
}
