/** The built-in pipeline stages (spec §5), to pass to `createPipeline`. */
export { NullPipelineStage } from './null.ts';
export { UnreliableSequencedPipelineStage, greaterThan16, type UnreliableSequencedState } from './unreliable-sequenced.ts';
export {
  ReliableSequencedPipelineStage, ReliableState, reliableWindowSize, type ReliableSnapshot,
} from './reliable-sequenced.ts';
export {
  ReliablePacketType, reliableHeaderCapacity, reliableMaskBytes, readReliableHeader, writeReliableHeader,
  createReliableHeaderFields, type ReliableHeaderFields,
} from './reliable-header.ts';
export { FragmentationPipelineStage, FragmentationState } from './fragmentation.ts';
export { SimulatorPipelineStage, SimulatorMode, SimulatorState } from './simulator.ts';
