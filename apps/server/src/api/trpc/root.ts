/**
 * The whole tRPC API. The web app imports only `type AppRouter` from here (package export
 * "@vigil/server/router"), never server code.
 */
import { authRouter } from './routers/auth';
import { commandsRouter } from './routers/commands';
import { deadLettersRouter } from './routers/dead-letters';
import { devicesRouter } from './routers/devices';
import { eventsRouter } from './routers/events';
import { telemetryRouter } from './routers/telemetry';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  devices: devicesRouter,
  telemetry: telemetryRouter,
  deadLetters: deadLettersRouter,
  events: eventsRouter,
  commands: commandsRouter,
});

export type AppRouter = typeof appRouter;
