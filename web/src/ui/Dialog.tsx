import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

// A modal <dialog>: the browser traps focus in it, Escape closes it, and
// it is a `dialog` named by its title for assistive technology.

interface Props {
  title: string;
  onClose(): void;
  children: ComponentChildren;
  class?: string;
  /** Hide the visible title (the dialog keeps it as its name). */
  hideTitle?: boolean;
}

export function Dialog({ title, onClose, children, class: cls, hideTitle }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.open && d.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class={cls}
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the dialog element itself.
        if (e.target === ref.current) onClose();
      }}
    >
      {!hideTitle && <h2>{title}</h2>}
      {children}
    </dialog>
  );
}
