// What the router asks of a view, and the polling they share.

export interface View {
  // Re-draws from what the view holds (after a language switch).
  render(): void;
  // Stops its polling; the router drops it.
  stop(): void;
}

// Runs `task` now and then every `ms` after each run ends (never two at once), skipping
// runs while the tab is hidden. Returns the function that stops it.
export function every(ms: number, task: () => Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try {
        await task();
      } catch (e) {
        // A view's own failure is shown by the view; a bug must not stop the polling.
        console.warn('poll failed', e);
      }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
