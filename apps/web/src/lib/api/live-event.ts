import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@vigil/server/router';

type LiveOutput = inferRouterOutputs<AppRouter>['events']['live'];

/** What one SSE message of `events.live` carries: a tracked event or an untracked notice. */
export type LiveMessage =
  LiveOutput extends AsyncIterable<infer T, never, unknown> ? T : LiveOutput;

type Tracked = Extract<LiveMessage, { id: string }>;

/** An event the server streams today (the payload of a tracked message). */
export type ServerLiveEvent = Tracked['data'];

/** The server's notice that events were missed: what the page shows must be refetched. */
export type ResyncNotice = Exclude<LiveMessage, Tracked>;

/** Every live event the dashboard handles. */
export type LiveEvent = ServerLiveEvent;
