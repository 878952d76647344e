import {
  catalogueInput,
  commandIdInput,
  listCommandsInput,
  sendCommandInput,
} from '../../../commands/inputs';
import { operatorProcedure, router, viewerProcedure } from '../trpc';

export const commandsRouter = router({
  /** The commands the device's model accepts, each with its parameters as JSON Schema. */
  catalogue: viewerProcedure
    .input(catalogueInput)
    .query(({ ctx, input }) => ctx.commands.catalogue(input.deviceId)),
  /**
   * Sends a command: BAD_REQUEST (nothing stored or sent) for a command or parameters outside the
   * model's catalogue, NOT_FOUND for an unknown device. Answers with the stored command; its
   * status then changes live ('command' events) until done, rejected, failed or expired.
   */
  send: operatorProcedure.input(sendCommandInput).mutation(async ({ ctx, input }) => {
    const principal = await ctx.principal();
    const createdBy =
      principal === null
        ? 'anonymous'
        : principal.kind === 'user'
          ? principal.name
          : `token:${principal.name}`;
    return ctx.commands.send({ ...input, createdBy });
  }),
  /** A device's commands, newest first. */
  list: viewerProcedure
    .input(listCommandsInput)
    .query(({ ctx, input }) => ctx.commands.list(input.deviceId, input.limit, input.before)),
  /** One command by id; NOT_FOUND when there is none. */
  get: viewerProcedure.input(commandIdInput).query(({ ctx, input }) => ctx.commands.get(input.id)),
});
