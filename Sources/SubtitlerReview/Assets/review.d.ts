// Types for checking review.js with tsc (scripts/check-generated); not part of the page.

/** `window.review`: the small API the browser tests and scripts/bench-review drive. */
interface ReviewAPI {
  /** Zooms to the whole file. */
  fit(): void;
  /** Zooms to `pixelsPerSecond` (clamped), keeping the left edge's time; returns the zoom reached. */
  zoomTo(pixelsPerSecond: number): number;
  /** Scrolls `time` (ms) to the left edge; returns the scroll position reached. */
  scrollToTime(time: number): number;
  render(): void;
  readonly pixelsPerSecond: number;
  visibleRange(): { from: number; to: number; marksFrom: number; marksTo: number };
  stats(): {
    parseMs: number; setupMs: number; readyAt: number; cues: number; problems: number;
    renders: number; lastRenderMs: number; maxRenderMs: number; totalRenderMs: number;
  };
}

interface Window {
  review: ReviewAPI;
}
