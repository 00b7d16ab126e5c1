// Short notices: the server's refusals (ERR lines not answered in a form)
// and what happened while one looked elsewhere. An alert region, so a
// screen reader says them.

export interface Toast {
  id: number;
  text: string;
  info?: boolean;
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss(id: number): void }) {
  return (
    <div class="toasts" role="alert" aria-label="Notices">
      {toasts.map((t) => (
        <p key={t.id} class={"toast" + (t.info ? " info" : "")} onClick={() => onDismiss(t.id)}>
          {t.text}
        </p>
      ))}
    </div>
  );
}
