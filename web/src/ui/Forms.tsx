import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Dialog } from "./Dialog";

// A dialog holding one form: named fields, a submit button, the server's
// refusal shown in the form (role alert) and the dialog closed on success.

export interface Field {
  name: string;
  label: string;
  type?: "text" | "password";
  value?: string;
  required?: boolean;
  maxLength?: number;
}

interface Props {
  title: string;
  fields: Field[];
  submit: string;
  onSubmit(values: Record<string, string>): Promise<unknown>;
  onClose(): void;
  danger?: boolean;
  children?: ComponentChildren;
}

export function FormDialog({ title, fields, submit, onSubmit, onClose, danger, children }: Props) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, f.value ?? ""])));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        aria-label={title}
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError("");
          try {
            await onSubmit(values);
            onClose();
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {children}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        {fields.map((f, i) => (
          <label class="field" key={f.name}>
            <span>{f.label}</span>
            <input
              type={f.type ?? "text"}
              name={f.name}
              required={f.required ?? true}
              maxLength={f.maxLength ?? 256}
              autoFocus={i === 0}
              value={values[f.name]}
              onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
            />
          </label>
        ))}
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class={danger ? "danger" : "primary"} disabled={busy}>
            {submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A yes/no question. */
export function Confirm({ title, text, yes, onYes, onClose }: { title: string; text: string; yes: string; onYes(): Promise<unknown>; onClose(): void }) {
  return (
    <FormDialog title={title} fields={[]} submit={yes} danger onSubmit={onYes} onClose={onClose}>
      <p>{text}</p>
    </FormDialog>
  );
}
