import { useEffect } from 'react';

/** Sets the tab title, which is also what a screen reader announces after navigation. */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    if (title) document.title = `${title} · Evermall`;
  }, [title]);
}
