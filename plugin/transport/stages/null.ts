import type { PipelineStage } from './pipeline-stage.ts';

/**
 * Mirrors UTP's `NullPipelineStage` (spec §5.1): no header, no behaviour. A pipeline of only this stage
 * is a pure channel id, e.g. to map one id to different stages per transport (§4.1).
 */
export const NullPipelineStage: PipelineStage<null> = {
  name: 'Null',
  headerCapacity: () => 0,
  createState: () => null,
  send: (ctx, buffer, start, end) => ctx.forward(buffer, start, end),
  receive: (ctx, buffer, start, end) => ctx.deliver(buffer, start, end),
};
