// The transport layer: UTP 2.x driver, wire codecs, pipeline contract and network interfaces.
export { NetworkDriver } from './driver.ts';
export { DriverLoop, afterIO } from './driver-loop.ts';
export type { DriverLoopOptions, PacketNotifier } from './driver-loop.ts';
export type { NetworkDriverOptions, BeginSendResult, DriverStatistics, ConnectionStatistics, ConcurrentNetworkDriver } from './driver.ts';
export { NetworkConnection } from './connection.ts';
export { NetworkEndpoint, NetworkFamily } from './endpoint.ts';
export { NetworkEvent } from './network-event.ts';
export { NetworkPipeline } from './pipeline.ts';
export type { PipelineOptions, PipelineRef } from './pipeline.ts';
export type { PipelineStage, StageContext, StageInfo, StageStatistics } from './pipeline-stage.ts';
export { DataStreamWriter, DataStreamReader } from './data-stream.ts';
export {
  NetworkSettings, defaultNetworkConfig, defaultReliableStage, defaultFragmentationStage, defaultSimulatorStage,
  AbsoluteMaxMessageSize, AbsoluteMinimumMtuSize, MaxReliableWindowSize,
} from './settings.ts';
export type {
  NetworkConfigParameters, ReliableStageParameters, FragmentationStageParameters, SimulatorStageParameters,
  NetworkSimulatorParameters, LocalParameters,
} from './settings.ts';
export {
  StatusCode, DisconnectReason, NetworkEventType, ConnectionState, statusCodeName, disconnectReasonName,
} from './status-codes.ts';
export { UtpError, UtpSettingsError, UtpSocketError } from './errors.ts';
export type { NetworkInterface, PacketSink } from './interfaces/network-interface.ts';
export { UDPNetworkInterface } from './interfaces/udp.ts';
export type { UDPNetworkInterfaceOptions } from './interfaces/udp.ts';
export { IPCNetworkInterface, IPCNetwork } from './interfaces/ipc.ts';
export type { IPCLinkFilter } from './interfaces/ipc.ts';
export { NullPipelineStage } from './stages/null.ts';
export * as wire from './simple-connection.ts';
export { WebSocketNetworkInterface, wsPackageWebSocket } from './interfaces/websocket-client.ts';
export type { WebSocketNetworkInterfaceOptions, WebSocketLike, WebSocketConstructor } from './interfaces/websocket-client.ts';
export { MultiNetworkDriver, MultiNetworkConnection } from './multi-driver.ts';
export { WebSocketOpcode, WebSocketCloseCode } from './websocket-frame.ts';
export * as websocket from './websocket-frame.ts';
export {
  ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage, FragmentationPipelineStage, SimulatorPipelineStage,
  SimulatorMode,
} from './stages/index.ts';
export type { ReliableSnapshot } from './stages/index.ts';
