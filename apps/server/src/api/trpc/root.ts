/**
 * The whole tRPC API. The web app imports only `type AppRouter` from here (package export
 * "@vigil/server/router"), never server code.
 */
import { anomaliesRouter } from './routers/anomalies';
import { authRouter } from './routers/auth';
import { commandsRouter } from './routers/commands';
import { deadLettersRouter } from './routers/dead-letters';
import { devicesRouter } from './routers/devices';
import { eventsRouter } from './routers/events';
import { evidenceRouter } from './routers/evidence';
import { telemetryRouter } from './routers/telemetry';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  devices: devicesRouter,
  telemetry: telemetryRouter,
  deadLetters: deadLettersRouter,
  events: eventsRouter,
  commands: commandsRouter,
  anomalies: anomaliesRouter,
  evidence: evidenceRouter,
});

export type AppRouter = typeof appRouter;
