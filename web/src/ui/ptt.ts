// The push-to-talk setting, kept in this browser (localStorage): on or
// off, and the key, as KeyboardEvent.code ("Space", "KeyV").

export interface PushToTalk {
  on: boolean;
  key: string;
}

const STORE = "salon.pushToTalk";

export function loadPushToTalk(): PushToTalk {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? "null");
    if (v && typeof v.on === "boolean" && typeof v.key === "string" && v.key) return { on: v.on, key: v.key };
  } catch {
    // A broken value: the default.
  }
  return { on: false, key: "Space" };
}

export function savePushToTalk(v: PushToTalk): void {
  try {
    localStorage.setItem(STORE, JSON.stringify(v));
  } catch {
    // Storage refused (private mode): the setting lasts as long as the page.
  }
}

/** isTextField: the key goes to what is typed, not to push to talk. */
export function isTextField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (!(t instanceof HTMLInputElement)) return false;
  return !["button", "checkbox", "radio", "range", "submit", "reset", "file", "color"].includes(t.type);
}

/** keyName words a KeyboardEvent.code for the settings: "Space", "V", "F1". */
export function keyName(code: string): string {
  if (code.startsWith("Key")) return code.slice(3);
  if (code.startsWith("Digit")) return code.slice(5);
  return code.replace(/(Left|Right)$/, " ($1)");
}
