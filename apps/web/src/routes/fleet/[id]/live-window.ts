/** How far back the device page's live charts reach (first paint and while streaming). */
export const LIVE_WINDOW_MS = 10 * 60_000;
